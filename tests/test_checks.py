"""System checks refuse configurations that would leave logins open."""

from __future__ import annotations

import pytest
from django.core import checks
from django.middleware.csrf import CsrfViewMiddleware

from django_sms2fa.middleware import SMS2FAMiddleware

AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
OURS = "django_sms2fa.middleware.SMS2FAMiddleware"


class SiteMiddleware(SMS2FAMiddleware):
    pass


def ids(deploy=False):
    return sorted(m.id for m in checks.run_checks(include_deployment_checks=deploy)
                  if m.id.startswith("sms2fa."))


def test_test_settings_pass():
    assert ids() == []


def test_missing_middleware(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != OURS]
    assert ids() == ["sms2fa.E001"]


def test_middleware_before_authentication(settings):
    rest = [m for m in settings.MIDDLEWARE if m not in (OURS, AUTH)]
    settings.MIDDLEWARE = rest[:2] + [OURS, AUTH] + rest[2:]
    assert ids() == ["sms2fa.E002"]


def test_subclassed_middleware_is_accepted(settings):
    settings.MIDDLEWARE = [
        f"{__name__}.SiteMiddleware" if m == OURS else m for m in settings.MIDDLEWARE
    ]
    assert ids() == []


def test_missing_backend(settings):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    assert ids() == ["sms2fa.E003"]


@pytest.mark.parametrize("path", ["no.such.Sender", "django_sms2fa.models.Phone"])
def test_bad_sender(settings, path):
    settings.SMS2FA_SENDER = path
    assert ids() == ["sms2fa.E004"]


def test_iprog_without_token(settings):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.IPROGSender"
    settings.SMS2FA_IPROG_API_TOKEN = ""
    assert ids() == ["sms2fa.E005"]


def test_unknown_sender_option(settings):
    settings.SMS2FA_SENDER_OPTIONS = {"fial_with": "x"}
    assert ids() == ["sms2fa.E006"]


def test_urls_not_included(settings):
    settings.ROOT_URLCONF = "tests.urls_without_sms2fa"
    assert "sms2fa.E007" in ids()


def test_deploy_checks_refuse_dev_sender_and_unshared_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert ids(deploy=True) == ["sms2fa.E008", "sms2fa.E009"]


def test_deploy_checks_pass_with_iprog_and_redis(settings):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.IPROGSender"
    settings.SMS2FA_IPROG_API_TOKEN = "0" * 40
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        }
    }
    assert ids(deploy=True) == []


def test_missing_middleware_fails_closed_at_runtime(settings, client, django_user_model, db):
    """Even if the checks are ignored, a phone user is not let in without the code."""
    from django_sms2fa.models import Phone

    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != OURS]
    user = django_user_model.objects.create_user("carol", password="pw-carol-123")
    Phone.objects.create(user=user, number="+639170000001", confirmed=True)
    client.post("/accounts/login/", {"username": "carol", "password": "pw-carol-123"})
    assert client.get("/whoami/").content == b"anonymous"


@pytest.mark.parametrize("name, value", [
    ("SMS2FA_REQUIRED", "Staff"),
    ("SMS2FA_SEND_RATE_PHONE", "five a minute"),
    ("SMS2FA_VERIFY_RATE_IP", 10),
])
def test_invalid_settings_are_errors(settings, name, value):
    setattr(settings, name, value)
    assert ids() == ["sms2fa.E012"]


def test_ratelimit_fail_open_is_an_error(settings):
    settings.RATELIMIT_FAIL_OPEN = True
    assert ids() == ["sms2fa.E011"]


def test_any_host_without_a_fixed_domain_is_an_error(settings):
    settings.ALLOWED_HOSTS = ["*"]
    assert ids() == ["sms2fa.E010"]
    settings.SMS2FA_DOMAIN = "example.com"
    assert ids() == []


def test_plain_http_gateway_is_a_deploy_error(settings):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.IPROGSender"
    settings.SMS2FA_IPROG_API_TOKEN = "0" * 40
    settings.SMS2FA_IPROG_BASE_URL = "http://sms.iprogtech.com/api/v1"
    assert "sms2fa.E013" in ids(deploy=True)


# -- the site around django-sms2fa (checks_site) -------------------------------


def outside_tests(monkeypatch):
    """As in production: Django's test environment is what adds mail.outbox."""
    from django.core import mail

    monkeypatch.delattr(mail, "outbox")


@pytest.mark.parametrize("sender", ["django_sms2fa.senders.ConsoleSender",
                                    "django_sms2fa.senders.LocmemSender"])
def test_dev_sender_with_debug_off_is_an_error(settings, monkeypatch, sender):
    settings.SMS2FA_SENDER = sender
    settings.SMS2FA_SENDER_OPTIONS = {}
    settings.DEBUG = True
    outside_tests(monkeypatch)
    assert ids() == []
    settings.DEBUG = False
    assert ids() == ["sms2fa.E014"]


