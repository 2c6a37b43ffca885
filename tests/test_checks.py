"""System checks refuse configurations that would leave logins open."""

from __future__ import annotations

import pytest
from django.core import checks

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
