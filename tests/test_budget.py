"""The daily budget and the daily limits per phone and per user (issue 8, item 3):
no user or phone can spend the SMS of others, the budget cannot be turned into a
lockout of everyone, and codes that are never verified raise an alert."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django.test import RequestFactory

from django_sms2fa import challenges, quota, verification
from django_sms2fa.exceptions import SendRateLimited
from django_sms2fa.models import Challenge, Phone, SecurityEvent
from django_sms2fa.senders import outbox
from django_sms2fa.testing import code_from

from .conftest import PASSWORD, password_step

pytestmark = pytest.mark.django_db

alerts_seen: list[tuple] = []


def record_alert(kind, count, seconds, event):
    alerts_seen.append((kind, count, seconds))


@pytest.fixture
def loose_limits(settings):
    """Only the daily limits and budgets in play."""
    settings.SMS2FA_SEND_RATE_USER = "1000/m"
    settings.SMS2FA_SEND_RATE_IP = "1000/m"
    settings.SMS2FA_SEND_RATE_PHONE = "1000/m"
    settings.SMS2FA_ENROLL_RATE_PHONE = "1000/m"
    settings.SMS2FA_RESEND_COOLDOWN = 0
    alerts_seen.clear()


def users_with_phones(django_user_model, count, prefix="user"):
    made = []
    for i in range(count):
        user = django_user_model.objects.create_user(f"{prefix}{i}", password=PASSWORD)
        Phone.objects.create(user=user, number=f"+6391700000{i:02d}", confirmed=True)
        made.append(user)
    return made


def alerts(text):
    return SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ALERT, detail__contains=text)


def test_login_codes_to_confirmed_phones_go_on_past_the_budget_with_alerts(
    client, django_user_model, settings, loose_limits
):
    settings.SMS2FA_DAILY_SMS_BUDGET = 4
    settings.SMS2FA_ALERT_HANDLER = "tests.test_budget.record_alert"
    for user in users_with_phones(django_user_model, 6):
        password_step(type(client)(), username=user.username)
    # Nobody is locked out by the budget: every login got its code ...
    assert len(outbox) == 6
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SEND_REFUSED).exists()
    # ... and the site heard about it at half and at all of the budget, once each.
    assert alerts("daily SMS budget").count() == 2
    assert [a for a in alerts_seen if a[0] == "daily_budget"] == [
        ("daily_budget", 2, 86400), ("daily_budget", 4, 86400)]


def test_two_accounts_cannot_spend_the_budget_with_step_up_codes(
    client, user, django_user_model, settings, loose_limits
):
    """The review's attack: accounts asking for step-up codes to their own phones,
    never entering them. Each phone gets its daily limit, no more, and the
    other users still get their login codes."""
    settings.SMS2FA_DAILY_SMS_BUDGET = 60
    settings.SMS2FA_DAILY_BUDGET_HARD_CAP = True  # even where the budget is a hard cap
    settings.SMS2FA_DAILY_LIMIT_PHONE = 20
    attackers = users_with_phones(django_user_model, 2, prefix="attacker")
    for attacker in attackers:
        browser = type(client)()
        password_step(browser, username=attacker.username)
        browser.post("/2fa/verify/", {"code": code_from(outbox[-1])})
        outbox.clear()
        for _ in range(30):
            browser.post("/2fa/step-up/?purpose=payout&next=/home/", {"send": "1"})
        assert len(outbox) == 19  # and the login code: 20 to this phone today
        outbox.clear()
    refused = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SEND_RATE_LIMITED,
                                           detail__contains="codes to this phone in 24 h")
    assert refused.count() == 2 * 11
    password_step(client)
    assert len(outbox) == 1 and outbox[0].to == "+639171234567"


def test_one_user_cannot_take_more_than_the_daily_limit_across_numbers(
    user, settings, loose_limits
):
    settings.SMS2FA_DAILY_LIMIT_USER = 3
    factory = RequestFactory()
    sent = refused = 0
    for i in range(5):
        request = factory.post("/")
        request.session = SessionStore()
        try:
            verification.send_code(request, "payout", user=user, phone_number=f"0918 555 00{i:02d}")
            sent += 1
        except SendRateLimited as error:
            assert "this user in 24 h" in error.detail
            refused += 1
    assert (sent, refused) == (3, 2)
    assert len({sms.to for sms in outbox}) == 3


def test_codes_sent_and_never_verified_raise_an_alert(
    client, django_user_model, settings, loose_limits, frozen_clock
):
    settings.SMS2FA_UNVERIFIED_ALERT = (3, 3600)
    users = users_with_phones(django_user_model, 4)
    for user in users[:3]:
        password_step(type(client)(), username=user.username)
    assert not alerts("never verified").exists()
    frozen_clock.advance(301)  # the three codes expire unused
    password_step(type(client)(), username=users[3].username)
    assert alerts("never verified").count() == 1
    assert quota.unverified_since(frozen_clock() - timedelta(hours=1), frozen_clock()) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("confirmed", [True, False])
def test_sends_to_different_phones_never_wait_for_each_other(
    django_user_model, settings, monkeypatch, confirmed
):
    """One send holds its transaction open (after its reservation, before its
    commit); a send to another phone completes meanwhile: nothing site-wide is
    locked, on the hard-capped path for unconfirmed numbers as on the others."""
    settings.SMS2FA_DAILY_BUDGET_HARD_CAP = True
    first, second = users_with_phones(django_user_model, 2)
    reserved, release = threading.Event(), threading.Event()
    original = quota.reserve_send

    def slow_reserve(phone_key, **kwargs):
        now = original(phone_key, **kwargs)
        if threading.current_thread().name == "holder":
            reserved.set()
            release.wait(20)
        return now

    monkeypatch.setattr(challenges, "reserve_send", slow_reserve)

    def send(user, number):
        try:
            challenges.issue(user=user if confirmed else None, number=number, purpose="login",
                             nonce=f"n{user.pk}", to_confirmed=confirmed)
        finally:
            connections.close_all()

    holder = threading.Thread(target=send, args=(first, "+639170000000"), name="holder")
    holder.start()
    try:
        assert reserved.wait(10)
        other = threading.Thread(target=send, args=(second, "+639170000001"))
        other.start()
        other.join(10)
        finished_meanwhile = not other.is_alive()
        open_meanwhile = holder.is_alive()
    finally:
        release.set()
        holder.join(20)
    assert open_meanwhile and finished_meanwhile
    assert Challenge.objects.count() == 2 and len(outbox) == 2
