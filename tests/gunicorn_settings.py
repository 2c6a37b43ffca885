"""Settings for serving ``example_project`` under gunicorn in ``test_cross_process.py``.

The demo's settings, pointed at the test run's own services: the PostgreSQL
database pytest-django created (its name comes in ``SMS2FA_XPROC_DB_NAME``),
Redis db 15 for the cache (what ``tests.settings`` uses in the PostgreSQL pass),
and ``IPROGSender`` talking to the loopback IPROG fake of the test
(``SMS2FA_XPROC_IPROG_URL``, ``SMS2FA_XPROC_IPROG_TOKEN``).

The cache-counted limits are set out of reach and the resend cooldown (which
also holds per phone in the database) is off, so that the per-phone limit
counted in the database is the only one in play. The server sits behind one
trusted proxy, so each test client can show another address in X-Forwarded-For.

``example_project`` (its directory) and the repository root must be on the path.
"""

import os

from example_project.settings import *  # noqa: F401,F403

from tests import settings as _tests

# The same key as the test process: phone keys (keyed hashes of the number)
# computed there match the ones the server stores.
SECRET_KEY = _tests.SECRET_KEY
PASSWORD_HASHERS = _tests.PASSWORD_HASHERS
DEBUG = False

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["SMS2FA_XPROC_DB_NAME"],
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": "5432",
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # The test process's Redis database (the server runs without
        # SMS2FA_TEST_SERVICES, so tests.settings' CACHES is local memory here).
        "LOCATION": "redis://127.0.0.1:6379/" + os.environ.get("SMS2FA_TEST_REDIS_DB", "15"),
    }
}

SMS2FA_SENDER = "django_sms2fa.senders.IPROGSender"
SMS2FA_IPROG_BASE_URL = os.environ["SMS2FA_XPROC_IPROG_URL"]
SMS2FA_IPROG_API_TOKEN = os.environ["SMS2FA_XPROC_IPROG_TOKEN"]
SMS2FA_SENDER_OPTIONS = {"timeout": [2, 5]}

SMS2FA_SEND_RATE_USER = "10000/m"
SMS2FA_SEND_RATE_IP = "10000/m"
SMS2FA_TRUSTED_PROXY_COUNT = 1
# No cooldown between codes: the burst must reach the per-phone limit itself.
SMS2FA_RESEND_COOLDOWN = 0

# Server errors go to stderr (gunicorn's log file), so a failing test can show them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "ERROR"},
        "django_sms2fa": {"handlers": ["stderr"], "level": "WARNING"},
    },
}
