"""Site (c): django-two-factor-auth 1.18's login wizard, second step by SMS.

Configured as its installation docs describe (django_otp apps, OTPMiddleware
after AuthenticationMiddleware, two_factor + the phonenumber plugin, its URLs,
LOGIN_URL = "two_factor:login"). Each user's default device is a PhoneDevice
with method "sms"; TWO_FACTOR_SMS_GATEWAY is bench.sites.iprog_gateway, which
POSTs the same IPROG request as django-sms2fa's IPROGSender to the same fake
IPROG server, so both 2FA sites pay one gateway round trip per login.
"""

from .common import *  # noqa: F401,F403
from .common import BASE_APPS, MIDDLEWARE_AFTER_AUTH, MIDDLEWARE_BEFORE_AUTH

INSTALLED_APPS = BASE_APPS + [
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "two_factor.plugins.phonenumber",
]
MIDDLEWARE = MIDDLEWARE_BEFORE_AUTH + ["django_otp.middleware.OTPMiddleware"] + MIDDLEWARE_AFTER_AUTH
ROOT_URLCONF = "bench.sites.twofactor_urls"
LOGIN_URL = "two_factor:login"

TWO_FACTOR_SMS_GATEWAY = "bench.sites.iprog_gateway.IPROGGateway"
PHONENUMBER_DEFAULT_REGION = "PH"
