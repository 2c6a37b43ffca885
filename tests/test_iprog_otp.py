"""IPROGOTPSender: IPROG makes the code (``send_otp``); django-sms2fa hashes it at
once and verifies locally with all its limits. Against the loopback fake."""

from __future__ import annotations

import logging
import re
from io import StringIO

import pytest
from django.core.management import call_command

from django_sms2fa import challenges
from django_sms2fa.codes import check_code
from django_sms2fa.exceptions import GatewayRejected, GatewayUnclear
from django_sms2fa.lockout import locked_until
from django_sms2fa.models import Challenge, SecurityEvent
from django_sms2fa.senders import SMS, GeneratedCode, IPROGOTPSender, get_sender

from .conftest import PHONE, password_step, wrong_code
from .test_senders import leaks

pytestmark = pytest.mark.django_db

OTP = "482913"


@pytest.fixture
def otp(iprog, settings):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.IPROGOTPSender"
    iprog.next_otp = OTP
    return iprog


def everything_stored() -> str:
    return repr(list(Challenge.objects.values())) + repr(list(SecurityEvent.objects.values()))


def test_login_with_a_code_iprog_made(client, user, otp, caplog):
    caplog.set_level(logging.DEBUG)
    response = password_step(client)
    assert response["Location"] == "/2fa/verify/"
    [sent] = otp.outbox
    request = sent.request
    assert request.path == "/api/v1/otp/send_otp"
    params = request.json()
    # Our text, with IPROG's placeholder where the code goes; the lifetime in minutes.
    assert params["message"].startswith(":otp is your Example verification code.")
    assert params["message"].endswith("#:otp")
    assert params["expires_in_minutes"] == 5
    assert sent.message.startswith(f"{OTP} is your Example verification code.")
    challenge = Challenge.objects.get(user=user)
    assert challenge.delivery == "sent"
    assert check_code(challenge.code_hash, OTP, challenge.binding)
    # The plain code is nowhere but in the SMS.
    assert OTP not in everything_stored()
    assert leaks(OTP, None, caplog) == []
    assert client.post("/2fa/verify/", {"code": OTP})["Location"] == "/home/"
    assert client.get("/whoami/").content == b"alice"
    # Verification is ours: IPROG's verify_otp is never asked.
    assert [r.path for r in otp.requests] == ["/api/v1/otp/send_otp"]


def test_the_same_limits_hold(client, user, otp, settings):
    settings.SMS2FA_MAX_ATTEMPTS = 3
    settings.SMS2FA_LOCKOUT_FAILURES = 3
    password_step(client)
    for _ in range(3):
        client.post("/2fa/verify/", {"code": wrong_code(OTP)})
    assert locked_until(user.pk) is not None
    client.post("/2fa/verify/", {"code": OTP})
    assert client.get("/whoami/").content != b"alice"
    assert Challenge.objects.get(user=user).status == "failed"


def test_an_expired_code_is_refused_locally(client, user, otp, frozen_clock):
    password_step(client)
    frozen_clock.advance(301)
    client.post("/2fa/verify/", {"code": OTP})
    assert client.get("/whoami/").content != b"alice"


def test_a_code_is_single_use(client, user, otp):
    password_step(client)
    client.post("/2fa/verify/", {"code": OTP})
    challenge = Challenge.objects.get(user=user)
    again = challenges.verify(challenge, OTP)
    assert not again.ok


def test_the_local_code_never_counts(client, user, otp):
    # The text we render before IPROG replaces the code: that code is never valid.
    password_step(client)
    challenge = Challenge.objects.get(user=user)
    local = re.search(r'#(\d{6})', repr(otp.outbox[0].request.body))
    assert local is None  # only ":otp" went to IPROG
    assert not check_code(challenge.code_hash, wrong_code(OTP), challenge.binding)


def test_sender_returns_the_code_hidden_from_repr(otp):
    result = get_sender().send(SMS(to=PHONE, body="123456 is your code #123456", code="123456"))
    assert isinstance(result, GeneratedCode)
    assert result.code == OTP
    assert OTP not in repr(result)


def test_a_message_without_a_code_goes_as_plain_sms(otp):
    result = get_sender().send(SMS(to=PHONE, body="Your phone was changed."))
    assert not isinstance(result, GeneratedCode)
    assert otp.requests[-1].path == "/api/v1/sms_messages"
    assert re.fullmatch(r"iSms-[A-Za-z0-9]{6}", result.message_id)


def test_send_test_command_works_in_otp_mode(otp):
    call_command("sms2fa_send_test", "09171234567", stdout=StringIO())
    assert otp.requests[-1].path == "/api/v1/sms_messages"


@pytest.mark.parametrize("answer, error_class, delivery", [
    ({"status": "error", "message": "Invalid token"}, GatewayRejected, "failed"),
    ({"status": "success", "message": "OTP sent"}, GatewayUnclear, "unknown"),
    ({"status": "success", "data": {"otp_code": 482913}}, GatewayUnclear, "unknown"),
    ({"status": "success", "data": {"otp_code": "48291300"}}, GatewayUnclear, "unknown"),
    ({"status": 200, "message": "queued"}, GatewayUnclear, "unknown"),
])
def test_unclear_or_refused_answers(client, user, otp, caplog, answer, error_class, delivery):
    caplog.set_level(logging.DEBUG)
    otp.answer_with(answer)
    with pytest.raises(error_class) as info:
        IPROGOTPSender().send(SMS(to=PHONE, body="111111 is your code", code="111111"))
    assert "482913" not in repr(info.value.response) + info.value.detail
    password_step(client)
    challenge = Challenge.objects.get(user=user)
    assert challenge.delivery == delivery
    assert "482913" not in everything_stored()
    assert leaks("482913", None, caplog) == []


def test_invalid_token_is_refused(client, user, otp, settings):
    settings.SMS2FA_IPROG_API_TOKEN = "0" * 40
    password_step(client)
    challenge = Challenge.objects.get(user=user)
    assert challenge.delivery == "failed"
    assert challenge.gateway_error == "Invalid token"


def test_fake_verify_otp_behaves_as_documented(otp):
    import requests

    get_sender().send(SMS(to=PHONE, body="111111 is your code", code="111111"))

    def verify(code):
        return requests.post(f"{otp.base_url}/otp/verify_otp", json={
            "api_token": otp.token, "phone_number": "639171234567", "otp": code}, timeout=5)

    assert verify("000000").json() == {"status": "error", "message": "Invalid OTP code."}
    assert verify(OTP).json()["status"] == "success"
    assert verify(OTP).json()["status"] == "error"  # used
    otp.verify_failure_http = 422
    assert verify("000000").status_code == 422
