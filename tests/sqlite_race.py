"""Run by tests/test_sqlite_immediate.py: processes race on one SQLite file.

Usage: ``python -m tests.sqlite_race DBFILE``, with ``SMS2FA_TEST_SQLITE_FILE``
set to the same file. Prints one JSON line: what the racing processes got.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys

import django

PROCESSES = 8


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()


def _send(args: tuple) -> str:
    barrier, user_id, number, purpose = args
    from django.contrib.auth import get_user_model

    from django_sms2fa import challenges
    from django_sms2fa.exceptions import SendRefused

    user = get_user_model().objects.get(pk=user_id)
    barrier.wait()
    try:
        challenges.issue(user=user, number=number, purpose=purpose, nonce=f"n{os.getpid()}")
    except SendRefused as refusal:
        return type(refusal).__name__
    return "sent"


def _wrong(args: tuple) -> str:
    barrier, challenge_id, code = args
    from django_sms2fa import challenges
    from django_sms2fa.models import Challenge

    challenge = Challenge.objects.get(pk=challenge_id)
    barrier.wait()
    return challenges.verify(challenge, code).outcome.value


def main() -> None:
    _setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from django_sms2fa import challenges
    from django_sms2fa.models import Challenge, Phone, SecurityEvent
    from django_sms2fa.senders import outbox
    from django_sms2fa.testing import code_from

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    people = {}
    for i, name in enumerate(("alice", "carol", "bob")):
        people[name] = users.create_user(name, f"{name}@example.com", "pw")
        Phone.objects.create(user=people[name], number=f"+63917123456{i}", confirmed=True)
    # Bob's codes for the wrong-code race, one per process; a wrong one for each.
    bob = people["bob"]
    settings.SMS2FA_SEND_RATE_PHONE = "100/m"  # for this setup only
    wrong = []
    for i in range(PROCESSES):
        challenge = challenges.issue(user=bob, number="+639171234562", purpose=f"p{i}",
                                     nonce="b")[0]
        code = code_from(outbox[-1])
        wrong.append((challenge.pk, f"{(int(code) + 1) % 10**6:06d}"))
    del settings.SMS2FA_SEND_RATE_PHONE
    settings.SMS2FA_LOCKOUT_FAILURES = 5
    connections.close_all()  # each process opens its own connection

    context = multiprocessing.get_context("fork")
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        def together(fn, jobs):
            barrier = manager.Barrier(PROCESSES)
            return pool.map(fn, [(barrier, *job) for job in jobs])

        # One purpose: the cooldown lets one code out. Eight purposes: the rate, five.
        same = together(_send, [(people["alice"].pk, "+639171234560", "login")] * PROCESSES)
        many = together(_send, [(people["carol"].pk, "+639171234561", f"q{i}")
                                for i in range(PROCESSES)])
        wrongs = together(_wrong, wrong)
    print(json.dumps({
        "same_purpose": same,
        "many_purposes": many,
        "rows": {name: Challenge.objects.filter(user=people[name]).count()
                 for name in ("alice", "carol")},
        "wrongs": wrongs,
        "wrong_events": SecurityEvent.objects.filter(
            user=bob, kind=SecurityEvent.Kind.WRONG_CODE).count(),
        "lockouts": SecurityEvent.objects.filter(
            user=bob, kind=SecurityEvent.Kind.LOCKED_OUT).count(),
    }))


if __name__ == "__main__":
    sys.exit(main())
