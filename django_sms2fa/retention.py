"""Delete challenges, security events and gate rows past their retention, in
batches: each batch is one short transaction over at most ``batch_size`` rows,
so memory stays flat and no long lock blocks logins meanwhile.

Retention is bounded below by ``MIN_RETENTION_DAYS``: the lockout reads the
security log of the past day (earlier lockouts double the next one), and the
per-phone limits read recent challenges, so shorter retention would weaken them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import connections, router, transaction
from django.db.models import QuerySet

from . import clock
from .conf import app_settings
from .models import Challenge, SecurityEvent, SendGate

MIN_RETENTION_DAYS = 2


def cutoff(days: float) -> datetime:
    if not math.isfinite(days) or days < MIN_RETENTION_DAYS:
        raise ValueError(f"retention must be at least {MIN_RETENTION_DAYS} days, not {days:g}")
    try:
        return clock.now() - timedelta(days=days)
    except OverflowError:  # further back than datetime reaches
        raise ValueError(f"retention of {days:g} days reaches before year 1") from None


def expired_challenges(days: float | None = None) -> QuerySet[Challenge]:
    days = app_settings.CHALLENGE_RETENTION_DAYS if days is None else days
    return Challenge.objects.filter(created_at__lt=cutoff(days))


def old_events(days: float | None = None) -> QuerySet[SecurityEvent]:
    days = app_settings.EVENT_RETENTION_DAYS if days is None else days
    return SecurityEvent.objects.filter(created_at__lt=cutoff(days))


def idle_gates(days: float | None = None) -> QuerySet[SendGate]:
    """Gate and daily-budget rows nobody touched within the challenge retention."""
    days = app_settings.CHALLENGE_RETENTION_DAYS if days is None else days
    return SendGate.objects.filter(touched_at__lt=cutoff(days))


def purge(queryset: QuerySet, batch_size: int = 20000) -> Iterator[int]:
    """Delete the rows of ``queryset`` (filtered on ``created_at`` or ``touched_at``
    as above) oldest first, batch by batch; yield each batch's count.

    A batch is bounded by a timestamp rather than a list of keys: the DELETE
    (and, for challenges, the UPDATE unlinking their events) then reads an
    index range instead of parsing thousands of keys. Rows sharing the
    boundary's timestamp go in the same batch, so every batch makes progress.
    """
    model = queryset.model
    db = router.db_for_write(model)
    column = "created_at" if model is not SendGate else "touched_at"
    while True:
        boundary = (
            queryset.order_by(column).values_list(column, flat=True)[batch_size - 1:batch_size]
            .first()
        )
        batch = queryset if boundary is None else queryset.filter(**{f"{column}__lte": boundary})
        with transaction.atomic(using=db):
            connection = connections[db]
            if connection.vendor == "postgresql":
                # A delete lost in a crash is simply redone by the next run: no
                # need to wait for the disk at each batch's commit.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            if model is Challenge:
                # Events outlive their challenge (SET_NULL); done in one UPDATE so
                # the delete needs no collector fetching every row first.
                SecurityEvent.objects.using(db).filter(
                    challenge__in=batch.values("pk")
                ).update(challenge=None)
            deleted = batch._raw_delete(db)
        if deleted:
            yield deleted
        if boundary is None:
            return
