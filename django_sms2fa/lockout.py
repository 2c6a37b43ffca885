"""Per-user lockout after repeated wrong codes, counted in the database.

Every wrong code or recovery code is a row in the security log, so the count
is exact across processes and hosts and survives a cache flush.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q
from django.http import HttpRequest

from . import clock, events, signals
from .conf import app_settings
from .models import Challenge, SecurityEvent

FAILURE_KINDS = (SecurityEvent.Kind.WRONG_CODE, SecurityEvent.Kind.WRONG_RECOVERY_CODE)


def locked_until(user_id: Any) -> datetime | None:
    """When the user's lockout ends, or None if they are not locked out."""
    if user_id is None:
        return None
    duration = timedelta(seconds=app_settings.LOCKOUT_DURATION)
    since = clock.now() - duration
    events = SecurityEvent.objects.filter(user_id=user_id, created_at__gte=since)
    unlocked = events.filter(kind=SecurityEvent.Kind.UNLOCKED).aggregate(at=Max("created_at"))["at"]
    if unlocked is not None:
        events = events.filter(created_at__gt=unlocked)
    totals = events.aggregate(
        failures=Count("pk", filter=Q(kind__in=FAILURE_KINDS)),
        last=Max("created_at", filter=Q(kind__in=FAILURE_KINDS)),
    )
    if totals["failures"] < app_settings.LOCKOUT_FAILURES:
        return None
    return totals["last"] + duration


def record_failure(
    kind: str,
    *,
    user_id: Any,
    challenge: Challenge | None = None,
    request: HttpRequest | None = None,
    detail: str = "",
) -> datetime | None:
    """Log a wrong code of ``kind``; return the lockout's end if the user is now locked out."""
    events.record(kind, user=user_id, challenge=challenge, request=request, detail=detail)
    until = locked_until(user_id)
    if until is not None:
        events.record(
            SecurityEvent.Kind.LOCKED_OUT, user=user_id, challenge=challenge, request=request,
            detail=f"until {until:%Y-%m-%d %H:%M:%S %Z}",
        )
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        signals.user_locked_out.send(get_user_model(), user=user, until=until, request=request)
    return until


def unlock(user: Any, *, actor: str) -> None:
    """Lift a user's lockout now (an admin action); earlier failures stop counting."""
    events.record(SecurityEvent.Kind.UNLOCKED, user=user, detail=f"by {actor}")
