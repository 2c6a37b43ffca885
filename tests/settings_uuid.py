"""tests.settings with a user model keyed by UUID (tests/uuid_users), for
tests/uuid_user_cases.py, which tests/test_uuid_users.py runs."""

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.uuid_users"]
AUTH_USER_MODEL = "uuid_users.Person"
ROOT_URLCONF = "tests.uuid_users.urls"

if "postgres" in SERVICES:  # noqa: F405
    # Its own test database beside the one of the run that starts this one.
    DATABASES["default"]["NAME"] += "_uuid"  # noqa: F405
