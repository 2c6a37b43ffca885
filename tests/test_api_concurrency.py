"""Parallel requests through the JSON API, real threads on PostgreSQL: one code
signs in once, parallel guesses never exceed the attempt limit, a recovery code
is used once. (SQLite's in-memory test database cannot host parallel writers.)"""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from django_sms2fa import recovery
from django_sms2fa.models import Challenge, SecurityEvent

from .api_client import ApiClient
from .conftest import PASSWORD, last_code, wrong_code
from .test_concurrency import run_in_parallel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def started(kind):
    api = ApiClient(kind)
    body = api.post("auth/login", {"username": "alice", "password": PASSWORD})
    assert body["state"] == "code_required"
    return api


def twin(api):
    """Another client that sends the same session (cookie or token), from another thread."""
    other = ApiClient(api.kind, client=Client(enforce_csrf_checks=True))
    other.http.cookies = api.http.cookies
    other.token = api.token
    return other


@pytest.mark.parametrize("kind", ["browser", "app"])
def test_parallel_submits_of_the_right_code_sign_in_once(user, kind):
    api = started(kind)
    code = last_code()
    bodies = run_in_parallel(lambda i: twin(api).post("auth/code", {"code": code}), count=8)
    signed_in = [b for b in bodies if b["state"] == "authenticated"]
    assert len(signed_in) == 1
    # The others: the code was used meanwhile, or the login they waited for is over.
    assert {e["code"] for b in bodies if b not in signed_in for e in b["errors"]} <= {
        "code_used", "no_pending_login", "invalid_token"}
    assert Challenge.objects.get().status == Challenge.Status.VERIFIED
    # The challenge is the log of its verification: claimed once, by one attempt.
    assert Challenge.objects.get().attempts == 1
    if kind == "app":
        assert "session_token" in signed_in[0]


@pytest.mark.parametrize("kind", ["browser", "app"])
def test_parallel_guesses_never_exceed_the_attempt_limit(user, kind, settings):
    settings.SMS2FA_VERIFY_RATE_USER = "100/m"
    api = started(kind)
    code = last_code()
    bodies = run_in_parallel(lambda i: twin(api).post("auth/code", {"code": wrong_code(code)}))
    challenge = Challenge.objects.get()
    assert challenge.attempts == challenge.max_attempts == 5
    assert challenge.status == Challenge.Status.FAILED
    outcomes = Counter(b["errors"][0]["code"] for b in bodies)
    assert outcomes["invalid_code"] == 4 and "authenticated" not in {b["state"] for b in bodies}
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.WRONG_CODE).count() == 5
    # Spent: the right code is of no use now.
    assert twin(api).post("auth/code", {"code": code})["state"] == "code_required"


@pytest.mark.parametrize("kind", ["browser", "app"])
def test_parallel_recovery_code_is_used_once(user, kind):
    spare = recovery.replace_codes(user, 3)[0]
    api = started(kind)
    bodies = run_in_parallel(
        lambda i: twin(api).post("auth/recovery", {"recovery_code": spare}), count=8)
    assert sum(b["state"] == "authenticated" for b in bodies) == 1
    assert recovery.remaining(user.pk) == 2
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RECOVERY_CODE_USED).count() == 1
