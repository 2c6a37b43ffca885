"""Abuse resistance: per-phone limits and the daily budget counted in the
database, regions, the circuit breaker, trusted proxies, alerts, lockout notices."""

from __future__ import annotations

import logging
import time

import django
import pytest
from django.core.cache import cache
from django.test import RequestFactory

from django_sms2fa import quota
from django_sms2fa.limits import client_ip
from django_sms2fa.models import Challenge, Phone, SecurityEvent
from django_sms2fa.senders import outbox

from .conftest import PASSWORD, last_code, password_step, reenter_password, wrong_code

pytestmark = pytest.mark.django_db


def sign_in_attempts(client_class, username, times):
    for _ in range(times):
        password_step(client_class(), username=username)


@pytest.fixture
def loose_cache_limits(settings):
    """Leave only the database-counted per-phone limit and budget in play."""
    settings.SMS2FA_SEND_RATE_USER = "1000/m"
    settings.SMS2FA_SEND_RATE_IP = "1000/m"
    settings.SMS2FA_RESEND_COOLDOWN = 0


def test_per_phone_limit_holds_across_sessions_and_spellings(
    client, user, django_user_model, loose_cache_limits
):
    # A second account enrolled on the same number in another spelling.
    mallory = django_user_model.objects.create_user("mallory", password=PASSWORD)
    Phone.objects.create(user=mallory, number="+639171234567", confirmed=True)
    sign_in_attempts(type(client), "alice", 4)
    sign_in_attempts(type(client), "mallory", 4)
    assert len(outbox) == 5
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SEND_RATE_LIMITED).count() == 3


def test_per_phone_limit_survives_a_cache_flush(client, user, loose_cache_limits):
    sign_in_attempts(type(client), "alice", 5)
    cache.clear()
    sign_in_attempts(type(client), "alice", 3)
    assert len(outbox) == 5


def test_per_phone_limit_window_slides(client, user, loose_cache_limits, frozen_clock):
    sign_in_attempts(type(client), "alice", 6)
    assert len(outbox) == 5
    frozen_clock.advance(601)
    sign_in_attempts(type(client), "alice", 1)
    assert len(outbox) == 6


def test_cooldown_per_phone_and_purpose_holds_across_sessions(client, user, frozen_clock):
    """A replayed or fresh session does not get around the resend cooldown."""
    sign_in_attempts(type(client), "alice", 3)
    assert len(outbox) == 1
    password_step(client)
    page = client.get("/2fa/verify/").content
    assert b"A code was sent to this number a moment ago." in page
    assert b'You can send a new code in <span class="sms2fa-clock">1:00</span>' in page
    frozen_clock.advance(61)
    sign_in_attempts(type(client), "alice", 1)
    assert len(outbox) == 2


def test_a_used_code_starts_no_cooldown(client, user):
    """Signing in again right after a completed login sends the next code at once."""
    password_step(client)
    assert client.post("/2fa/verify/", {"code": last_code()})["Location"] == "/home/"
    client.post("/accounts/logout/")
    again = type(client)()
    password_step(again)
    assert len(outbox) == 2
    assert b'name="code"' in again.get("/2fa/verify/").content
    # The code that went out unused still holds the cooldown for the next session.
    password_step(type(client)())
    assert len(outbox) == 2


def test_enrolling_a_victims_number_cannot_use_up_their_login_codes(
    client, user, plain_user, loose_cache_limits
):
    """Enrollment sends to a number are limited apart from codes to a confirmed phone."""
    password_step(client, username="bob")
    reenter_password(client)
    for _ in range(6):
        client.post("/2fa/setup/phone/", {"phone_number": "0917 123 4567"})  # alice's number
    assert len(outbox) == 3  # SMS2FA_ENROLL_RATE_PHONE: 3 an hour
    victim = type(client)()
    password_step(victim)
    assert len(outbox) == 4 and outbox[-1].to == "+639171234567"


