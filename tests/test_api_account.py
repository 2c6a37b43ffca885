"""The account's two-factor settings through the JSON API: status, step-up,
phone, recovery codes; with the pages' rules."""

from __future__ import annotations

import pytest

from django_sms2fa import recovery
from django_sms2fa.models import Phone, SecurityEvent
from django_sms2fa.senders import outbox

from .api_client import ApiClient, codes
from .conftest import PASSWORD, last_code, wrong_code

pytestmark = pytest.mark.django_db


def sign_in(api, username="alice"):
    body = api.post("auth/login", {"username": username, "password": PASSWORD})
    if body["state"] == "code_required":
        body = api.post("auth/code", {"code": last_code()})
    assert body["state"] == "authenticated"
    outbox.clear()
    return api


def step_up(api, purpose):
    body = api.post("account/step-up/send", {"purpose": purpose})
    assert body["status"] == 200, body
    body = api.post("account/step-up", {"purpose": purpose, "code": last_code()})
    assert body["status"] == 200 and body["data"] == {"purpose": purpose, "valid_for": 300}


@pytest.mark.parametrize("route,method", [
    ("account/status", "GET"), ("account/phone", "POST"), ("account/phone", "DELETE"),
    ("account/phone/confirm", "POST"), ("account/phone/resend", "POST"),
    ("account/recovery-codes", "POST"), ("account/step-up/send", "POST"),
    ("account/step-up", "POST"),
])
def test_account_needs_a_signed_in_user(api, user, route, method):
    api.post("auth/login", {"username": "alice", "password": PASSWORD})  # code not entered
    body = api.request(method, route, {} if method == "POST" else None)
    assert body["status"] == 401 and codes(body) == ["not_authenticated"]


def test_status(api, user):
    sign_in(api)
    recovery.replace_codes(user, 4)
    body = api.get("account/status")
    assert body["data"] == {"enabled": True, "phone": Phone.objects.get().masked,
                            "required": False, "recovery_codes_left": 4}


def test_step_up_with_code(api, user):
    sign_in(api)
    body = api.post("account/step-up", {"purpose": "payout", "code": "123456"})
    assert body["status"] == 409 and codes(body) == ["no_code"]
    body = api.post("account/step-up/send", {"purpose": "payout"})
    assert body["data"]["challenge"]["resend_after"] == 60
    body = api.post("account/step-up/send", {"purpose": "payout"})
    assert body["status"] == 429 and codes(body) == ["resend_cooldown"]
    body = api.post("account/step-up", {"purpose": "payout", "code": wrong_code(last_code())})
    assert body["status"] == 400 and codes(body) == ["invalid_code"]
    # A code for one purpose never steps up another.
    body = api.post("account/step-up", {"purpose": "transfer", "code": last_code()})
    assert body["status"] == 409 and codes(body) == ["no_code"]
    body = api.post("account/step-up", {"purpose": "payout", "code": last_code()})
    assert body["status"] == 200
    if api.kind == "browser":
        assert api.http.get("/payout/").content == b"payout page"


@pytest.mark.parametrize("purpose", ["login", "enroll", "Bad Purpose", ""])
def test_step_up_refuses_bad_and_reserved_purposes(api, user, purpose):
    sign_in(api)
    body = api.post("account/step-up/send", {"purpose": purpose})
    assert body["status"] == 400 and codes(body) == ["invalid_purpose"]
    assert not outbox


def test_step_up_needs_code_or_recovery_code(api, user):
    sign_in(api)
    for data in ({"purpose": "payout"},
                 {"purpose": "payout", "code": "123456", "recovery_code": "abcd-efgh-jkmn"}):
        body = api.post("account/step-up", data)
        assert body["status"] == 400 and codes(body) == ["required"]


def test_step_up_with_recovery_code(api, user):
    sign_in(api)
    spare = recovery.replace_codes(user, 2)
    body = api.post("account/step-up", {"purpose": "payout", "recovery_code": "zzzz-zzzz-zzzz"})
    assert codes(body) == ["invalid_recovery_code"]
    body = api.post("account/step-up", {"purpose": "payout", "recovery_code": spare[0]})
    assert body["status"] == 200
    assert api.get("account/status")["data"]["recovery_codes_left"] == 1


