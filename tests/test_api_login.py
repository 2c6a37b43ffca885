"""The second step of a login through the JSON API, for both client kinds."""

from __future__ import annotations

import pytest

from django_sms2fa.models import Challenge, SecurityEvent
from django_sms2fa.senders import outbox

from .api_client import codes
from .conftest import PASSWORD, last_code, wrong_code

pytestmark = pytest.mark.django_db


def login(api, username="alice", password=PASSWORD):
    return api.post("auth/login", {"username": username, "password": password})


def test_password_then_code_signs_in(api, user):
    body = login(api)
    assert body["status"] == 200 and body["state"] == "code_required"
    assert body["user"] is None
    assert body["challenge"]["phone"].endswith("4567") and "917123" not in body["challenge"]["phone"]
    assert body["challenge"]["attempts_left"] == 5
    assert len(outbox) == 1
    body = api.post("auth/code", {"code": last_code()})
    assert body["status"] == 200 and body["state"] == "authenticated"
    assert body["user"] == {"id": str(user.pk), "username": "alice"}
    assert api.get("account/status")["data"]["enabled"] is True


def test_nothing_is_signed_in_before_the_code(api, user):
    login(api)
    assert api.get("auth/session")["state"] == "code_required"
    body = api.get("account/status")
    assert body["status"] == 401 and codes(body) == ["not_authenticated"]
    if api.kind == "browser":
        assert api.http.get("/whoami/").content == b"anonymous"


def test_wrong_password_and_unknown_user_get_the_same_answer(api, user):
    wrong = login(api, password="nope")
    unknown = login(api, username="mallory")
    for body in (wrong, unknown):
        assert body["status"] == 400 and codes(body) == ["invalid_credentials"]
        assert body["state"] == "unauthenticated"
    assert wrong["errors"] == unknown["errors"]
    assert not outbox
    if api.kind == "app":
        assert api.token is None  # no session made for a failed password


def test_wrong_code_counts_down_then_exhausts(api, user, settings):
    settings.SMS2FA_MAX_ATTEMPTS = 2
    login(api)
    code = last_code()
    body = api.post("auth/code", {"code": wrong_code(code)})
    assert body["status"] == 400 and codes(body) == ["invalid_code"]
    assert body["errors"][0]["attempts_left"] == 1 and body["errors"][0]["field"] == "code"
    body = api.post("auth/code", {"code": wrong_code(code)})
    assert body["status"] == 409 and codes(body) == ["attempts_exhausted"]
    body = api.post("auth/code", {"code": code})
    assert body["status"] == 409 and codes(body) == ["attempts_exhausted"]
    assert body["state"] == "code_required"


def test_malformed_code_uses_no_attempt(api, user):
    login(api)
    body = api.post("auth/code", {"code": "12ab"})
    assert body["status"] == 400 and codes(body) == ["invalid_format"]
    assert Challenge.objects.get().attempts == 0
    assert api.post("auth/code", {"code": last_code()})["state"] == "authenticated"


def test_expired_code(api, user, frozen_clock):
    login(api)
    frozen_clock.advance(301)
    body = api.post("auth/code", {"code": last_code()})
    assert body["status"] == 409 and codes(body) == ["expired"]


def test_used_code_and_replay_after_sign_in(api, user):
    login(api)
    code = last_code()
    assert api.post("auth/code", {"code": code})["state"] == "authenticated"
    body = api.post("auth/code", {"code": code})
    assert body["status"] == 401 and codes(body) == ["no_pending_login"]


def test_lockout_answers_locked_with_retry_after(api, user, settings):
    settings.SMS2FA_LOCKOUT_FAILURES = 2
    login(api)
    code = last_code()
    api.post("auth/code", {"code": wrong_code(code)})
    body = api.post("auth/code", {"code": wrong_code(code)})
    assert body["status"] == 429 and codes(body) == ["locked"]
    assert body["errors"][0]["retry_after"] == 900
    assert api.last["Retry-After"] == "900"
    body = api.post("auth/code", {"code": code})
    assert codes(body) == ["locked"]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT).count() == 1


def test_verify_rate_limit(api, user, settings):
    settings.SMS2FA_VERIFY_RATE_USER = "2/m"
    login(api)
    api.post("auth/code", {"code": "000000"})
    api.post("auth/code", {"code": "000000"})
    body = api.post("auth/code", {"code": last_code()})
    assert body["status"] == 429 and codes(body) == ["rate_limited"]
    assert body["errors"][0]["retry_after"] == 300  # the longer of the user and IP windows
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.VERIFY_RATE_LIMITED).exists()


