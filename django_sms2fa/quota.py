"""The SMS-pumping guard and the site's daily budget, counted in the database
(the challenge rows themselves), so that a cache flush or a Redis restart
mid-attack resets nothing.

``reserve_send`` runs inside the transaction that inserts the challenge. It
locks the phone's gate row (see ``gates``), so concurrent sends to one number
from any process are counted one after the other and the per-phone limits hold
exactly. Nothing site-wide is locked: sends to different phones never wait for
each other. The daily hard caps count today's challenges instead; sends that
run at the same moment do not see each other's uncommitted rows, so a cap can
be passed by at most the number of sends in flight at once (one per worker
thread), the documented tolerance.

The hard caps are for codes to numbers nobody has confirmed, where SMS pumping
pays; login and step-up codes to confirmed phones raise alerts as the day's
count passes the budget, and are refused only if the site asks for a hard cap
(``SMS2FA_DAILY_BUDGET_HARD_CAP``): otherwise anyone able to spend the budget
could lock every user out. See SECURITY.md.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.cache import caches
from django.db.models import F, Q
from django.utils import timezone

from . import alerts, clock, gates, statements
from .conf import app_settings
from .exceptions import BudgetExhausted, RegionNotAllowed, ResendTooSoon, SendRateLimited
from .limits import parse_rate
from .models import Challenge, SendGate

logger = logging.getLogger(__name__)

#: Fractions of ``SMS2FA_DAILY_SMS_BUDGET`` at which the day's count raises an alert.
BUDGET_ALERTS = (0.5, 1, 2, 3, 5, 10)
_SENT = ~Q(delivery=Challenge.Delivery.FAILED)
#: Seconds between two counts of the codes that were never verified.
UNVERIFIED_CHECK_EVERY = 60


def check_region(number: str) -> None:
    """Refuse numbers outside ``SMS2FA_ALLOWED_REGIONS`` (SMS pumping targets abroad)."""
    region = _region(number)
    if region not in app_settings.ALLOWED_REGIONS:
        raise RegionNotAllowed(f"region {region} not allowed")


@lru_cache(maxsize=1024)
def _region(number: str) -> str | None:
    # Parsing costs more than the rest of a send's checks; a login sends to the
    # same few numbers again and again.
    return phonenumbers.region_code_for_number(phonenumbers.parse(number, None))


def reserve_send(phone_key: str, *, user_id: Any, to_confirmed: bool, purpose: str) -> datetime:
    """Count one SMS to the phone ``phone_key`` (for ``user_id``, None for a
    number that belongs to nobody) or raise; return the time of the send, read
    once the phone's gate is held. Call inside ``transaction.atomic()``
    together with the insert of the challenge.

    - Sends to a user's confirmed phone and to numbers being enrolled or checked
      are limited apart (``SMS2FA_SEND_RATE_PHONE``, ``SMS2FA_ENROLL_RATE_PHONE``),
      so enrolling someone else's number cannot use up their login codes.
    - A code for the same purpose to the same phone waits ``SMS2FA_RESEND_COOLDOWN``,
      whichever session asks; a used code, or one the gateway surely did not
      take, starts no wait.
    - Per 24 hours, across purposes: ``SMS2FA_DAILY_LIMIT_PHONE`` codes to one
      phone, ``SMS2FA_DAILY_LIMIT_USER`` codes for one user.
    - Today's hard caps (see the module's docstring).
    """
    rate = app_settings.SEND_RATE_PHONE if to_confirmed else app_settings.ENROLL_RATE_PHONE
    limit, seconds = parse_rate(rate)
    gates.lock(f"phone:{phone_key}", clock.now())
    now = clock.now()
    # The phone's and the user's codes of the last 24 hours (a few dozen rows at
    # most, bounded by the limits themselves), counted here: one short query,
    # cheaper to build than the same counts as filtered aggregates in SQL.
    rows = statements.send_window(phone_key, user_id, now - timedelta(days=1))
    counts = _count(rows, phone_key, to_confirmed, purpose, now, seconds)
    if counts["latest"] is not None:
        wait = app_settings.RESEND_COOLDOWN - (now - counts["latest"]).total_seconds()
        if wait > 0:
            raise ResendTooSoon(int(wait + 0.999))
    if counts["recent"] >= limit:
        raise SendRateLimited(f"{counts['recent']} codes to this phone in {seconds} s")
    _daily_limit(counts["phone_day"], app_settings.DAILY_LIMIT_PHONE, "this phone")
    if user_id is not None:
        _daily_limit(counts["user_day"], app_settings.DAILY_LIMIT_USER, "this user")
    if not to_confirmed:
        _hard_cap(Q(to_confirmed=False), app_settings.DAILY_UNCONFIRMED_BUDGET,
                  "day-unconfirmed", now)
    if not to_confirmed or app_settings.DAILY_BUDGET_HARD_CAP:
        _hard_cap(Q(), app_settings.DAILY_SMS_BUDGET, "day", now)
    return now


def _count(rows: Any, phone_key: str, to_confirmed: bool, purpose: str,
           now: datetime, seconds: int) -> dict[str, Any]:
    cooldown_start = now - timedelta(seconds=app_settings.RESEND_COOLDOWN)
    window_start = now - timedelta(seconds=seconds)
    counts: dict[str, Any] = {"latest": None, "recent": 0, "phone_day": 0, "user_day": 0}
    for key, users, confirmed, code_purpose, status, delivery, created in rows:
        sent = delivery != Challenge.Delivery.FAILED
        if users and sent:
            counts["user_day"] += 1
        if key != phone_key:
            continue
        counts["phone_day"] += sent
        if confirmed != to_confirmed:
            continue
        counts["recent"] += created > window_start
        if (sent and status != Challenge.Status.VERIFIED and code_purpose == purpose
                and created > cooldown_start
                and (counts["latest"] is None or created > counts["latest"])):
            counts["latest"] = created
    return counts


def take_budget(now: datetime | None = None) -> None:
    """Count an SMS without a code (``sms2fa_send_test``) against today's
    ``SMS2FA_DAILY_SMS_BUDGET``, or raise ``BudgetExhausted`` if it is spent.
    Such an SMS has no challenge row, so it is counted on the day's gate row
    ("day-extra:<date>"), taken here: call inside ``transaction.atomic()``."""
    now = now or clock.now()
    key = f"day-extra:{_today(now)}"
    gates.lock(key, now)
    budget = app_settings.DAILY_SMS_BUDGET
    if budget is not None and spent_today(now) >= budget:
        raise BudgetExhausted(f"budget day:{_today(now)} of {budget} SMS spent")
    if not SendGate.objects.filter(key=key).update(count=F("count") + 1):
        # No row yet (the lock needed none): the first such SMS of the day.
        SendGate.objects.create(key=key, touched_at=now, count=1)


def _daily_limit(count: int, limit: int | None, whose: str) -> None:
    if limit is not None and count >= limit:
        raise SendRateLimited(f"{count} codes to {whose} in 24 h")


def _day_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _hard_cap(scope: Q, budget: int | None, name: str, now: datetime) -> None:
    if budget is None:
        return
    if scope:
        spent = Challenge.objects.filter(scope, _SENT, created_at__gte=_day_start(now)).count()
    else:
        spent = spent_today(now)
    if spent >= budget:
        raise BudgetExhausted(f"budget {name}:{_today(now)} of {budget} SMS spent")


def _today(now: datetime) -> str:
    return timezone.localdate(now).isoformat()


def spent_today(now: datetime | None = None) -> int:
    """SMS sent today: codes (all but those the gateway surely did not take) and
    the SMS without a code that ``take_budget`` counted."""
    now = now or clock.now()
    codes = Challenge.objects.filter(_SENT, created_at__gte=_day_start(now)).count()
    extra = SendGate.objects.filter(key=f"day-extra:{_today(now)}").values_list("count", flat=True)
    return codes + sum(extra)


def sent(challenge: Challenge) -> None:
    """After a code may have gone out: the alerts of the daily budget and of codes
    that were never verified. The day's count is kept in the rate-limit cache
    and checked against the database when it reaches a threshold, so a send
    costs no query for it; a flushed cache only re-reads the count."""
    now = clock.now()
    try:
        count = _count_sent_today(now)
    except Exception:  # the cache is down: the limits already refuse sends
        logger.exception("sms2fa: the daily SMS count could not reach the cache")
        return
    budget = app_settings.DAILY_SMS_BUDGET
    if budget:
        for fraction in BUDGET_ALERTS:
            threshold = math.ceil(budget * fraction)
            if count == threshold:
                _budget_alert(threshold, budget, now)
    rule = app_settings.UNVERIFIED_ALERT
    if rule and _due(f"sms2fa:unverified-check:{rule[1]}", now):
        _unverified_alert(rule[0], rule[1], now)


def _cache() -> Any:
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def _due(key: str, now: datetime) -> bool:
    """True at most once a minute, site-wide: the count of unverified codes is a
    query over the last window, not something every send should pay for."""
    cache, stamp = _cache(), now.timestamp()
    last = cache.get(key)
    if last is not None and stamp - last < UNVERIFIED_CHECK_EVERY:
        return False
    cache.set(key, stamp, timeout=2 * UNVERIFIED_CHECK_EVERY)
    return True


def _count_sent_today(now: datetime) -> int:
    cache = _cache()
    key = f"sms2fa:sent:{_today(now)}"
    try:
        return cache.incr(key)
    except ValueError:  # not counted yet today, or the cache was flushed
        cache.add(key, spent_today() - 1, timeout=2 * 86400)
        return cache.incr(key)


def _budget_alert(threshold: int, budget: int, now: datetime) -> None:
    spent = spent_today()
    if spent < threshold:
        return
    alerts.fire(
        f"sms2fa alert: daily SMS budget {_today(now)} at {threshold}",
        f"{spent} SMS sent today, budget {budget} (login codes to confirmed phones are "
        "not refused unless SMS2FA_DAILY_BUDGET_HARD_CAP is set)",
        since=_day_start(now), kind="daily_budget", count=spent, seconds=86400,
    )


def unverified_since(since: datetime, now: datetime) -> int:
    """Codes sent since ``since`` that ended without being verified: expired,
    replaced, or out of attempts."""
    return Challenge.objects.filter(_SENT, created_at__gte=since).exclude(
        status=Challenge.Status.VERIFIED
    ).filter(Q(expires_at__lte=now) | ~Q(status=Challenge.Status.PENDING)).count()


def _unverified_alert(threshold: int, seconds: int, now: datetime) -> None:
    since = now - timedelta(seconds=seconds)
    count = unverified_since(since, now)
    if count >= threshold:
        alerts.fire(
            "sms2fa alert: codes sent and never verified",
            f"{count} codes sent in the last {seconds} s were never verified "
            "(SMS pumping, or a broken second step)",
            since=since, kind="unverified_codes", count=count, seconds=seconds,
        )
