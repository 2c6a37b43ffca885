"""The SMS-pumping guard: per-phone sends and the site's daily budget, counted
in the database so that a cache flush or a Redis restart mid-attack resets nothing.

``reserve_send`` runs inside the transaction that inserts the challenge. It first
locks the phone's gate row (see ``gates``), so concurrent sends to one number
from any process are counted one after the other, and the limit holds exactly. The daily budget is one counter
row per day, taken with a conditional UPDATE.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import phonenumbers
from django.db.models import F
from django.utils import timezone

from . import clock, gates
from .conf import app_settings
from .exceptions import BudgetExhausted, RegionNotAllowed, SendRateLimited
from .limits import parse_rate
from .models import Challenge, SendGate


def check_region(number: str) -> None:
    """Refuse numbers outside ``SMS2FA_ALLOWED_REGIONS`` (SMS pumping targets abroad)."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
    if region not in app_settings.ALLOWED_REGIONS:
        raise RegionNotAllowed(f"region {region} not allowed")


def reserve_send(phone_key: str) -> None:
    """Count one SMS to the phone ``phone_key`` and against today's budget, or raise.

    Call inside ``transaction.atomic()`` together with the insert of the challenge.
    """
    now = clock.now()
    limit, seconds = parse_rate(app_settings.SEND_RATE_PHONE)
    gates.lock(f"phone:{phone_key}", now)
    recent = Challenge.objects.filter(
        phone_key=phone_key, created_at__gt=now - timedelta(seconds=seconds)
    ).count()
    if recent >= limit:
        raise SendRateLimited(f"{recent} codes to this phone in {seconds} s")
    take_budget(now)


def take_budget(now: datetime | None = None) -> None:
    """Count one SMS against today's ``SMS2FA_DAILY_SMS_BUDGET`` or raise ``BudgetExhausted``."""
    budget = app_settings.DAILY_SMS_BUDGET
    if budget is None:
        return
    now = now or clock.now()
    key = f"day:{timezone.localdate(now).isoformat()}"
    gates.lock(key, now)
    if not SendGate.objects.filter(key=key, count__lt=budget).update(count=F("count") + 1):
        raise BudgetExhausted(f"daily budget of {budget} SMS spent")


def spent_today() -> int:
    key = f"day:{timezone.localdate(clock.now()).isoformat()}"
    gate = SendGate.objects.filter(key=key).first()
    return gate.count if gate else 0