def test_dev_sender_is_fine_in_a_test_environment(settings):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.ConsoleSender"
    settings.DEBUG = False
    assert ids() == []


def test_real_sender_with_debug_off_passes(settings, monkeypatch):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.IPROGSender"
    settings.SMS2FA_IPROG_API_TOKEN = "x" * 40
    outside_tests(monkeypatch)
    assert ids() == []




@pytest.mark.parametrize("engine, expected", [
    ("django.contrib.sessions.backends.signed_cookies", ["sms2fa.E015"]),
    ("django.contrib.sessions.backends.cache", []),
    ("django.contrib.sessions.backends.cached_db", []),
])
def test_cookie_sessions_are_an_error(settings, engine, expected):
    settings.SESSION_ENGINE = engine
    assert ids() == expected


@pytest.mark.parametrize("name, hint", [
    ("SMS2FA_IPROG_API_TOKN", "Did you mean SMS2FA_IPROG_API_TOKEN?"),
    ("SMS2FA_LOCKOUT_FAILURE", "Did you mean SMS2FA_LOCKOUT_FAILURES?"),
    ("SMS2FA_CODE_LIFETIME_SECONDS", "Did you mean SMS2FA_CODE_LIFETIME?"),
    ("SMS2FA_FROBNICATE", "docs/settings.md lists every setting."),
])
def test_unknown_setting_names_are_errors_with_a_hint(settings, name, hint):
    setattr(settings, name, 5)
    [message] = [m for m in checks.run_checks() if m.id.startswith("sms2fa.")]
    assert message.id == "sms2fa.E016"
    assert name in message.msg
    assert message.hint == hint


@pytest.mark.parametrize("name, value", [
    ("SMS2FA_CODE_LIFETIME", "300"),
    ("SMS2FA_MAX_ATTEMPTS", True),
    ("SMS2FA_NOTIFY_ON_LOCKOUT", "yes"),
    ("SMS2FA_ALLOWED_REGIONS", "PH"),
    ("SMS2FA_SENDER_OPTIONS", [("timeout", 5)]),
    ("SMS2FA_DOMAIN", None),
    ("SMS2FA_RESEND_COOLDOWN", None),
])
def test_settings_of_the_wrong_type_are_errors(settings, name, value):
    setattr(settings, name, value)
    assert "sms2fa.E017" in ids()
    [message] = [m for m in checks.run_checks() if m.id == "sms2fa.E017"]
    assert message.msg.startswith(f"{name} is a {type(value).__name__}; it must be")


@pytest.mark.parametrize("name, value", [
    ("SMS2FA_DAILY_SMS_BUDGET", None),
    ("SMS2FA_CODE_LIFETIME", 120),
    ("SMS2FA_CHALLENGE_RETENTION_DAYS", 30.5),
    ("SMS2FA_ALLOWED_REGIONS", ("PH", "SG")),
    ("SMS2FA_NOTIFY_ON_LOCKOUT", False),
])
def test_settings_of_the_right_type_pass(settings, name, value):
    setattr(settings, name, value)
    assert ids() == []


@pytest.mark.parametrize("login_url, expected", [
    ("/accounts/login/", []),
    ("login", []),
    ("https://sso.example.com/login", []),
    ("/acounts/login/", ["sms2fa.E018"]),
    ("no-such-url-name", ["sms2fa.E018"]),
    ("sms2fa:no-such-page", ["sms2fa.E018"]),
])
def test_login_url_must_resolve(settings, login_url, expected):
    settings.LOGIN_URL = login_url
    assert ids() == expected


class HookedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        return None


def test_atomic_requests_warns_of_view_hooks_after_ours(settings, monkeypatch):
    from django.db import connection

    hooked = f"{__name__}.HookedMiddleware"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, hooked]
    assert ids() == []  # without ATOMIC_REQUESTS our middleware calls no view
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    assert ids() == ["sms2fa.W001"]
    settings.MIDDLEWARE = [hooked, *settings.MIDDLEWARE[:-1]]  # before ours: called as usual
    assert ids() == []


class StricterCsrfMiddleware(CsrfViewMiddleware):
    """A site's own CSRF middleware: a subclass must be recognised too."""


@pytest.mark.parametrize("csrf", [
    "django.middleware.csrf.CsrfViewMiddleware", f"{__name__}.StricterCsrfMiddleware",
])
def test_atomic_requests_refuses_a_csrf_check_listed_after_ours(settings, monkeypatch, csrf):
    """Our middleware runs atomic views itself; a CSRF check after it is refused."""
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    others = [m for m in settings.MIDDLEWARE if m != "django.middleware.csrf.CsrfViewMiddleware"]
    settings.MIDDLEWARE = [*others, csrf]
    assert ids() == ["sms2fa.E019", "sms2fa.W001"]
    settings.MIDDLEWARE = [csrf, *others]
    assert ids() == []
