"""Site (b): Django's stock LoginView held by django-sms2fa, codes sent with IPROGSender.

Configured as django-sms2fa documents it: the app, its middleware right after
AuthenticationMiddleware, its backend in place of ModelBackend, its URLs under
2fa/. IPROG's base URL points at the benchmark's fake IPROG server on 127.0.0.1.
"""

from .common import *  # noqa: F401,F403
from .common import (
    BASE_APPS,
    BENCH_IPROG_API_TOKEN,
    BENCH_IPROG_BASE_URL,
    MIDDLEWARE_AFTER_AUTH,
    MIDDLEWARE_BEFORE_AUTH,
)

INSTALLED_APPS = BASE_APPS + ["django_sms2fa"]
MIDDLEWARE = (
    MIDDLEWARE_BEFORE_AUTH + ["django_sms2fa.middleware.SMS2FAMiddleware"] + MIDDLEWARE_AFTER_AUTH
)
AUTHENTICATION_BACKENDS = ["django_sms2fa.backends.SMS2FABackend"]
ROOT_URLCONF = "bench.sites.sms2fa_urls"
LOGIN_URL = "/accounts/login/"

SMS2FA_SENDER = "django_sms2fa.senders.IPROGSender"
SMS2FA_IPROG_API_TOKEN = BENCH_IPROG_API_TOKEN
SMS2FA_IPROG_BASE_URL = BENCH_IPROG_BASE_URL
SMS2FA_SITE_NAME = "Bench"

# The benchmark logs each of 200 users in several times a minute from one IP:
# the rate limits are raised far above that so they never refuse a login. They
# are still checked (and counted in the cache) on every send and verify.
SMS2FA_SEND_RATE_USER = "1000000/m"
SMS2FA_SEND_RATE_IP = "1000000/m"
SMS2FA_VERIFY_RATE_USER = "1000000/m"
SMS2FA_VERIFY_RATE_IP = "1000000/m"
# The database-counted SMS-pumping guards (per-phone sends, the site's daily SMS
# budget) likewise stay on, with limits the benchmark cannot reach.
SMS2FA_SEND_RATE_PHONE = "1000000/m"
SMS2FA_DAILY_LIMIT_PHONE = 10**9
SMS2FA_DAILY_LIMIT_USER = 10**9
SMS2FA_DAILY_SMS_BUDGET = 10**9

# django-ratelimit refuses a non-shared cache (LocMemCache) in its system checks;
# a production site would use Redis/Memcached. The benchmark uses LocMemCache.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