def test_unconfirmed_numbers_have_their_own_share_of_the_budget(
    client, user, django_user_model, settings, loose_cache_limits
):
    settings.SMS2FA_DAILY_SMS_BUDGET = 10
    settings.SMS2FA_DAILY_UNCONFIRMED_BUDGET = 2
    for i in range(4):
        django_user_model.objects.create_user(f"spammer{i}", password=PASSWORD)
        password_step(client, username=f"spammer{i}")
        reenter_password(client)
        client.post("/2fa/setup/phone/", {"phone_number": f"0917 555 000{i}"})
        client.post("/accounts/logout/")
    assert len(outbox) == 2
    password_step(type(client)())
    assert len(outbox) == 3 and outbox[-1].to == "+639171234567"


def test_refused_send_explains_itself(client, user, loose_cache_limits):
    sign_in_attempts(type(client), "alice", 5)
    password_step(client)
    page = client.get("/2fa/verify/")
    assert b"Too many codes were requested" in page.content
    assert page.status_code == 200


def test_a_site_that_asks_for_a_hard_cap_gets_one_on_all_sms(
    client, django_user_model, settings, loose_cache_limits
):
    settings.SMS2FA_DAILY_SMS_BUDGET = 3
    settings.SMS2FA_DAILY_BUDGET_HARD_CAP = True
    for i in range(5):
        u = django_user_model.objects.create_user(f"user{i}", password=PASSWORD)
        Phone.objects.create(user=u, number=f"+63917000000{i}", confirmed=True)
        password_step(type(client)(), username=f"user{i}")
    assert len(outbox) == 3
    assert quota.spent_today() == 3
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SEND_REFUSED,
                                        detail__startswith="BudgetExhausted").count() == 2
    password_step(client, username="user4")
    assert b"We cannot send codes right now" in client.get("/2fa/verify/").content


def test_budget_resets_the_next_day(client, user, settings, frozen_clock, loose_cache_limits):
    settings.SMS2FA_DAILY_SMS_BUDGET = 1
    settings.SMS2FA_DAILY_BUDGET_HARD_CAP = True
    sign_in_attempts(type(client), "alice", 2)
    assert len(outbox) == 1
    frozen_clock.advance(86400)
    sign_in_attempts(type(client), "alice", 1)
    assert len(outbox) == 2


def test_number_outside_allowed_regions_is_never_sent_to(client, user, settings):
    Phone.objects.filter(user=user).update(number="+12025550143")
    password_step(client)
    assert outbox == []
    assert b"numbers in this country" in client.get("/2fa/verify/").content


def test_wrong_code_refresh_and_back_never_send(client, user):
    password_step(client)
    client.post("/2fa/verify/", {"code": wrong_code(last_code())})
    for _ in range(3):
        client.get("/2fa/verify/")
    client.get("/accounts/login/")
    assert len(outbox) == 1