def test_resend_waits_for_the_cooldown_then_sends(api, user, frozen_clock):
    login(api)
    body = api.post("auth/code/resend")
    assert body["status"] == 429 and codes(body) == ["resend_cooldown"]
    assert body["errors"][0]["retry_after"] == 60
    assert len(outbox) == 1
    frozen_clock.advance(61)
    body = api.post("auth/code/resend")
    assert body["status"] == 200 and body["challenge"]["resend_after"] == 60
    assert len(outbox) == 2
    assert api.post("auth/code", {"code": last_code()})["state"] == "authenticated"


def test_send_rate_limit_at_login(api, user, settings):
    settings.SMS2FA_SEND_RATE_USER = "0/m"
    body = login(api)
    assert body["status"] == 429 and codes(body) == ["rate_limited"]
    assert body["state"] == "code_required"
    assert not outbox


def test_gateway_down_at_login(api, user, settings):
    settings.SMS2FA_SENDER_OPTIONS = {"fail_with": "django_sms2fa.exceptions.GatewayUnavailable"}
    body = login(api)
    assert body["status"] == 503 and codes(body) == ["gateway_unavailable"]
    assert body["errors"][0]["retry_after"] > 0
    assert body["state"] == "code_required" and body["challenge"]["delivery"] == "failed"
    # The login still waits for its code (a browser's session is saved despite the 503).
    assert api.get("auth/session")["state"] == "code_required"


def test_gateway_timeout_is_no_error_the_code_may_arrive(api, user, settings):
    settings.SMS2FA_SENDER_OPTIONS = {"fail_with": "django_sms2fa.exceptions.GatewayTimeout"}
    body = login(api)
    assert body["status"] == 200 and body["errors"] == []
    assert body["challenge"]["delivery"] == "unknown" and body["challenge"]["resend_after"] == 60


def test_circuit_open_budget_region_and_limits_down(api, user, settings):
    settings.SMS2FA_DAILY_SMS_BUDGET = 0
    settings.SMS2FA_DAILY_BUDGET_HARD_CAP = True  # login codes stop at the budget only then
    body = login(api)
    assert body["status"] == 503 and codes(body) == ["budget_exhausted"]
    api.post("auth/cancel")
    settings.SMS2FA_DAILY_SMS_BUDGET = None
    settings.SMS2FA_ALLOWED_REGIONS = ["US"]
    body = login(api)
    assert body["status"] == 400 and codes(body) == ["region_not_allowed"]
    api.post("auth/cancel")
    settings.SMS2FA_ALLOWED_REGIONS = ["PH"]
    settings.CACHES = {
        "default": settings.CACHES["default"],
        "broken": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                   "LOCATION": "redis://127.0.0.1:1/0"},
    }
    settings.RATELIMIT_USE_CACHE = "broken"
    body = login(api)
    assert body["status"] == 503 and codes(body) == ["service_unavailable"]
    # Nor is a password checked without its limits: no login waits for a code.
    assert codes(api.post("auth/code", {"code": "123456"})) == ["no_pending_login"]
    assert not outbox


def test_breaker_open(api, user, settings):
    from django_sms2fa import breaker

    settings.SMS2FA_SENDER_OPTIONS = {"fail_with": "django_sms2fa.exceptions.GatewayUnavailable"}
    settings.SMS2FA_BREAKER_FAILURES = 1
    login(api)
    api.post("auth/cancel")
    assert breaker.is_open()
    body = login(api)
    assert body["status"] == 503 and codes(body) == ["gateway_unavailable"]
    assert body["errors"][0]["retry_after"] == 60


def test_already_signed_in(api, user):
    login(api)
    api.post("auth/code", {"code": last_code()})
    body = login(api)
    assert body["status"] == 409 and codes(body) == ["already_authenticated"]


def test_cancel(api, user):
    login(api)
    body = api.post("auth/cancel")
    assert body["status"] == 200 and body["state"] == "unauthenticated"
    assert codes(api.post("auth/code", {"code": last_code()})) == ["no_pending_login"]


def test_recovery_code_signs_in(api, user):
    from django_sms2fa import recovery

    spare = recovery.replace_codes(user, 3)
    login(api)
    body = api.post("auth/recovery", {"recovery_code": "abcd-efgh-jkmn"})
    assert body["status"] == 400 and codes(body) == ["invalid_recovery_code"]
    body = api.post("auth/recovery", {"recovery_code": "not one"})
    assert body["status"] == 400 and codes(body) == ["invalid_format"]
    body = api.post("auth/recovery", {"recovery_code": spare[0].upper()})
    assert body["state"] == "authenticated" and body["data"] == {"recovery_codes_left": 2}


def test_user_without_phone_signs_in_at_once(api, plain_user):
    body = login(api, username="bob")
    assert body["state"] == "authenticated" and not outbox


