"""The Python API for a site's own code: send and check a code for a purpose."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from django_sms2fa import signals, verification
from django_sms2fa.challenges import Outcome
from django_sms2fa.exceptions import GatewayUnavailable, NoPhone, ResendTooSoon
from django_sms2fa.models import Challenge
from django_sms2fa.phones import InvalidPhoneNumber
from django_sms2fa.senders import outbox

from .conftest import last_code, wrong_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_for(client):
    """A request with a real session, as a view of the site would get it."""
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    def build(user=None):
        request = RequestFactory().post("/signup/", REMOTE_ADDR="10.1.2.3")
        request.session = SessionStore()
        request.user = user or AnonymousUser()
        return request

    return build


def test_verify_a_number_at_sign_up(request_for):
    request = request_for()
    challenge = verification.send_code(request, "signup", phone_number="0917 123 4567")
    assert outbox[-1].to == "+639171234567"
    assert challenge.user is None and challenge.phone_masked == "+63 ******4567"
    assert verification.check_code(request, "signup", wrong_code(last_code())).outcome is Outcome.WRONG
    assert verification.check_code(request, "signup", last_code()).ok
    # Single use.
    assert not verification.check_code(request, "signup", last_code()).ok


def test_code_is_bound_to_the_session(request_for):
    first, second = request_for(), request_for()
    verification.send_code(first, "signup", phone_number="09171234567")
    result = verification.check_code(second, "signup", last_code())
    assert result.outcome is Outcome.NOT_FOUND


def test_code_for_a_user_and_purpose(request_for, user):
    request = request_for(user)
    verification.send_code(request, "payout", user=user)
    assert outbox[-1].to == "+639171234567"
    assert verification.check_code(request, "transfer", last_code()).outcome is Outcome.NOT_FOUND
    assert verification.check_code(request, "payout", "１２x").outcome is Outcome.MALFORMED
    assert verification.check_code(request, "payout", last_code()).ok


def test_errors_are_exceptions_with_user_messages(request_for, plain_user, settings):
    with pytest.raises(NoPhone):
        verification.send_code(request_for(plain_user), "payout", user=plain_user)
    with pytest.raises(InvalidPhoneNumber):
        verification.send_code(request_for(), "signup", phone_number="12")
    with pytest.raises(ValueError):
        verification.send_code(request_for(), "login", phone_number="09171234567")
    request = request_for()
    verification.send_code(request, "signup", phone_number="09171234567")
    with pytest.raises(ResendTooSoon) as excinfo:
        verification.send_code(request, "signup", phone_number="09171234567")
    assert excinfo.value.seconds == 60
    settings.SMS2FA_SENDER_OPTIONS = {"fail_with": "django_sms2fa.exceptions.GatewayUnavailable"}
    with pytest.raises(GatewayUnavailable) as excinfo:
        verification.send_code(request_for(), "signup", phone_number="09181234567")
    assert str(excinfo.value.user_message)
    assert Challenge.objects.filter(delivery=Challenge.Delivery.FAILED).count() == 1


def test_signals_fire(request_for, user):
    seen = []

    def receiver(signal_name):
        return lambda sender, **kwargs: seen.append(signal_name)

    handlers = {name: receiver(name) for name in ("code_sent", "code_failed", "code_verified")}
    for name, handler in handlers.items():
        getattr(signals, name).connect(handler)
    try:
        request = request_for(user)
        verification.send_code(request, "payout", user=user)
        verification.check_code(request, "payout", wrong_code(last_code()))
        verification.check_code(request, "payout", last_code())
    finally:
        for name, handler in handlers.items():
            getattr(signals, name).disconnect(handler)
    assert seen == ["code_sent", "code_failed", "code_verified"]