class TestCircuitBreaker:
    @pytest.fixture
    def down(self, iprog, settings, loose_cache_limits):
        settings.SMS2FA_SEND_RATE_PHONE = "100/m"
        settings.SMS2FA_BREAKER_FAILURES = 3
        settings.SMS2FA_BREAKER_COOLDOWN = 60
        iprog.answer_http_error(502)
        return iprog

    def test_opens_after_repeated_failures_and_stops_calling_the_gateway(self, client, user, down):
        sign_in_attempts(type(client), "alice", 3)
        assert len(down.requests) == 3
        sign_in_attempts(type(client), "alice", 4)
        assert len(down.requests) == 3  # nothing more reached the gateway
        password_step(client)
        assert b"not reachable right now" in client.get("/2fa/verify/").content
        assert SecurityEvent.objects.filter(detail__startswith="CircuitOpen").count() == 5

    def test_a_dripping_gateway_is_cut_at_the_deadline_and_opens_it(self, client, user, down):
        # One byte every 0.05 s: each answer would take ~15 s; no single read waits long.
        down.heal()
        down.answer_dripping(0.05)
        started = time.monotonic()
        sign_in_attempts(type(client), "alice", 3)
        assert time.monotonic() - started < 3 * 3 + 6  # three deadlines of 3 s, not 45 s
        assert list(Challenge.objects.values_list("delivery", flat=True)) == ["unknown"] * 3
        sign_in_attempts(type(client), "alice", 1)
        assert len(down.requests) == 3
        assert SecurityEvent.objects.filter(detail__startswith="CircuitOpen").count() == 1

    def test_closes_after_the_cooldown(self, client, user, down, frozen_clock):
        sign_in_attempts(type(client), "alice", 3)
        frozen_clock.advance(61)
        sign_in_attempts(type(client), "alice", 1)
        assert len(down.requests) == 4

    def test_a_success_resets_the_count(self, client, user, down, iprog):
        sign_in_attempts(type(client), "alice", 2)
        iprog.heal()
        sign_in_attempts(type(client), "alice", 1)
        iprog.answer_http_error(502)
        sign_in_attempts(type(client), "alice", 2)
        assert len(iprog.requests) == 5


class TestClientIP:
    def request(self, remote="10.0.0.9", xff=None, **meta):
        extra = {"REMOTE_ADDR": remote, **meta}
        if xff is not None:
            extra["HTTP_X_FORWARDED_FOR"] = xff
        return RequestFactory().get("/", **extra)

    def test_default_ignores_forwarded_for(self):
        assert client_ip(self.request(xff="1.2.3.4")) == "10.0.0.9"

    def test_one_trusted_proxy_takes_the_entry_it_added(self, settings):
        settings.SMS2FA_TRUSTED_PROXY_COUNT = 1
        # The client forged "6.6.6.6"; the proxy appended the real address.
        assert client_ip(self.request(xff="6.6.6.6, 203.0.113.7")) == "203.0.113.7"

    def test_two_trusted_proxies(self, settings):
        settings.SMS2FA_TRUSTED_PROXY_COUNT = 2
        assert client_ip(self.request(xff="6.6.6.6, 203.0.113.7, 10.0.0.2")) == "203.0.113.7"

    def test_too_few_hops_or_garbage_falls_back_to_remote_addr(self, settings):
        settings.SMS2FA_TRUSTED_PROXY_COUNT = 2
        assert client_ip(self.request(xff="203.0.113.7")) == "10.0.0.9"
        settings.SMS2FA_TRUSTED_PROXY_COUNT = 1
        assert client_ip(self.request(xff="not-an-ip")) == "10.0.0.9"

    def test_header_set_by_the_proxy(self, settings):
        settings.SMS2FA_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
        assert client_ip(self.request(HTTP_X_REAL_IP="198.51.100.4", xff="1.1.1.1")) == "198.51.100.4"

    def test_per_ip_send_limit_uses_the_client_ip(self, client, django_user_model, settings):
        settings.SMS2FA_TRUSTED_PROXY_COUNT = 1
        settings.SMS2FA_SEND_RATE_IP = "2/h"
        for i in range(4):
            u = django_user_model.objects.create_user(f"u{i}", password=PASSWORD)
            Phone.objects.create(user=u, number=f"+63917000001{i}", confirmed=True)
        for i in range(3):  # three different forged prefixes, one real client
            type(client)().post("/accounts/login/", {"username": f"u{i}", "password": PASSWORD},
                                HTTP_X_FORWARDED_FOR=f"9.9.9.{i}, 203.0.113.7")
        type(client)().post("/accounts/login/", {"username": "u3", "password": PASSWORD},
                            HTTP_X_FORWARDED_FOR="203.0.113.8")
        assert len(outbox) == 3
        # A challenge is the log entry of its send.
        assert set(Challenge.objects.values_list("ip", flat=True)) == {
            "203.0.113.7", "203.0.113.8"}


