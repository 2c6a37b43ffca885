"""Daily figures for the admin's dashboard: codes sent and verified, wrong codes
and gateway failures from the challenge rows; lockouts and refused sends from the
security log; SMS spent: the day's codes and the budget's counters of SMS without a code.

Days are the site's local days. A day that ended more than ``SETTLE`` (15 minutes) ago no
longer changes (its codes have expired), so its figures are computed once and
kept in the cache: a dashboard view reads the index only for the days not kept
yet, which after the first view is today alone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Left, StrIndex, TruncDate
from django.utils import timezone

from . import clock
from .models import Challenge, SecurityEvent, SendGate

#: After this long past its end a day's codes have expired (5 minutes by
#: default) and its figures are settled.
SETTLE = dt.timedelta(minutes=15)
#: How long settled figures stay in the cache (past the dashboard's window).
KEEP_SECONDS = 40 * 86400
CACHE_PREFIX = "sms2fa:stats:v1:"

REFUSAL_KINDS = (SecurityEvent.Kind.SEND_RATE_LIMITED, SecurityEvent.Kind.SEND_REFUSED)
NOT_SENT = (Challenge.Delivery.FAILED, Challenge.Delivery.SKIPPED)
GATEWAY_FAILED = (Challenge.Delivery.FAILED, Challenge.Delivery.UNKNOWN)


@dataclass
class DayFigures:
    day: dt.date
    sent: int = 0
    verified: int = 0
    wrong_codes: int = 0
    gateway_failures: int = 0
    lockouts: int = 0
    #: Refused sends by reason (the refusal's class name: ``BudgetExhausted``, ...).
    refused: dict[str, int] = field(default_factory=dict)
    #: SMS counted against the day's budget (codes and test SMS), None if unknown.
    spent: int | None = None

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


def daily_figures(days: int = 30) -> list[DayFigures]:
    """The figures of the last ``days`` local days, oldest first, today included."""
    now = clock.now()
    today = timezone.localdate(now)
    wanted = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    kept = cache.get_many([CACHE_PREFIX + d.isoformat() for d in wanted])
    figures = {d: _from_cache(kept[CACHE_PREFIX + d.isoformat()]) for d in wanted
               if CACHE_PREFIX + d.isoformat() in kept}
    missing = [d for d in wanted if d not in figures]
    if missing:
        computed = _compute(missing[0], today)
        settled = {}
        for day in missing:
            figures[day] = computed.get(day) or DayFigures(day)
            if _start(day + dt.timedelta(days=1)) + SETTLE <= now:
                settled[CACHE_PREFIX + day.isoformat()] = _to_cache(figures[day])
        cache.set_many(settled, KEEP_SECONDS)
    extra = _extra(wanted)
    for day in wanted:
        # The budget counts the day's codes (its "Sent") and the SMS without a
        # code that ``quota.take_budget`` counted (test SMS).
        figures[day].spent = figures[day].sent + extra.get(day, 0)
    return [figures[d] for d in wanted]


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _compute(first: dt.date, last: dt.date) -> dict[dt.date, DayFigures]:
    """Figures of every day from ``first`` to ``last``: one grouped query per log."""
    since, until = _start(first), _start(last + dt.timedelta(days=1))
    tz = timezone.get_current_timezone()
    figures: dict[dt.date, DayFigures] = {}
    rows = (
        Challenge.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at", tzinfo=tz)).order_by().values("day")
        .annotate(
            sent=Count("pk", filter=~Q(delivery__in=NOT_SENT)),
            verified=Count("pk", filter=Q(status=Challenge.Status.VERIFIED)),
            wrong_codes=Sum("failures"),
            gateway_failures=Count("pk", filter=Q(delivery__in=GATEWAY_FAILED)),
        )
    )
    for row in rows:
        day = figures.setdefault(row["day"], DayFigures(row["day"]))
        day.sent, day.verified = row["sent"], row["verified"]
        day.wrong_codes, day.gateway_failures = row["wrong_codes"] or 0, row["gateway_failures"]
    refusals = (
        SecurityEvent.objects.filter(
            kind__in=(SecurityEvent.Kind.LOCKED_OUT, *REFUSAL_KINDS),
            created_at__gte=since, created_at__lt=until,
        )
        .annotate(colon=StrIndex("detail", Value(":")))
        .annotate(day=TruncDate("created_at", tzinfo=tz),
                  reason=Case(When(colon__gt=1, then=Left("detail", F("colon") - 1)),
                              default=Value("")))
        .order_by().values("day", "kind", "reason").annotate(n=Count("pk"))
    )
    for event in refusals:
        day = figures.setdefault(event["day"], DayFigures(event["day"]))
        if event["kind"] == SecurityEvent.Kind.LOCKED_OUT:
            day.lockouts += event["n"]
        else:
            reason = refusal_reason(event["kind"], event["reason"])
            day.refused[reason] = day.refused.get(reason, 0) + event["n"]
    return figures


def refusal_reason(kind: str, prefix: str | None) -> str:
    """The reason a refused send is counted under: the refusal's class name as the
    log entry's detail begins with it, or its kind when the detail says none."""
    prefix = (prefix or "").strip()
    if prefix.isidentifier():
        return prefix
    return "SendRateLimited" if kind == SecurityEvent.Kind.SEND_RATE_LIMITED else "SendRefused"


def _extra(days: list[dt.date]) -> dict[dt.date, int]:
    keys = {f"day-extra:{d.isoformat()}": d for d in days}
    return {keys[key]: count for key, count in
            SendGate.objects.filter(key__in=keys).values_list("key", "count")}


def reasons(figures: list[DayFigures]) -> list[str]:
    """Every refusal reason in ``figures``, most frequent first."""
    totals: Counter[str] = Counter()
    for day in figures:
        totals.update(day.refused)
    return [reason for reason, _ in totals.most_common()]


def _to_cache(figures: DayFigures) -> dict[str, Any]:
    return {"day": figures.day.isoformat(), "sent": figures.sent, "verified": figures.verified,
            "wrong_codes": figures.wrong_codes, "gateway_failures": figures.gateway_failures,
            "lockouts": figures.lockouts, "refused": figures.refused}


def _from_cache(data: dict[str, Any]) -> DayFigures:
    return DayFigures(**{**data, "day": dt.date.fromisoformat(data["day"])})
