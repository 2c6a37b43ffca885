"""Site (a): Django's stock LoginView, password only."""

from .common import *  # noqa: F401,F403
from .common import BASE_APPS, MIDDLEWARE_AFTER_AUTH, MIDDLEWARE_BEFORE_AUTH

INSTALLED_APPS = BASE_APPS
MIDDLEWARE = MIDDLEWARE_BEFORE_AUTH + MIDDLEWARE_AFTER_AUTH
ROOT_URLCONF = "bench.sites.plain_urls"
LOGIN_URL = "/accounts/login/"
