"""IPROG's status and credits GETs: ``credit_balance()`` and ``message_status()``,
against the loopback fake. These GETs carry the token in the query string, so
every test also looks for the token in logs, errors and stored rows."""

from __future__ import annotations

import logging
import secrets
import time
from decimal import Decimal

import pytest

from django_sms2fa.exceptions import (
    GatewayBadResponse,
    GatewayRejected,
    GatewayTimeout,
    GatewayUnavailable,
    GatewayUnclear,
    SendError,
)
from django_sms2fa.senders import SMS, ConsoleSender, LocmemSender, get_sender

from .conftest import PHONE
from .iprog_fake import IPROGFake
from .test_senders import leaks

pytestmark = pytest.mark.django_db


def sent_id(fake) -> str:
    return get_sender().send(SMS(to=PHONE, body="123456 is your code")).message_id


def test_credit_balance_is_the_accounts_load_balance(iprog, caplog):
    caplog.set_level(logging.DEBUG)
    iprog.credits[iprog.token] = 42
    assert get_sender().credit_balance() == Decimal("42")
    sent_id(iprog)
    balance = get_sender().credit_balance()
    assert balance == Decimal("41") and isinstance(balance, Decimal)
    request = iprog.requests[-1]
    assert (request.method, request.path) == ("GET", "/api/v1/account/sms_credits")
    assert request.query == {"api_token": iprog.token}
    assert leaks(iprog.token, None, caplog) == []


def test_credit_balance_keeps_fractions_exact(iprog):
    iprog.credits[iprog.token] = 10.35
    assert get_sender().credit_balance() == Decimal("10.35")


@pytest.mark.parametrize("sender", [ConsoleSender(), LocmemSender()])
def test_senders_without_an_account_have_no_balance(sender):
    assert sender.credit_balance() is None
    assert sender.message_status("locmem-1") is None


def wrong_token(fake, settings):
    settings.SMS2FA_IPROG_API_TOKEN = secrets.token_hex(20)


QUERY_FAULTS = [
    pytest.param(wrong_token, GatewayRejected, "Invalid Token", id="invalid-token"),
    pytest.param(lambda f, s: f.answer_http_error(503), GatewayUnclear, "HTTP 503", id="http-503"),
    pytest.param(lambda f, s: f.answer_not_json(), GatewayUnclear, "without a JSON object",
                 id="not-json"),
    pytest.param(lambda f, s: f.answer_slowly(), GatewayTimeout, "did not answer", id="timeout"),
    pytest.param(lambda f, s: f.answer_dripping(0.2), GatewayTimeout, "within 3 s",
                 id="dripping"),
    pytest.param(lambda f, s: setattr(s, "SMS2FA_IPROG_BASE_URL", f.refused_base_url),
                 GatewayUnavailable, "could not connect", id="refused"),
    pytest.param(lambda f, s: f.redirect_to("http://127.0.0.1:9/elsewhere"), GatewayBadResponse,
                 "HTTP 307", id="redirect"),
]


@pytest.mark.parametrize("fault, error_class, detail", QUERY_FAULTS)
def test_credit_balance_failure_is_a_send_error_without_the_token(
    iprog, settings, caplog, fault, error_class, detail
):
    caplog.set_level(logging.DEBUG)
    fault(iprog, settings)
    token = settings.SMS2FA_IPROG_API_TOKEN
    with pytest.raises(SendError) as info:
        get_sender().credit_balance()
    assert type(info.value) is error_class
    assert detail in info.value.detail
    assert leaks(token, info.value, caplog) == []


@pytest.mark.parametrize("body", [
    {"status": "success", "message": "Account found.", "data": {}},
    {"status": "success", "data": {"load_balance": "lots"}},
    {"status": "success", "data": {"load_balance": True}},
    {"status": "success", "data": {"load_balance": "NaN"}},
    {"status": "success", "data": [1]},
])
def test_credit_balance_without_a_number_is_a_bad_response(iprog, body):
    iprog.answer_with(body)
    with pytest.raises(GatewayBadResponse):
        get_sender().credit_balance()


def test_message_status_reports_what_iprog_says(iprog, caplog):
    caplog.set_level(logging.DEBUG)
    message_id = sent_id(iprog)
    sender = get_sender()
    assert sender.message_status(message_id) == "pending"
    iprog.set_status(message_id, "Delivered")
    assert sender.message_status(message_id) == "delivered"
    request = iprog.requests[-1]
    assert (request.method, request.path) == ("GET", "/api/v1/sms_messages/status")
    assert request.query == {"api_token": iprog.token, "message_id": message_id}
    assert leaks(iprog.token, None, caplog) == []


def test_message_status_of_an_unknown_id_is_a_rejection(iprog):
    with pytest.raises(GatewayRejected, match="Message not found"):
        get_sender().message_status("iSms-nope00")
    iprog.unknown_id_answer = {"status": 200}
    with pytest.raises(GatewayRejected, match="refused without a reason"):
        get_sender().message_status("iSms-nope00")


def test_message_status_of_another_accounts_message_is_unknown(iprog, settings):
    message_id = sent_id(iprog)
    other = secrets.token_hex(20)
    iprog.add_token(other)
    settings.SMS2FA_IPROG_API_TOKEN = other
    with pytest.raises(GatewayRejected):
        get_sender().message_status(message_id)


@pytest.mark.parametrize("fault, error_class, detail", QUERY_FAULTS)
def test_message_status_failure_is_a_send_error_without_the_token(
    iprog, settings, caplog, fault, error_class, detail
):
    caplog.set_level(logging.DEBUG)
    message_id = sent_id(iprog)
    fault(iprog, settings)
    token = settings.SMS2FA_IPROG_API_TOKEN
    with pytest.raises(SendError) as info:
        get_sender().message_status(message_id)
    assert type(info.value) is error_class
    assert detail in info.value.detail
    assert leaks(token, info.value, caplog) == []
    assert leaks(iprog.token, info.value, caplog) == []


def test_bulk_endpoint_queues_each_number_and_joins_the_ids(iprog):
    import requests

    response = requests.post(f"{iprog.base_url}/sms_messages/send_bulk", json={
        "api_token": iprog.token, "phone_number": "639171234567,09181234567", "message": "hi",
    }, timeout=5)
    body = response.json()
    assert body["status"] == 200
    assert body["message_ids"] == ",".join(sent.message_id for sent in iprog.outbox)
    assert [sent.phone for sent in iprog.outbox] == ["639171234567", "09181234567"]
    assert iprog.credits[iprog.token] == 98


def test_the_deadline_holds_through_a_proxy_from_the_environment(iprog, settings, monkeypatch):
    proxy = IPROGFake().start()  # plays the proxy: it answers the forwarded request itself
    try:
        proxy.add_token(iprog.token)
        proxy.answer_dripping(0.2)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.base_url.split(':')[2][:-7]}")
        started = time.monotonic()
        with pytest.raises(GatewayTimeout, match="within 3 s"):
            get_sender().credit_balance()
        # Cut at the deadline, not when the ~20 s drip ends.
        assert time.monotonic() - started < 12
        assert len(proxy.requests) == 1 and iprog.requests == []
    finally:
        proxy.stop()
