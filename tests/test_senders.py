"""The senders as a site, a user and an attacker see them.

``IPROGSender`` runs against the loopback IPROG fake (``tests/iprog_fake.py``,
fixture ``iprog``), alone and inside the login.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import traceback
from dataclasses import asdict

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.utils.html import escape

from django_sms2fa import senders
from django_sms2fa.exceptions import (
    GatewayBadResponse,
    GatewayRejected,
    GatewayTimeout,
    GatewayUnavailable,
    GatewayUnclear,
    SendError,
)
from django_sms2fa.models import Challenge, SecurityEvent
from django_sms2fa.senders import SMS, ConsoleSender, IPROGSender, LocmemSender, get_sender

from .conftest import PHONE, password_step
from .iprog_fake import INAPPROPRIATE, QUEUED, IPROGFake

IPROG_PHONE = "639171234567"
TEXT = "123456 is your Example verification code."


def send(text: str = TEXT, to: str = PHONE):
    return get_sender().send(SMS(to=to, body=text))


def send_error(text: str = TEXT, to: str = PHONE) -> SendError:
    with pytest.raises(SendError) as info:
        send(text, to)
    return info.value


def leaks(token: str, error: SendError | None, caplog) -> list[str]:
    """Where ``token`` shows up: the error, the log, the rows django-sms2fa stored."""
    # werkzeug's lines are the fake IPROG's own access log, not ours.
    ours = [r for r in caplog.records if not r.name.startswith("werkzeug")]
    places = {
        "log": "\n".join(caplog.handler.format(r) for r in ours),
        "log records": repr([(r.msg, r.args) for r in ours]),
        "challenges": repr(list(Challenge.objects.values())),
        "events": repr(list(SecurityEvent.objects.values())),
    }
    if error is not None:
        places.update({
            "str": str(error),
            "detail": error.detail,
            "response": repr(error.response),
            "traceback": "".join(traceback.format_exception(error)),
            # Error reporters may walk the chain even where tracebacks hide it.
            "chained": repr(vars(error.__context__)) if error.__context__ else "",
        })
    return [place for place, text in places.items() if token in text]


def invalid_token(fake, settings):
    settings.SMS2FA_IPROG_API_TOKEN = secrets.token_hex(20)


def no_credits(fake, settings):
    fake.credits[fake.token] = 0


def refused(fake, settings):
    settings.SMS2FA_IPROG_BASE_URL = fake.refused_base_url


# How to break the gateway, the error raised, part of its detail, the challenge's
# delivery, and how many requests reach IPROG.
def queued_without(*keys):
    body = {"status": 200, "message": QUEUED, "message_id": "iSms-Abc123", "sms_rate": 1}
    return {k: v for k, v in body.items() if k not in keys}


def answered(body):
    return lambda fake, settings: fake.answer_with(body)


UNCLEAR = "neither confirms nor refuses"
FAULTS = [
    # Unclear answers: IPROG may have queued the SMS, so it counts as sent ("unknown").
    pytest.param(lambda f, s: f.answer_http_error(500), GatewayUnclear, "HTTP 500", "unknown", 1,
                 id="http-500"),
    pytest.param(lambda f, s: f.answer_http_error(502), GatewayUnclear, "HTTP 502", "unknown", 1,
                 id="http-502"),
    pytest.param(lambda f, s: f.answer_not_json(), GatewayUnclear, "without a JSON object",
                 "unknown", 1, id="not-json"),
    pytest.param(lambda f, s: f.answer_raw(b""), GatewayUnclear, "without a JSON object",
                 "unknown", 1, id="empty-body"),
    pytest.param(lambda f, s: f.answer_raw(b'{"status": 200, "message_id": "iSms-'),
                 GatewayUnclear, "without a JSON object", "unknown", 1, id="truncated-json"),
    pytest.param(answered(["iSms-abcdef"]), GatewayUnclear, "without a JSON object", "unknown", 1,
                 id="json-list"),
    pytest.param(answered(queued_without("message_id")), GatewayUnclear, UNCLEAR, "unknown", 1,
                 id="queued-without-message-id"),
    pytest.param(answered({**queued_without(), "message_id": ""}), GatewayUnclear, UNCLEAR,
                 "unknown", 1, id="empty-message-id"),
    pytest.param(answered({**queued_without(), "status": "200"}), GatewayUnclear, UNCLEAR,
                 "unknown", 1, id="status-as-string"),
    pytest.param(answered({**queued_without(), "message_id": 12345}), GatewayUnclear, UNCLEAR,
                 "unknown", 1, id="integer-message-id"),
    pytest.param(answered({"status": "success"}), GatewayUnclear, UNCLEAR, "unknown", 1,
                 id="status-success"),
    pytest.param(answered({}), GatewayUnclear, UNCLEAR, "unknown", 1, id="empty-object"),
    # Explicit refusals: surely not sent ("failed").
    pytest.param(answered({"status": 500, "message": "Account suspended"}),
                 GatewayRejected, "Account suspended", "failed", 1, id="status-500-string"),
    pytest.param(answered({"status": 500, "message": ["Phone number is invalid",
                                                     "Message can't be blank"]}),
                 GatewayRejected, "Phone number is invalid; Message can't be blank", "failed", 1,
                 id="status-500-list"),
    pytest.param(answered({"status": "error", "message": "Sender name not approved"}),
                 GatewayRejected, "Sender name not approved", "failed", 1, id="status-error"),
    pytest.param(invalid_token, GatewayRejected, "Invalid Token", "failed", 1, id="invalid-token"),
    pytest.param(no_credits, GatewayRejected, "Insufficient credits", "failed", 1, id="no-credits"),
    pytest.param(lambda f, s: f.answer_http_error(404), GatewayBadResponse, "HTTP 404", "failed",
                 1, id="http-404"),
    # No answer in time or a broken connection: "unknown".
    pytest.param(lambda f, s: f.answer_slowly(), GatewayTimeout, "did not answer in time",
                 "unknown", 1, id="timeout"),
    pytest.param(lambda f, s: f.answer_slowly(partial=True), GatewayTimeout,
                 "did not answer", "unknown", 1, id="timeout-mid-body"),
    pytest.param(lambda f, s: f.answer_dripping(0.05), GatewayTimeout, "did not answer within",
                 "unknown", 1, id="dripping-body"),
    pytest.param(lambda f, s: f.answer_dripping(0.05, headers=True), GatewayTimeout,
                 "did not answer within", "unknown", 1, id="dripping-headers"),
    pytest.param(lambda f, s: f.hang_up(), GatewayTimeout, "broke the connection", "unknown", 1,
                 id="hang-up"),
    pytest.param(refused, GatewayUnavailable, "could not connect", "failed", 0, id="refused"),
]


# -- IPROGSender -------------------------------------------------------------


@pytest.mark.django_db
def test_iprog_success_returns_the_message_id_and_puts_the_token_only_in_the_body(iprog, caplog):
    caplog.set_level(logging.DEBUG)
    text = "123456 is your code.\n\n@example.com #123456"
    result = send(text)
    [sent] = iprog.outbox
    assert re.fullmatch(r"iSms-[A-Za-z0-9]{6}", result.message_id)
    assert result.message_id == sent.message_id
    assert (sent.phone, sent.message) == (IPROG_PHONE, text)
    request = sent.request
    assert (request.method, request.url) == ("POST", "/api/v1/sms_messages")
    assert request.content_type == "application/json"
    expected = {"api_token": iprog.token, "phone_number": IPROG_PHONE, "message": text}
    assert request.json() == expected
    assert not sent.token_in_query
    assert not [name for name, value in request.headers.items() if iprog.token in value]
    assert iprog.credits[iprog.token] == 99
    # The answer's message_status_link holds the token: nothing of it is kept.
    assert asdict(result) == {"message_id": sent.message_id}
    assert leaks(iprog.token, None, caplog) == []


def test_iprog_sends_the_sms_provider_option(iprog):
    IPROGSender(timeout=(1, 0.5), sms_provider=2).send(SMS(to=PHONE, body=TEXT))
    assert iprog.outbox[0].params["sms_provider"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("fault, error_class, detail, delivery, reached", FAULTS)
def test_iprog_fault_raises_its_send_error_without_the_token(
    iprog, settings, caplog, fault, error_class, detail, delivery, reached
):
    caplog.set_level(logging.DEBUG)
    fault(iprog, settings)
    error = send_error()
    assert type(error) is error_class
    assert detail in error.detail
    assert error.may_have_been_sent is (delivery == "unknown")
    assert len(iprog.requests) == reached
    assert leaks(settings.SMS2FA_IPROG_API_TOKEN, error, caplog) == []


def test_iprog_rejection_carries_the_body_status(iprog):
    error = send_error(to="+14155550100")
    assert type(error) is GatewayRejected
    assert error.detail == "Phone number is invalid"
    assert error.status_code == 200
    assert error.response == {"status": "500", "message": "['Phone number is invalid']"}
    assert iprog.outbox == []


def test_iprog_content_filter_rejects_a_long_multi_line_text(iprog):
    lines = ["Your verification code is 123456 for the Example clinic portal."] * 4
    error = send_error("\n".join(lines))
    assert type(error) is GatewayRejected
    assert error.detail == INAPPROPRIATE
    assert send(" ".join(lines)).message_id == iprog.outbox[0].message_id
    assert iprog.credits[iprog.token] == 99


def test_iprog_credits_run_out(iprog):
    iprog.credits[iprog.token] = 1
    send()
    error = send_error()
    assert type(error) is GatewayRejected
    assert error.detail == iprog.insufficient_credits_message
    assert len(iprog.outbox) == 1


@pytest.mark.django_db
def test_iprog_read_timeout_is_not_retried(iprog):
    iprog.answer_slowly()
    error = send_error()
    assert type(error) is GatewayTimeout
    assert error.may_have_been_sent is True
    assert len(iprog.requests) == 1
    # IPROG queued it all the same: a retry would have sent (and billed) it twice.
    assert len(iprog.outbox) == 1


@pytest.mark.django_db
def test_iprog_token_echoed_by_the_gateway_is_scrubbed(iprog, caplog):
    caplog.set_level(logging.DEBUG)
    token = iprog.token
    iprog.answer_with({
        "status": 500,
        "message": [f"api_token {token} is suspended"],
        "message_status_link": f"{iprog.base_url}/sms_messages/status?api_token={token}",
        "account": {"api_token": token},
    })
    error = send_error()
    assert error.detail == "api_token [api_token] is suspended"
    assert "message_status_link" not in error.response
    assert error.response["account"] == "{'api_token': '[api_token]'}"
    assert leaks(token, error, caplog) == []


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_iprog_does_not_follow_redirects_with_the_token(iprog, status):
    elsewhere = IPROGFake().start()
    try:
        elsewhere.add_token(iprog.token)
        iprog.redirect_to(f"{elsewhere.base_url}/sms_messages", status=status)
        error = send_error()
        assert elsewhere.requests == []
    finally:
        elsewhere.stop()
    assert type(error) is GatewayBadResponse
    assert f"HTTP {status}" in error.detail


def test_iprog_wrong_base_url_is_a_bad_response(iprog, settings):
    settings.SMS2FA_IPROG_BASE_URL = iprog.base_url.removesuffix("/api/v1")
    error = send_error()
    assert type(error) is GatewayBadResponse
    assert error.status_code == 404


# -- every built-in sender ---------------------------------------------------

BUILT_IN = [
    ("django_sms2fa.senders.IPROGSender", {"timeout": [2, 5], "sms_provider": 1}),
    ("django_sms2fa.senders.LocmemSender", {"fail_with": None}),
    ("django_sms2fa.senders.ConsoleSender", {"stream": io.StringIO()}),
]


@pytest.mark.parametrize("path, known", BUILT_IN)
def test_unknown_option_is_a_configuration_error(settings, path, known):
    settings.SMS2FA_SENDER = path
    settings.SMS2FA_SENDER_OPTIONS = known
    assert type(get_sender()).__name__ == path.rsplit(".", 1)[1]
    settings.SMS2FA_SENDER_OPTIONS = {**known, "timout": 5}
    with pytest.raises(ImproperlyConfigured, match="timout"):
        get_sender()


def test_locmem_appends_to_the_outbox(settings):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.LocmemSender"
    first, second = SMS(to=PHONE, body="one"), SMS(to=PHONE, body="two")
    assert send(first.body).message_id == "locmem-1"
    assert send(second.body).message_id == "locmem-2"
    assert senders.outbox == [first, second]


@pytest.mark.parametrize("fail_with, error_class", [
    (GatewayRejected, GatewayRejected),
    ("django_sms2fa.exceptions.GatewayTimeout", GatewayTimeout),
])
def test_locmem_fails_as_told(settings, fail_with, error_class):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.LocmemSender"
    settings.SMS2FA_SENDER_OPTIONS = {"fail_with": fail_with}
    error = send_error()
    assert type(error) is error_class
    assert error.may_have_been_sent is (error_class is GatewayTimeout)
    assert senders.outbox == []


def test_console_writes_the_body_with_a_masked_number():
    stream = io.StringIO()
    result = ConsoleSender(stream=stream).send(SMS(to=PHONE, body=TEXT))
    written = stream.getvalue()
    assert TEXT in written
    assert "+63 ******4567" in written
    assert "917123" not in written
    assert result.message_id == ""


def test_console_writes_to_stdout_by_default(settings, capsys):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.ConsoleSender"
    send()
    assert TEXT in capsys.readouterr().out


# -- the login with IPROG -----------------------------------------------------


def code_in(text: str) -> str:
    match = re.search(r"#(\d{6})$", text)
    assert match is not None, f"no code in {text!r}"
    return match.group(1)


@pytest.mark.django_db
def test_login_with_a_code_sent_through_iprog(client, user, iprog, caplog):
    caplog.set_level(logging.DEBUG)
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == "/2fa/verify/"
    [sent] = iprog.outbox
    code = code_in(sent.message)
    assert sent.phone == IPROG_PHONE
    assert sent.message.startswith(f"{code} is your Example verification code.")
    assert sent.message.splitlines()[-1] == f"@testserver #{code}"
    challenge = Challenge.objects.get(user=user)
    assert (challenge.delivery, challenge.gateway_message_id) == ("sent", sent.message_id)
    assert b"+63 ******4567" in client.get("/2fa/verify/").content
    response = client.post("/2fa/verify/", {"code": code})
    assert response["Location"] == "/home/"
    assert client.get("/whoami/").content == b"alice"
    assert len(iprog.requests) == 1
    assert leaks(iprog.token, None, caplog) == []


@pytest.mark.django_db
@pytest.mark.parametrize("fault, error_class, detail, delivery, reached", FAULTS)
def test_gateway_fault_during_login_is_shown_and_recorded(
    client, user, iprog, settings, caplog, fault, error_class, detail, delivery, reached
):
    caplog.set_level(logging.DEBUG)
    fault(iprog, settings)
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == "/2fa/verify/"
    page = client.get("/2fa/verify/")
    assert page.status_code == 200
    shown = SendError.user_message if delivery == "failed" else GatewayTimeout.user_message
    assert escape(str(shown)) in page.content.decode()
    assert "Send a new code" in page.content.decode()
    challenge = Challenge.objects.get(user=user)
    assert challenge.delivery == delivery
    assert detail in challenge.gateway_error
    # The log never says a code whose fate is unknown, or that was refused, was queued.
    assert "successfully" not in challenge.gateway_error.lower()
    assert SecurityEvent.objects.filter(kind="send_failed", challenge=challenge).count() == 1
    assert SESSION_KEY not in client.session
    assert len(iprog.requests) == reached
    assert leaks(settings.SMS2FA_IPROG_API_TOKEN, None, caplog) == []


@pytest.mark.django_db
def test_new_code_after_a_refused_send_completes_the_login(client, user, iprog):
    iprog.answer_with({"status": 500, "message": ["Phone number is invalid"]})
    password_step(client)
    iprog.heal()
    response = client.post("/2fa/resend/")
    assert response["Location"] == "/2fa/verify/"
    [sent] = iprog.outbox
    client.post("/2fa/verify/", {"code": code_in(sent.message)})
    assert client.get("/whoami/").content == b"alice"
    assert len(iprog.requests) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("fault", [
    lambda fake: fake.answer_http_error(502),
    lambda fake: fake.answer_with(queued_without("message_id")),
    lambda fake: fake.answer_with({**queued_without(), "status": "200"}),
    lambda fake: fake.answer_raw(b""),
], ids=["http-502", "no-message-id", "status-as-string", "empty-body"])
def test_unclear_answer_starts_the_cooldown_so_the_sms_is_not_paid_twice(client, user, iprog, fault):
    fault(iprog)
    password_step(client)
    challenge = Challenge.objects.get(user=user)
    assert challenge.delivery == "unknown"
    iprog.heal()
    assert client.post("/2fa/resend/")["Location"] == "/2fa/verify/"
    assert len(iprog.requests) == 1


@pytest.mark.django_db
def test_code_whose_send_timed_out_still_works_and_is_not_sent_again(client, user, iprog):
    iprog.answer_slowly()
    password_step(client)
    assert Challenge.objects.get(user=user).delivery == "unknown"
    [sent] = iprog.outbox  # IPROG queued it; only its answer was late
    assert client.post("/2fa/resend/")["Location"] == "/2fa/verify/"
    assert len(iprog.requests) == 1
    client.post("/2fa/verify/", {"code": code_in(sent.message)})
    assert client.get("/whoami/").content == b"alice"


@pytest.mark.parametrize("fail_with", ["no.such.Error", "builtins.ValueError"])
def test_locmem_fail_with_must_be_a_send_error(fail_with):
    with pytest.raises(ImproperlyConfigured):
        LocmemSender(fail_with=fail_with)