def test_step_up_without_phone(api, plain_user):
    sign_in(api, "bob")
    body = api.post("account/step-up/send", {"purpose": "payout"})
    assert body["status"] == 409 and codes(body) == ["no_phone"]


def test_first_phone_and_recovery_codes(api, plain_user, frozen_clock):
    sign_in(api, "bob")
    assert api.get("account/status")["data"]["enabled"] is False
    body = api.post("account/phone/confirm", {"code": "123456"})
    assert body["status"] == 409 and codes(body) == ["no_code"]
    assert codes(api.post("account/phone/resend")) == ["no_code"]
    body = api.post("account/phone", {"phone_number": "+1 202 555 0123", "password": PASSWORD})
    assert body["status"] == 400 and codes(body) == ["invalid_phone"]
    body = api.post("account/phone", {"phone_number": "0917 765 4321"})  # the password was given
    assert body["status"] == 200 and body["data"]["challenge"]["phone"].endswith("4321")
    assert codes(api.post("account/phone/resend")) == ["resend_cooldown"]
    frozen_clock.advance(61)
    assert api.post("account/phone/resend")["status"] == 200
    assert len(outbox) == 2
    body = api.post("account/phone/confirm", {"code": wrong_code(last_code())})
    assert codes(body) == ["invalid_code"]
    body = api.post("account/phone/confirm", {"code": last_code()})
    assert body["status"] == 200 and len(body["data"]["recovery_codes"]) == 10
    assert api.get("account/status")["data"]["enabled"] is True
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PHONE_ADDED).count() == 1


def test_changing_the_phone_needs_a_step_up_and_ends_other_tokens(api, user):
    sign_in(api)
    other = sign_in(ApiClient("app"))
    body = api.post("account/phone", {"phone_number": "0917 765 4321"})
    assert body["status"] == 403 and codes(body) == ["step_up_required"]
    assert body["errors"][0]["purpose"] == "phone_change"
    step_up(api, "phone_change")
    api.post("account/phone", {"phone_number": "0917 765 4321"})
    body = api.post("account/phone/confirm", {"code": last_code()})
    assert body["status"] == 200 and body["data"]["recovery_codes"] is not None
    assert Phone.objects.get(confirmed=True).number == "+639177654321"
    assert any("changed" in sms.body for sms in outbox)  # the old number is told
    # This session made the change and goes on; the other token is ended.
    assert api.get("account/status")["status"] == 200
    assert codes(other.get("account/status")) == ["invalid_token"]


def test_turning_off_needs_a_step_up_and_the_policy(api, user, settings):
    sign_in(api)
    body = api.delete("account/phone")
    assert body["status"] == 403 and body["errors"][0]["purpose"] == "disable"
    step_up(api, "disable")
    settings.SMS2FA_REQUIRED = "all"
    body = api.delete("account/phone")
    assert body["status"] == 403 and codes(body) == ["two_factor_required"]
    settings.SMS2FA_REQUIRED = "none"
    body = api.delete("account/phone")
    assert body["status"] == 200
    assert api.get("account/status")["data"]["enabled"] is False
    assert not Phone.objects.exists()


def test_new_recovery_codes_need_a_step_up(api, user):
    sign_in(api)
    old = recovery.replace_codes(user, 2)
    body = api.post("account/recovery-codes")
    assert body["status"] == 403 and body["errors"][0]["purpose"] == "recovery_codes"
    step_up(api, "recovery_codes")
    body = api.post("account/recovery-codes")
    assert body["status"] == 200 and len(body["data"]["recovery_codes"]) == 10
    assert not set(old) & set(body["data"]["recovery_codes"])


def test_new_recovery_codes_without_phone(api, plain_user):
    from django_sms2fa import session

    sign_in(api, "bob")
    # Stepped up somehow (there is no phone to step up with): still no codes.
    if api.kind == "browser":
        s = api.http.session
        session.mark_step_up(s, "recovery_codes", plain_user)
        s.save()
        body = api.post("account/recovery-codes")
        assert body["status"] == 409 and codes(body) == ["no_phone"]
    else:
        assert api.post("account/recovery-codes")["status"] == 403
