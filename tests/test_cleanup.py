"""manage.py sms2fa_cleanup: batched deletes past the retention settings."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from django_sms2fa import clock
from django_sms2fa.lockout import locked_until
from django_sms2fa.models import Challenge, SecurityEvent, SendGate

from .conftest import last_code, password_step, wrong_code

pytestmark = pytest.mark.django_db


def challenge_at(days_ago: float, user=None) -> Challenge:
    created = clock.now() - timedelta(days=days_ago)
    return Challenge.objects.create(
        id=uuid.uuid4(), user=user, purpose="login", code_hash="x", session_ref="s",
        phone_key="k", phone_masked="+63 ******4567", max_attempts=5,
        created_at=created, expires_at=created + timedelta(minutes=5),
    )


def event_at(days_ago: float, challenge=None, user=None) -> SecurityEvent:
    return SecurityEvent.objects.create(
        kind="code_sent", challenge=challenge, user=user,
        created_at=clock.now() - timedelta(days=days_ago),
    )


def cleanup(*args):
    out, err = StringIO(), StringIO()
    call_command("sms2fa_cleanup", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_deletes_only_what_is_past_retention_in_batches(frozen_clock, user):
    old = [challenge_at(91 + i, user) for i in range(5)]
    kept = challenge_at(89, user)
    old_event = event_at(400, user=user)
    event_of_old_challenge = event_at(91, challenge=old[0], user=user)
    recent_event = event_at(1, challenge=kept, user=user)
    SendGate.objects.create(key="day:2026-01-01", count=3, touched_at=clock.now() - timedelta(days=300))
    SendGate.objects.create(key="day:2026-11-26", count=3, touched_at=clock.now())
    out, err = cleanup("--batch-size", "2")
    assert "challenges: 5 deleted" in out
    assert "security events: 1 deleted" in out
    assert "gate rows: 1 deleted" in out
    assert "deleting challenges: 5/5 (100%) done" in err
    assert list(Challenge.objects.all()) == [kept]
    assert not SecurityEvent.objects.filter(pk=old_event.pk).exists()
    # The log outlives the challenge it was about.
    event_of_old_challenge.refresh_from_db()
    assert event_of_old_challenge.challenge_id is None
    recent_event.refresh_from_db()
    assert recent_event.challenge_id == kept.pk
    assert list(SendGate.objects.values_list("key", flat=True)) == ["day:2026-11-26"]


def test_retention_from_settings_and_options(frozen_clock, settings):
    for days in (5, 15, 40):
        challenge_at(days)
        event_at(days)
    settings.SMS2FA_CHALLENGE_RETENTION_DAYS = 30
    settings.SMS2FA_EVENT_RETENTION_DAYS = 10
    out, _ = cleanup()
    assert "challenges: 1 deleted" in out and "security events: 2 deleted" in out
    out, _ = cleanup("--challenge-days", "10", "--event-days", "3")
    assert "challenges: 1 deleted" in out and "security events: 1 deleted" in out
    assert Challenge.objects.count() == 1 and SecurityEvent.objects.count() == 0


def test_dry_run_deletes_nothing(frozen_clock):
    challenge_at(100)
    out, _ = cleanup("--dry-run")
    assert "challenges: 1 would be deleted" in out
    assert Challenge.objects.count() == 1


@pytest.mark.parametrize("args", [["--challenge-days", "1"], ["--event-days", "0.5"],
                                  ["--batch-size", "0"], ["--challenge-days", "inf"],
                                  ["--event-days", "nan"], ["--challenge-days", "1e9"]])
def test_refuses_a_retention_that_would_weaken_the_limits(frozen_clock, args):
    challenge_at(100)
    with pytest.raises(CommandError) as info:
        cleanup(*args)
    assert info.value.returncode == 1
    assert Challenge.objects.count() == 1


def test_a_lockout_survives_cleanup(client, user, settings):
    settings.SMS2FA_LOCKOUT_FAILURES = 2
    password_step(client)
    for _ in range(2):
        client.post("/2fa/verify/", {"code": wrong_code(last_code())})
    until = locked_until(user.pk)
    assert until is not None
    cleanup("--challenge-days", "2", "--event-days", "2")
    assert locked_until(user.pk) == until


class Terminal(StringIO):
    def isatty(self):
        return True


def test_progress_is_one_line_rewritten_on_a_terminal(frozen_clock):
    for days in range(91, 96):
        challenge_at(days)
    terminal = Terminal()
    call_command("sms2fa_cleanup", "--batch-size", "2", stdout=StringIO(),
                 stderr=terminal)
    written = terminal.getvalue()
    assert "\rdeleting challenges: 2/5 (40%)\rdeleting challenges: 4/5 (80%)" in written
    assert written.count("\n") == 3  # one finished line per kind of row
