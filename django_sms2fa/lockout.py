"""Per-user lockout after consecutive wrong codes, counted in the database.

Wrong codes and recovery codes count from the user's last success, unlock or
lockout: there is no time window for a patient attacker to wait out. Reaching
``SMS2FA_LOCKOUT_FAILURES`` locks code sign-in for ``SMS2FA_LOCKOUT_DURATION``,
doubled for each earlier lockout in the past day (at most a day). An attempt is
counted as a failure when it is claimed, under the user's gate row, so the count
is exact across processes and hosts, and survives any cache flush.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.http import HttpRequest

from . import clock, events, gates, signals
from .conf import app_settings
from .models import Challenge, Phone, SecurityEvent

logger = logging.getLogger(__name__)

FAILURE_KINDS = (SecurityEvent.Kind.WRONG_CODE, SecurityEvent.Kind.WRONG_RECOVERY_CODE)


#: Entries after which failures count afresh.
ANCHOR_KINDS = (
    SecurityEvent.Kind.VERIFIED,
    SecurityEvent.Kind.RECOVERY_CODE_USED,
    SecurityEvent.Kind.UNLOCKED,
    SecurityEvent.Kind.LOCKED_OUT,
)
MAX_LOCKOUT = timedelta(days=1)


def _anchor(user_id: Any) -> dict | None:
    return (
        SecurityEvent.objects.filter(user_id=user_id, kind__in=ANCHOR_KINDS)
        .order_by("-created_at", "-pk")
        .values("kind", "created_at", "until")
        .first()
    )


def _locked(anchor: dict | None) -> datetime | None:
    if anchor is None or anchor["kind"] != SecurityEvent.Kind.LOCKED_OUT:
        return None
    until = anchor["until"]
    return until if until is not None and until > clock.now() else None


def locked_until(user_id: Any) -> datetime | None:
    """When the user's lockout ends, or None if they are not locked out."""
    if user_id is None:
        return None
    return _locked(_anchor(user_id))


def _lockout_length(user_id: Any) -> timedelta:
    since = clock.now() - timedelta(days=1)
    earlier = SecurityEvent.objects.filter(
        user_id=user_id, kind=SecurityEvent.Kind.LOCKED_OUT, created_at__gte=since
    ).count()
    return min(timedelta(seconds=app_settings.LOCKOUT_DURATION) * 2**earlier, MAX_LOCKOUT)


@dataclass(frozen=True)
class Attempt:
    """A claimed attempt: counted as a failure until ``settle`` says it succeeded."""

    event: SecurityEvent
    #: This attempt, if it fails, is the one that locks the user out.
    locks: bool


def claim_attempt(
    kind: str,
    *,
    user_id: Any,
    challenge: Challenge | None = None,
    request: HttpRequest | None = None,
) -> Attempt | None:
    """Count an attempt of ``kind`` as a failure before the code is checked, or
    return None if the user is locked out.

    Must run in the transaction that claims the attempt. The user's gate row
    makes the count and the insert one step for all processes, so however many
    attempts race, exactly ``SMS2FA_LOCKOUT_FAILURES`` of them are checked.
    """
    gates.lock(f"user:{user_id}", clock.now())
    anchor = _anchor(user_id)
    if _locked(anchor) is not None:
        return None
    failures = SecurityEvent.objects.filter(user_id=user_id, kind__in=FAILURE_KINDS)
    if anchor is not None:
        failures = failures.filter(created_at__gt=anchor["created_at"])
    failures = failures.count()
    # The attempts that reached the limit are still being checked: refuse the rest.
    if failures >= app_settings.LOCKOUT_FAILURES:
        return None
    event = events.write(kind, user=user_id, challenge=challenge, request=request)
    return Attempt(event, locks=failures + 1 >= app_settings.LOCKOUT_FAILURES)


def settle(
    attempt: Attempt,
    ok: bool,
    *,
    ok_kind: str,
    request: HttpRequest | None = None,
    detail: str = "",
) -> datetime | None:
    """Record how a claimed attempt ended; return the lockout's end if it locked the user."""
    event = attempt.event
    if ok:
        event.kind, event.detail = ok_kind, detail[:255]
        event.save(update_fields=["kind", "detail"])
        events.publish(event, request)
        return None
    if detail:
        event.detail = detail[:255]
        event.save(update_fields=["detail"])
    events.publish(event, request)
    if not attempt.locks:
        return None
    until = clock.now() + _lockout_length(event.user_id)
    locked = events.write(
        SecurityEvent.Kind.LOCKED_OUT, user=event.user_id, challenge=event.challenge,
        request=request, detail=f"until {until:%Y-%m-%d %H:%M:%S %Z}", until=until,
    )
    events.publish(locked, request)
    user = get_user_model()._default_manager.filter(pk=event.user_id).first()
    signals.user_locked_out.send(get_user_model(), user=user, until=until, request=request)
    if user is not None and app_settings.NOTIFY_ON_LOCKOUT:
        notify_locked_out(user, until)
    return until


def unlock(user: Any, *, actor: str) -> None:
    """Lift a user's lockout now (an admin action); earlier failures stop counting."""
    events.record(SecurityEvent.Kind.UNLOCKED, user=user, detail=f"by {actor}")


def notify_locked_out(user: Any, until: datetime) -> None:
    """Tell the user: someone who knows their password may be trying codes."""
    from .enrollment import send_notice  # enrollment imports this module

    text = (
        "Several wrong sign-in codes were entered for your account, so sign-in with a "
        f"code is blocked until {until:%H:%M} UTC. If this was not you, change your password."
    )
    email = getattr(user, "email", "")
    if email:
        try:
            send_mail("Sign-in blocked after wrong codes", text, None, [email])
            return
        except Exception:
            logger.exception("sms2fa: lockout email failed")
    phone = Phone.objects.filter(user=user, confirmed=True).first()
    if phone is not None:
        send_notice(phone.number, text)