class TestAlertsAndNotices:
    def test_alert_fires_once_at_the_threshold(self, client, user, settings, caplog):
        settings.SMS2FA_ALERT_RULES = {"wrong_code": (3, 300)}
        settings.SMS2FA_ALERT_HANDLER = "tests.test_abuse.record_alert"
        ALERTS.clear()
        caplog.set_level(logging.WARNING, logger="django_sms2fa.alerts")
        password_step(client)
        for _ in range(5):
            client.post("/2fa/verify/", {"code": wrong_code(last_code())})
        assert [a[:3] for a in ALERTS] == [("wrong_code", 3, 300)]
        assert "kind wrong_code: 3 events" in caplog.text
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ALERT).count() == 1

    def test_alert_mails_the_admins(self, client, user, settings, mailoutbox):
        # Django 6.1 takes addresses and deprecates (name, address) pairs.
        settings.ADMINS = (
            ["ops@example.com"] if django.VERSION >= (6, 1) else [("Ops", "ops@example.com")]
        )
        settings.SMS2FA_ALERT_RULES = {"wrong_code": (1, 300)}
        settings.SMS2FA_ALERT_MAIL_ADMINS = True
        password_step(client)
        client.post("/2fa/verify/", {"code": wrong_code(last_code())})
        assert [m.to for m in mailoutbox] == [["ops@example.com"]]

    def test_lockout_tells_the_user_by_email(self, client, user, settings, mailoutbox):
        settings.SMS2FA_LOCKOUT_FAILURES = 3
        password_step(client)
        for _ in range(4):
            client.post("/2fa/verify/", {"code": wrong_code(last_code())})
        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == ["alice@example.com"]
        assert "change your password" in mailoutbox[0].body

    def test_lockout_tells_a_user_without_email_by_sms(self, client, user, settings, mailoutbox):
        user.email = ""
        user.save()
        settings.SMS2FA_LOCKOUT_FAILURES = 2
        password_step(client)
        for _ in range(2):
            client.post("/2fa/verify/", {"code": wrong_code(last_code())})
        assert mailoutbox == []
        assert "blocked" in outbox[-1].body and outbox[-1].to == "+639171234567"


ALERTS: list = []


def record_alert(kind, count, seconds, event):
    ALERTS.append((kind, count, seconds, event))


def test_ipv6_clients_are_limited_per_64(client, django_user_model, settings):
    settings.SMS2FA_SEND_RATE_IP = "2/h"
    settings.SMS2FA_RESEND_COOLDOWN = 0
    for i in range(4):
        u = django_user_model.objects.create_user(f"v{i}", password=PASSWORD)
        Phone.objects.create(user=u, number=f"+63917000002{i}", confirmed=True)
        type(client)().post("/accounts/login/", {"username": f"v{i}", "password": PASSWORD},
                            REMOTE_ADDR=f"2001:db8:1:2::{i + 1}")
    assert len(outbox) == 2


def test_forged_host_header_does_not_reach_the_sms(client, user, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SMS2FA_DOMAIN = "example.com"
    settings.SMS2FA_SITE_NAME = ""
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD},
                HTTP_HOST="evil.example")
    assert "evil" not in outbox[-1].body
    assert outbox[-1].body.endswith(f"@example.com #{last_code()}")


def test_a_sender_that_raises_anything_is_a_failed_send_not_a_server_error(
    client, user, settings
):
    settings.SMS2FA_SENDER = "tests.test_abuse.BrokenSender"
    response = password_step(client)
    assert response["Location"] == "/2fa/verify/"
    page = client.get("/2fa/verify/")
    assert b"We could not send the code" in page.content
    challenge = Challenge.objects.get(user=user)
    assert challenge.delivery == Challenge.Delivery.FAILED
    assert "RecursionError" in challenge.gateway_error


from django_sms2fa.senders import BaseSender  # noqa: E402


class BrokenSender(BaseSender):
    def send(self, message):
        raise RecursionError("maximum recursion depth exceeded")