def test_login_time_enrollment(api, plain_user, settings, frozen_clock):
    settings.SMS2FA_REQUIRED = "all"
    body = login(api, username="bob")
    assert body["state"] == "enroll_required" and body["challenge"] is None
    body = api.post("auth/code", {"code": "123456"})
    assert body["status"] == 409 and codes(body) == ["wrong_step"]
    assert body["errors"][0]["step"] == "enroll_required"
    body = api.post("auth/enroll/phone", {"phone_number": "12"})
    assert body["status"] == 400 and codes(body) == ["invalid_phone"]
    body = api.post("auth/enroll/phone", {"phone_number": "+12025550123"})
    assert body["status"] == 400 and codes(body) == ["invalid_phone"]
    body = api.post("auth/enroll/phone", {"phone_number": "0917 765 4321"})
    assert body["status"] == 200 and body["challenge"]["phone"].endswith("4321")
    assert codes(api.post("auth/enroll/phone", {"phone_number": "0917 765 4321"})) == [
        "resend_cooldown"]
    body = api.post("auth/enroll/code", {"code": wrong_code(last_code())})
    assert codes(body) == ["invalid_code"]
    body = api.post("auth/enroll/code", {"code": last_code()})
    assert body["state"] == "authenticated" and len(body["data"]["recovery_codes"]) == 10
    assert api.get("account/status")["data"]["phone"].endswith("4321")


def test_without_the_middleware_the_login_is_refused(api, user, settings):
    """A misconfigured site (no SMS2FAMiddleware) fails closed through the API too."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "SMS2FAMiddleware" not in m]
    body = login(api)
    assert body["status"] == 403 and codes(body) == ["login_refused"]
    assert body["state"] == "unauthenticated" and not outbox


def test_a_used_code_maps_to_code_used():
    """Reached only by a request that loses a race to the one that used the code
    (tests/test_api_concurrency.py): mapped like every other refusal."""
    from django_sms2fa.api.replies import for_refusal
    from django_sms2fa.challenges import Outcome, Verification

    error = for_refusal(Verification(Outcome.USED))
    assert (error.status, error.error["code"], error.error["field"]) == (409, "code_used", "code")


def test_remember_this_browser(api, user, settings):
    settings.SMS2FA_REMEMBER_DAYS = 30
    login(api)
    body = api.post("auth/code", {"code": last_code(), "remember": True})
    assert body["state"] == "authenticated"
    api.delete("auth/session")
    api.token = None  # revoked at logout: an app starts the next login without one
    outbox.clear()
    body = login(api)
    if api.kind == "browser":
        # Remembered: the password alone signs in on this browser, as with the pages.
        assert body["state"] == "authenticated" and not outbox
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.BROWSER_REMEMBERED).exists()
    else:
        # App clients have no cookies to remember (ApiClient checks none is set).
        assert body["state"] == "code_required" and len(outbox) == 1


def test_login_start_is_no_sms_pump_per_phone(user):
    """Each app login start is a new session; the phone's cooldown and limit still hold."""
    from .api_client import ApiClient

    first = login(ApiClient("app"))
    assert first["status"] == 200 and len(outbox) == 1
    again = login(ApiClient("app"))
    assert again["status"] == 429 and codes(again) == ["resend_cooldown"]
    assert again["state"] == "code_required" and len(outbox) == 1


def test_login_start_is_no_sms_pump_per_ip(django_user_model, settings):
    from django_sms2fa.models import Phone

    from .api_client import ApiClient

    settings.SMS2FA_SEND_RATE_IP = "2/h"
    for n in range(3):
        user = django_user_model.objects.create_user(f"u{n}", password=PASSWORD)
        Phone.objects.create(user=user, number=f"+63917123450{n}", confirmed=True)
    answers = [login(ApiClient(kind), username=f"u{n}")
               for n, kind in enumerate(["app", "browser", "app"])]
    assert [a["status"] for a in answers] == [200, 200, 429]
    assert codes(answers[2]) == ["rate_limited"] and len(outbox) == 2


def test_password_guessing_is_rate_limited(api, user, settings):
    settings.SMS2FA_VERIFY_RATE_USER = "3/5m"
    for _ in range(3):
        assert codes(login(api, password="nope")) == ["invalid_credentials"]
    body = login(api)  # even the right password, once the guesses are spent
    assert body["status"] == 429 and codes(body) == ["rate_limited"]
    assert body["errors"][0]["field"] == "password" and body["user"] is None
    assert not outbox
    # The same answer for a name that belongs to nobody: no oracle.
    for _ in range(3):
        login(api, username="mallory")
    assert codes(login(api, username="mallory")) == ["rate_limited"]


def test_password_guessing_from_one_ip_is_rate_limited(api, user, settings):
    settings.SMS2FA_VERIFY_RATE_IP = "3/5m"
    for n in range(3):
        assert codes(login(api, username=f"guess{n}", password="nope")) == ["invalid_credentials"]
    body = login(api)
    assert body["status"] == 429 and codes(body) == ["rate_limited"]
