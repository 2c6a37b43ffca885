"""Every ``SMS2FA_*`` setting, its default and its meaning, read lazily.

Read through ``app_settings`` (never ``django.conf.settings`` directly) so that
``override_settings`` in tests and per-deployment settings always take effect.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _


class Setting:
    """One ``SMS2FA_<NAME>`` setting with its default, read at each access."""

    def __init__(self, default: Any, doc: str) -> None:
        self.default = default
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = f"SMS2FA_{name}"

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        return getattr(settings, self.name, self.default)


class AppSettings:
    SENDER = Setting(
        "django_sms2fa.senders.ConsoleSender",
        "Dotted path of the sender class that delivers codes.",
    )
    SENDER_OPTIONS = Setting({}, "Options for the sender; unknown keys are an error.")
    IPROG_API_TOKEN = Setting("", "The IPROG api_token; sent only in the JSON body.")
    IPROG_BASE_URL = Setting(
        "https://sms.iprogtech.com/api/v1", "Base of the IPROG API, ending in /api/v1."
    )
    CODE_LENGTH = Setting(6, "Digits in a code.")
    CODE_LIFETIME = Setting(300, "Seconds a code stays valid.")
    MAX_ATTEMPTS = Setting(5, "Wrong codes allowed per challenge before it is spent.")
    PENDING_TIMEOUT = Setting(600, "Seconds a password-checked login may wait for its code.")
    RESEND_COOLDOWN = Setting(60, "Seconds before another code may be sent for a login.")
    LOCKOUT_FAILURES = Setting(10, "Wrong codes across challenges that lock a user out.")
    LOCKOUT_DURATION = Setting(900, "Seconds a lockout lasts, counted from the last failure.")
    SEND_RATE_PHONE = Setting(
        "5/10m", "Sends per phone number (all spellings), counted in the database."
    )
    ENROLL_RATE_PHONE = Setting(
        "3/h", "Sends per number not yet confirmed (enrollment, sign-up checks), in the database."
    )
    DAILY_SMS_BUDGET = Setting(
        1000,
        "SMS the site expects per day: codes to unconfirmed numbers stop there; codes to "
        "confirmed phones raise alerts at 50 %, 100 %, 200 % ... unless DAILY_BUDGET_HARD_CAP.",
    )
    DAILY_BUDGET_HARD_CAP = Setting(
        False, "Also refuse codes to confirmed phones once DAILY_SMS_BUDGET is spent."
    )
    DAILY_UNCONFIRMED_BUDGET = Setting(
        200, "Hard cap on codes per day to numbers nobody has confirmed; None for none."
    )
    DAILY_LIMIT_PHONE = Setting(20, "Codes one phone may receive in 24 h, all purposes.")
    DAILY_LIMIT_USER = Setting(20, "Codes one user may receive in 24 h, all purposes and numbers.")
    UNVERIFIED_ALERT = Setting(
        (50, 3600), "(count, seconds): alert when this many codes sent end unverified."
    )
    DOMAIN = Setting("", "Domain for the SMS text and its WebOTP line; empty: the request's host.")
    TRUSTED_PROXY_COUNT = Setting(0, "Proxies in front of Django that append X-Forwarded-For.")
    CLIENT_IP_HEADER = Setting("", "request.META key a trusted proxy sets to the client IP.")
    BREAKER_FAILURES = Setting(5, "Gateway failures in a row that stop sends for a while.")
    BREAKER_COOLDOWN = Setting(60, "Seconds sends stay stopped once the breaker opens.")
    ALERT_RULES = Setting(
        {
            "wrong_code": (50, 300),
            "send_rate_limited": (100, 300),
            "send_refused": (100, 300),
            "send_failed": (10, 300),
            "locked_out": (5, 300),
        },
        "Security event kind -> (count, seconds): alert when the site reaches count.",
    )
    ALERT_HANDLER = Setting("", "Dotted path of a callable(kind, count, seconds, event).")
    ALERT_MAIL_ADMINS = Setting(False, "Also mail the ADMINS when an alert fires.")
    NOTIFY_ON_LOCKOUT = Setting(True, "Tell a locked-out user by email (or SMS) right away.")
    SEND_RATE_USER = Setting("5/10m", "django-ratelimit rate for sends per user.")
    SEND_RATE_IP = Setting("20/h", "django-ratelimit rate for sends per client IP.")
    VERIFY_RATE_USER = Setting("10/5m", "django-ratelimit rate for code checks per user.")
    VERIFY_RATE_IP = Setting("30/5m", "django-ratelimit rate for code checks per client IP.")
    # The texts are translated lazily, in the language of the one who reads them
    # (see ``language``); a site's own text is translated if it is a gettext_lazy.
    MESSAGE_TEMPLATE = Setting(
        _(
            "{code} is your {site_name} verification code. It expires in {minutes} min. "
            "Never share this code with anyone.\n\n@{domain} #{code}"
        ),
        "SMS text; placeholders {code}, {site_name}, {minutes}, {domain}.",
    )
    SITE_NAME = Setting("", "Name used in the SMS; empty means the request's host name.")
    DEFAULT_REGION = Setting("PH", "Region for phone numbers typed without a country code.")
    ALLOWED_REGIONS = Setting(["PH"], "Regions whose numbers may be enrolled (IPROG: PH only).")
    REQUIRED = Setting("none", "Who must use 2FA: 'none' (opt-in), 'staff' or 'all'.")
    RECOVERY_CODE_COUNT = Setting(10, "Recovery codes in a set.")
    STEP_UP_MAX_AGE = Setting(300, "Default seconds a step-up verification stays fresh.")
    REMEMBER_DAYS = Setting(0, "Days 'remember this browser' skips the code; 0 hides the option.")
    REMEMBER_COOKIE_NAME = Setting("sms2fa_remember", "Cookie that remembers a browser.")
    CHALLENGE_RETENTION_DAYS = Setting(
        90, "Days challenges (and idle gate rows) are kept; sms2fa_cleanup deletes older ones."
    )
    EVENT_RETENTION_DAYS = Setting(
        365, "Days security events are kept; sms2fa_cleanup deletes older ones."
    )
    NOTICE_TEMPLATE = Setting(
        _(
            "{site_name}: the phone number for two-factor sign-in on your account was "
            "{change}. If this was not you, contact support now."
        ),
        "SMS to the old number when the phone changes; {site_name}, {change}.",
    )


app_settings = AppSettings()
