"""Parallel verification with real threads, each on its own database connection.

These run on PostgreSQL (``.ci/run``'s second pass): SQLite's in-memory test
database locks whole tables, so it cannot host parallel writers at all.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from django_sms2fa import challenges
from django_sms2fa.challenges import Outcome
from django_sms2fa.models import Challenge
from django_sms2fa.senders import outbox
from django_sms2fa.testing import code_from

from .conftest import last_code, password_step, wrong_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

THREADS = 12


def run_in_parallel(fn, count=THREADS):
    barrier = threading.Barrier(count)

    def task(i):
        try:
            barrier.wait()
            return fn(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(task, range(count)))


def issue_for(user):
    phone = challenges.confirmed_phone(user.pk)
    challenge, error = challenges.issue(
        user=user, number=phone.number, purpose="login", nonce="n"
    )
    assert error is None
    return challenge, code_from(outbox[-1])


def test_parallel_correct_codes_verify_exactly_once(user):
    challenge, code = issue_for(user)
    outcomes = run_in_parallel(
        lambda i: challenges.verify(Challenge.objects.get(pk=challenge.pk), code).outcome
    )
    assert Counter(outcomes)[Outcome.VERIFIED] == 1
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.VERIFIED
    assert challenge.attempts <= challenge.max_attempts


def test_parallel_wrong_codes_never_exceed_the_attempt_limit(user):
    challenge, code = issue_for(user)
    outcomes = run_in_parallel(
        lambda i: challenges.verify(Challenge.objects.get(pk=challenge.pk), wrong_code(code)).outcome
    )
    challenge.refresh_from_db()
    assert challenge.attempts == challenge.max_attempts == 5
    assert challenge.failures == 5
    assert challenge.status == Challenge.Status.FAILED
    assert Outcome.VERIFIED not in outcomes
    # Only the attempts that were claimed reached argon2 and counted as wrong.
    assert sum(o in (Outcome.WRONG, Outcome.EXHAUSTED, Outcome.LOCKED) for o in outcomes) == THREADS
    # The right code is of no use once the attempts are spent.
    assert not challenges.verify(challenge, code).ok


def test_parallel_http_submits_of_one_session_log_in_once(client, user):
    password_step(client)
    code = last_code()
    cookie = client.cookies["sessionid"].value

    def submit(i):
        c = type(client)()
        c.cookies["sessionid"] = cookie
        return c.post("/2fa/verify/", {"code": code})

    responses = run_in_parallel(submit, count=8)
    successes = [r for r in responses if r.status_code == 302 and r["Location"] == "/home/"]
    assert len(successes) == 1
    assert Challenge.objects.get().status == Challenge.Status.VERIFIED


def test_settings_match_the_requested_services():
    """The PostgreSQL pass really runs on PostgreSQL and Redis."""
    from django.core.cache import caches

    assert connection.vendor == "postgresql"
    assert type(caches["default"]).__name__ == "RedisCache"


def test_lockout_counter_is_exact_under_parallel_failures(user, settings):
    settings.SMS2FA_LOCKOUT_FAILURES = 7
    settings.SMS2FA_SEND_RATE_PHONE = "100/m"
    settings.SMS2FA_RESEND_COOLDOWN = 0
    phone = challenges.confirmed_phone(user.pk)
    issued = []
    for nonce in ("a", "b", "c"):  # three sessions, 15 attempts between them
        challenge, error = challenges.issue(user=user, number=phone.number, purpose="login",
                                           nonce=nonce)
        assert error is None
        issued.append((challenge.pk, code_from(outbox[-1])))

    def guess(i):
        pk, code = issued[i % 3]
        return challenges.verify(Challenge.objects.get(pk=pk), wrong_code(code)).outcome

    outcomes = run_in_parallel(guess, count=THREADS + 6)
    from django_sms2fa.models import SecurityEvent

    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.WRONG_CODE).count() == 7
    assert sum(Challenge.objects.filter(user=user).values_list("attempts", flat=True)) == 7
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT).count() == 1
    assert Outcome.VERIFIED not in outcomes
    # Locked: even the right code is refused now.
    pk, code = issued[0]
    assert challenges.verify(Challenge.objects.get(pk=pk), code).outcome is Outcome.LOCKED
