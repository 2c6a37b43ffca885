"""The SMS-pumping guard: per-phone sends and the site's daily budget, counted
in the database so that a cache flush or a Redis restart mid-attack resets nothing.

``reserve_send`` runs inside the transaction that inserts the challenge. It first
locks the phone's gate row (see ``gates``), so concurrent sends to one number
from any process are counted one after the other, and the limit holds exactly.
The daily budget is one counter row per day, taken with a conditional UPDATE.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import phonenumbers
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from . import clock, gates
from .conf import app_settings
from .exceptions import BudgetExhausted, RegionNotAllowed, ResendTooSoon, SendRateLimited
from .limits import parse_rate
from .models import Challenge, SendGate


def check_region(number: str) -> None:
    """Refuse numbers outside ``SMS2FA_ALLOWED_REGIONS`` (SMS pumping targets abroad)."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
    if region not in app_settings.ALLOWED_REGIONS:
        raise RegionNotAllowed(f"region {region} not allowed")


def reserve_send(phone_key: str, *, to_confirmed: bool, purpose: str) -> datetime:
    """Count one SMS to the phone ``phone_key`` and against today's budget, or raise;
    return the time of the send, read once the phone's gate is held.

    Sends to a user's confirmed phone and sends to numbers being enrolled or
    checked are limited apart (``SMS2FA_SEND_RATE_PHONE``, ``SMS2FA_ENROLL_RATE_PHONE``),
    so that enrolling someone else's number cannot use up their login codes.
    A code for the same purpose to the same phone waits ``SMS2FA_RESEND_COOLDOWN``,
    whichever session asks; a code that was already used, or that the gateway
    surely did not take, starts no wait. Call inside ``transaction.atomic()``
    together with the insert of the challenge.
    """
    rate = app_settings.SEND_RATE_PHONE if to_confirmed else app_settings.ENROLL_RATE_PHONE
    limit, seconds = parse_rate(rate)
    gates.lock(f"phone:{int(to_confirmed)}:{phone_key}", clock.now())
    now = clock.now()
    window = timedelta(seconds=max(seconds, app_settings.RESEND_COOLDOWN))
    counts = Challenge.objects.filter(
        phone_key=phone_key, to_confirmed=to_confirmed, created_at__gt=now - window
    ).aggregate(
        latest=Max("created_at", filter=Q(purpose=purpose) & ~Q(delivery=Challenge.Delivery.FAILED)
                   & ~Q(status=Challenge.Status.VERIFIED)),
        recent=Count("pk", filter=Q(created_at__gt=now - timedelta(seconds=seconds))),
    )
    if counts["latest"] is not None:
        wait = app_settings.RESEND_COOLDOWN - (now - counts["latest"]).total_seconds()
        if wait > 0:
            raise ResendTooSoon(int(wait + 0.999))
    if counts["recent"] >= limit:
        raise SendRateLimited(f"{counts['recent']} codes to this phone in {seconds} s")
    if not to_confirmed:
        _take(f"day-unconfirmed:{_today(now)}", app_settings.DAILY_UNCONFIRMED_BUDGET, now)
    take_budget(now)
    return now


def take_budget(now: datetime | None = None) -> None:
    """Count one SMS against today's ``SMS2FA_DAILY_SMS_BUDGET`` or raise ``BudgetExhausted``."""
    now = now or clock.now()
    _take(f"day:{_today(now)}", app_settings.DAILY_SMS_BUDGET, now)


def _today(now: datetime) -> str:
    return timezone.localdate(now).isoformat()


def _take(key: str, budget: int | None, now: datetime) -> None:
    if budget is None:
        return
    # The conditional UPDATE is atomic on its own; the gate only creates the
    # day's row, once.
    below = SendGate.objects.filter(key=key, count__lt=budget)
    if below.update(count=F("count") + 1, touched_at=now):
        return
    gates.lock(key, now)
    if not below.update(count=F("count") + 1):
        raise BudgetExhausted(f"budget {key} of {budget} SMS spent")


def spent_today() -> int:
    key = f"day:{_today(clock.now())}"
    gate = SendGate.objects.filter(key=key).first()
    return gate.count if gate else 0
