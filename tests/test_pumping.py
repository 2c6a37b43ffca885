"""A scripted SMS-pumping attack through the real flow, under a fake clock.

Sixty accounts share twelve Philippine numbers (each enrolled in its own
spelling); the attacker rotates through 500 client addresses and, over 55 fake
minutes, makes 3000 send attempts: password logins, "Send a new code" POSTs on
the pending logins, and sign-up checks through the Python API
(``verification.send_code``) to the same numbers in other spellings, to three
fresh Philippine numbers and to numbers abroad (premium-rate pumping targets).

The guards of the README's "Limits and abuse resistance" must hold, whatever
the spelling of a number: at most ``SMS2FA_SEND_RATE_PHONE`` (5/10m) codes to a
confirmed phone and, counted apart, ``SMS2FA_ENROLL_RATE_PHONE`` (3/h) to a
number being checked; one code a minute per number and purpose; the daily
budget and its share for unconfirmed numbers; nothing abroad; no server error.
The attack is strong enough that each guard is reached. The figures are printed
in every run (``-s`` is not needed).
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_left
from collections import Counter, defaultdict
from types import SimpleNamespace

import django_ratelimit.core
import phonenumbers
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory

from django_sms2fa import quota, signals, verification
from django_sms2fa.exceptions import ResendTooSoon, SendRefused
from django_sms2fa.models import Challenge, Phone, SecurityEvent
from django_sms2fa.phones import parse_phone, phone_key
from django_sms2fa.senders import outbox

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

BUDGET, UNCONFIRMED_BUDGET = 150, 30
CONFIRMED_RATE, CONFIRMED_LIMIT, CONFIRMED_WINDOW = "5/10m", 5, 600
UNCONFIRMED_RATE, UNCONFIRMED_LIMIT, UNCONFIRMED_WINDOW = "3/h", 3, 3600
COOLDOWN = 60  # SMS2FA_RESEND_COOLDOWN: per session, and per number and purpose
ACCOUNTS = 60
TICKS, TICK_SECONDS, PER_TICK = 50, 66, 60  # 3000 attempts over 55 fake minutes
IPS = [f"100.64.{i // 200}.{i % 200 + 1}" for i in range(500)]
PENDING_TIMEOUT = 600  # SMS2FA_PENDING_TIMEOUT's default
SENT = "sent"  # a challenge is the log entry of its send: its code_sent signal
REFUSED = {SecurityEvent.Kind.SEND_RATE_LIMITED, SecurityEvent.Kind.SEND_REFUSED}
SEND_KINDS = {SENT, SecurityEvent.Kind.SEND_FAILED, *REFUSED}
#: Which code each path sends: a login code to the confirmed phone, or a sign-up check.
PURPOSE = {"login": "login", "resend": "login", "api": "signup"}

# Twelve numbers the accounts are enrolled on, each reachable in several spellings.
ACCOUNT_NUMBERS = [f"+6391755500{i:02d}" for i in range(12)]
FRESH_NUMBERS = ["+639185550001", "+639185550002", "+639055550003"]  # nobody's, PH
# No ten minutes can use up the budget: 12 confirmed phones x 5 + 15 numbers x 3 < 150.
assert len(ACCOUNT_NUMBERS) * CONFIRMED_LIMIT + (
    len(ACCOUNT_NUMBERS) + len(FRESH_NUMBERS)) * UNCONFIRMED_LIMIT < BUDGET


def spellings(e164: str) -> list[str]:
    national = "0" + e164[3:]  # 09175550001
    return [
        e164,
        e164[1:],  # 639175550001, IPROG's own form
        national,
        f"{national[:4]} {national[4:7]} {national[7:]}",
        f"+63 {e164[3:6]} {e164[6:9]} {e164[9:]}",
        f"({national[:4]}) {national[4:7]}-{national[7:]}",
    ]


def foreign_numbers() -> list[str]:
    numbers = []
    for region in ["US", "GB", "NG", "ID", "LV", "CU", "VN", "RU", "AZ"]:
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        numbers.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
        # The same number dialled with the Philippines' international prefix.
        numbers.append("00" + phonenumbers.format_number(
            example, phonenumbers.PhoneNumberFormat.E164)[1:])
    return numbers


def region(e164: str) -> str:
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))


def max_in_any_window(times: list[float], seconds: float) -> int:
    """The most of ``times`` that fall in one closed interval ``seconds`` long."""
    times = sorted(times)
    return max(i + 1 - bisect_left(times, t - seconds) for i, t in enumerate(times))


def over_limit(log, limit, seconds):
    """Numbers with more than ``limit`` of the ``log`` entries within ``seconds``, with them all."""
    times = defaultdict(list)
    for number, at, _kind in log:
        times[number].append(at)
    return {
        number: [(f"+{at / 60:.1f} min", kind) for n, at, kind in log if n == number]
        for number, sent in times.items() if max_in_any_window(sent, seconds) > limit
    }


def test_sms_pumping_attack_is_held_to_the_per_phone_limits_budget_and_region(
    settings, frozen_clock, monkeypatch, django_user_model, capsys
):
    settings.SMS2FA_DAILY_SMS_BUDGET = BUDGET
    # This attacker holds the passwords of accounts: a site that caps every SMS
    # (tests/test_budget.py shows the default, where login codes only alert).
    settings.SMS2FA_DAILY_BUDGET_HARD_CAP = True
    settings.SMS2FA_DAILY_UNCONFIRMED_BUDGET = UNCONFIRMED_BUDGET
    settings.SMS2FA_SEND_RATE_PHONE = CONFIRMED_RATE
    settings.SMS2FA_ENROLL_RATE_PHONE = UNCONFIRMED_RATE
    settings.SMS2FA_RESEND_COOLDOWN = COOLDOWN
    # The cache-counted limits (per user, per number, per IP: django-ratelimit)
    # keep their defaults and run on the same fake clock as the rest, so that
    # their windows roll over during the attack as they would in real time.
    monkeypatch.setattr(
        django_ratelimit.core, "time", SimpleNamespace(time=lambda: frozen_clock().timestamp())
    )
    start = frozen_clock()

    usernames = []
    for i in range(ACCOUNTS):
        user = django_user_model.objects.create_user(f"pump{i:02d}", password=PASSWORD)
        number = ACCOUNT_NUMBERS[i % len(ACCOUNT_NUMBERS)]
        written = spellings(number)[i // len(ACCOUNT_NUMBERS) % 6]
        Phone.objects.create(user=user, number=parse_phone(written), confirmed=True)
        usernames.append(user.username)
    assert Phone.objects.values("number").distinct().count() == len(ACCOUNT_NUMBERS)

    rng = random.Random(20261126)
    foreign = foreign_numbers()
    factory = RequestFactory()
    attempts: Counter = Counter()
    outcomes: Counter = Counter()  # sent / refused (logged) / cooldown
    anomalies: list = []
    foreign_sent = 0
    pending: list[tuple[Client, float]] = []  # clients with a pending login, since when
    sessions: list[SessionStore] = []
    sent_log: list[tuple[str, float, str]] = []  # (E.164, fake seconds, path) of each SMS
    answers: Counter = Counter()
    logged: list[str] = []

    def log_kind(sender, event, **kwargs):
        logged.append(event.kind)

    def log_sent(sender, challenge, **kwargs):
        logged.append(SENT)

    signals.security_event.connect(log_kind)
    signals.code_sent.connect(log_sent)
    try:
        for tick in range(TICKS):
            now = (frozen_clock() - start).total_seconds()
            pending = [(c, since) for c, since in pending if now - since < PENDING_TIMEOUT]
            for _ in range(PER_TICK):
                ip = rng.choice(IPS)
                kind = rng.choices(["login", "resend", "api"], [50, 25, 25])[0]
                if kind == "resend" and not pending:
                    kind = "login"
                attempts[kind] += 1
                outbox_before, cooldown = len(outbox), False
                logged.clear()
                if kind == "login":
                    client = Client()
                    response = client.post(
                        "/accounts/login/",
                        {"username": rng.choice(usernames), "password": PASSWORD},
                        REMOTE_ADDR=ip,
                    )
                    answers[("login", response.status_code, response.get("Location"))] += 1
                    pending.append((client, now))
                elif kind == "resend":
                    client, _since = rng.choice(pending)
                    response = client.post("/2fa/resend/", REMOTE_ADDR=ip)
                    answers[("resend", response.status_code, response.get("Location"))] += 1
                    # The answer is always a redirect to the code page, which shows the wait.
                    cooldown = (response.status_code == 302
                                and b"You can send a new code in" in client.get(
                                    "/2fa/verify/", REMOTE_ADDR=ip).content)
                else:
                    roll = rng.random()
                    if roll < 0.4:
                        number = rng.choice(spellings(rng.choice(ACCOUNT_NUMBERS)))
                    elif roll < 0.6:
                        number = rng.choice(spellings(rng.choice(FRESH_NUMBERS)))
                    else:
                        number = rng.choice(foreign)
                    if sessions and rng.random() < 0.3:
                        session = rng.choice(sessions)  # the same browser again
                    else:
                        session = SessionStore()
                        sessions.append(session)
                    request = factory.post("/signup/", REMOTE_ADDR=ip)
                    request.session = session
                    try:
                        verification.send_code(request, "signup", phone_number=number)
                    except ResendTooSoon:
                        cooldown = True
                    except SendRefused:
                        pass
                    else:
                        foreign_sent += region(parse_phone(number)) != "PH"
                    answers[("api", None, None)] += 1
                # Each attempt ends one way: an SMS, a logged refusal, or a cooldown.
                new = len(outbox) - outbox_before
                sends = [k for k in logged if k in SEND_KINDS]
                if new == 1 and sends == [SENT]:
                    outcomes["sent"] += 1
                    sent_log.append((outbox[-1].to, now, kind))
                elif new == 0 and len(sends) == 1 and sends[0] in REFUSED:
                    outcomes["refused"] += 1
                elif new == 0 and not sends and cooldown:
                    outcomes["cooldown"] += 1
                else:
                    anomalies.append((tick, kind, new, sends, cooldown))
            frozen_clock.advance(TICK_SECONDS)
    finally:
        signals.security_event.disconnect(log_kind)
        signals.code_sent.disconnect(log_sent)

    total_attempts = sum(attempts.values())
    sent = len(outbox)
    to_confirmed = [entry for entry in sent_log if entry[2] != "api"]
    to_unconfirmed = [entry for entry in sent_log if entry[2] == "api"]
    per_number: dict[str, list[float]] = defaultdict(list)
    for number, at, _kind in sent_log:
        per_number[number].append(at)
    per_login_number: dict[str, list[float]] = defaultdict(list)
    for number, at, _kind in to_confirmed:
        per_login_number[number].append(at)
    events = SecurityEvent.objects
    refusals = Counter()
    for kind, detail in events.filter(kind__in=REFUSED).values_list("kind", "detail"):
        if kind == SecurityEvent.Kind.SEND_RATE_LIMITED and not detail:
            reason = "cache limit per user / number / IP (django-ratelimit)"
        elif detail.startswith("SendRateLimited"):
            reason = "per-phone limit (database)"
        elif detail.startswith("ResendTooSoon"):
            reason = "cooldown per number and purpose (database)"
        elif detail.startswith("BudgetExhausted"):
            share = "unconfirmed share" if "unconfirmed" in detail else "whole site"
            reason = f"daily budget, {share}"
        else:
            reason = detail.split(":")[0]  # RegionNotAllowed, CircuitOpen, ...
        refusals[reason] += 1

    def most(times_by_number, seconds):
        return max(max_in_any_window(t, seconds) for t in times_by_number.values())

    lines = [
        "",
        "SMS-pumping attack, scripted (tests/test_pumping.py)",
        f"  attempts      {total_attempts} over {TICKS * TICK_SECONDS // 60} fake minutes: "
        f"{attempts['login']} password logins, {attempts['resend']} resends, "
        f"{attempts['api']} verification.send_code",
        f"  attacker      {ACCOUNTS} accounts on {len(ACCOUNT_NUMBERS)} numbers, "
        f"{len(FRESH_NUMBERS)} fresh PH numbers, {len(foreign)} numbers abroad, "
        f"{len(IPS)} client IPs",
        f"  SMS sent      {sent} to {len(per_number)} numbers, {foreign_sent} abroad: "
        f"{len(to_confirmed)} login codes ({sum(k == 'resend' for *_, k in to_confirmed)} "
        f"by resend), {len(to_unconfirmed)} sign-up checks",
        f"  budget used   {quota.spent_today()} of {BUDGET} (sign-up share {len(to_unconfirmed)} "
        f"of {UNCONFIRMED_BUDGET}); last SMS at +{sent_log[-1][1] / 60:.1f} min",
        f"  per number    login codes: max {most(per_login_number, CONFIRMED_WINDOW)} in any "
        f"10 min (limit {CONFIRMED_LIMIT}), max {max(map(len, per_login_number.values()))} "
        f"in the attack; all SMS: max {most(per_number, CONFIRMED_WINDOW)} in any 10 min",
        "  refused:",
        *(f"    {count:5d}  {reason}" for reason, count in refusals.most_common()),
        f"    {outcomes['cooldown']:5d}  cooldown of the session's own last code (no log entry)",
        f"  alerts fired  {events.filter(kind=SecurityEvent.Kind.ALERT).count()}",
    ]
    with capsys.disabled():  # shown in every run, not only with -s
        print("\n".join(lines))

    # No server error: every login went on to the second step, every other
    # answer is one the views give on purpose.
    for path, status, location in answers:
        if path == "login":
            assert (status, location) == (302, "/2fa/verify/"), answers
        elif path == "resend":
            assert status in (200, 302, 429), answers
            assert status != 302 or location == "/2fa/verify/", answers
    # Nothing abroad, in any spelling, by any path.
    assert foreign_sent == 0
    assert all(region(sms.to) == "PH" for sms in outbox)
    assert refusals["RegionNotAllowed"] > 0
    # Per number, every spelling one key: at most 5 login codes in any 10 minutes
    # and 3 sign-up checks in any hour; both limits were reached.
    assert over_limit(to_confirmed, CONFIRMED_LIMIT, CONFIRMED_WINDOW) == {}
    assert over_limit(to_unconfirmed, UNCONFIRMED_LIMIT, UNCONFIRMED_WINDOW) == {}
    assert most(per_login_number, CONFIRMED_WINDOW) == CONFIRMED_LIMIT
    assert refusals["per-phone limit (database)"] > 0
    # At most one code a minute per number and purpose, whichever session asks.
    by_purpose = defaultdict(list)
    for number, at, kind in sent_log:
        by_purpose[(number, PURPOSE[kind])].append(at)
    too_soon = {
        key: times for key, times in by_purpose.items()
        if any(later - earlier < COOLDOWN for earlier, later in itertools.pairwise(times))
    }
    assert too_soon == {}
    # Windows rolled over: some number got more than 5 login codes over the attack.
    assert max(map(len, per_login_number.values())) > CONFIRMED_LIMIT
    # The budget caps the total and its share the sign-up checks; no ten minutes
    # can use the budget up, so it ran out only after the windows rolled over.
    assert sent == quota.spent_today() == BUDGET
    assert len(to_unconfirmed) == UNCONFIRMED_BUDGET
    assert refusals["daily budget, whole site"] > 0
    assert sent_log[-1][1] > CONFIRMED_WINDOW
    # The database agrees with the gateway, number by number.
    assert Challenge.objects.count() == Challenge.objects.filter(delivery="sent").count() == sent
    for number, times in per_number.items():
        assert Challenge.objects.filter(phone_key=phone_key(number)).count() == len(times)
    # Every attempt ended one way: one SMS with its log entry, one logged refusal,
    # or the session's cooldown; the log's refusals are exactly those attempts.
    assert anomalies == []
    assert outcomes["sent"] == sent
    assert outcomes["refused"] == sum(refusals.values())
    assert sum(outcomes.values()) == total_attempts
