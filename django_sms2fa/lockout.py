"""Per-user lockout after consecutive wrong codes, counted in the database.

Wrong codes and recovery codes count from the user's last success, unlock or
lockout: there is no time window for a patient attacker to wait out. Reaching
``SMS2FA_LOCKOUT_FAILURES`` locks code sign-in for ``SMS2FA_LOCKOUT_DURATION``,
doubled for each earlier lockout in the past day (at most a day). An attempt
counts, and the lockout it earns is written, in the transaction that claims it,
under the user's gate row: the count is exact across processes and hosts, and
survives any cache flush. A correct code takes no gate: its claim refuses
itself, in the same UPDATE, while a lockout holds (``statements.lockout_end``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from . import clock, events, gates, language, mail, signals
from .conf import app_settings
from .models import Challenge, Phone, SecurityEvent
from .notices import send_notice

FAILURE_KINDS = (SecurityEvent.Kind.WRONG_CODE, SecurityEvent.Kind.WRONG_RECOVERY_CODE)


#: Log entries after which failures count afresh; a verified code (the
#: challenge's ``verified_at``) is the other.
ANCHOR_KINDS = (
    SecurityEvent.Kind.VERIFIED,  # by earlier versions; a verified code is its challenge now
    SecurityEvent.Kind.RECOVERY_CODE_USED,
    SecurityEvent.Kind.UNLOCKED,
    SecurityEvent.Kind.LOCKED_OUT,
)
MAX_LOCKOUT = timedelta(days=1)


def _holding(user_ref: Any, now: datetime) -> QuerySet:
    """Lockouts of the user ``user_ref`` (an id or an ``OuterRef``) that last past
    ``now`` and that no admin lifted since."""
    lifted = SecurityEvent.objects.filter(
        user_id=OuterRef("user_id"), kind=SecurityEvent.Kind.UNLOCKED,
        created_at__gte=OuterRef("created_at"),
    )
    return (
        SecurityEvent.objects.filter(user_id=user_ref, kind=SecurityEvent.Kind.LOCKED_OUT,
                                     until__gt=now)
        .exclude(Exists(lifted)).order_by("-until").values("until")
    )


def locked_until(user_id: Any) -> datetime | None:
    """When the user's lockout ends, or None if they are not locked out."""
    if user_id is None:
        return None
    held = _holding(user_id, clock.now()).first()
    return held["until"] if held is not None else None


def _anchor(user_id: Any) -> datetime | None:
    """Since when failures count: the latest success, unlock or lockout."""
    event = (
        SecurityEvent.objects.filter(user_id=user_id, kind__in=ANCHOR_KINDS)
        .order_by("-created_at").values_list("created_at", flat=True).first()
    )
    verified = (
        Challenge.objects.filter(user_id=user_id, status=Challenge.Status.VERIFIED)
        .order_by("-verified_at").values_list("verified_at", flat=True).first()
    )
    return max((t for t in (event, verified) if t is not None), default=None)


def _lockout_length(user_id: Any) -> timedelta:
    since = clock.now() - timedelta(days=1)
    earlier = SecurityEvent.objects.filter(
        user_id=user_id, kind=SecurityEvent.Kind.LOCKED_OUT, created_at__gte=since
    ).count()
    return min(timedelta(seconds=app_settings.LOCKOUT_DURATION) * 2**earlier, MAX_LOCKOUT)


@dataclass(frozen=True)
class Gate:
    """The user's gate row, held until the transaction ends, and the lockout
    state read under it: no other attempt of this user can count meanwhile."""

    user_id: Any
    locked_until: datetime | None
    anchor: datetime | None


def take_gate(user_id: Any) -> Gate:
    """Hold ``user_id``'s gate row; call inside the transaction that claims a
    failed attempt."""
    gates.lock(f"user:{user_id}", clock.now())
    return Gate(user_id, locked_until(user_id), _anchor(user_id))


@dataclass(frozen=True)
class Failure:
    """A failed attempt as written under the gate, with the lockout it earned."""

    event: SecurityEvent
    lockout: SecurityEvent | None = None

    @property
    def until(self) -> datetime | None:
        return self.lockout.until if self.lockout is not None else None


def record_failure(
    gate: Gate,
    kind: str,
    *,
    challenge: Challenge | None = None,
    request: HttpRequest | None = None,
    detail: str = "",
) -> Failure:
    """Write a failed attempt under ``gate``, and the lockout it earns in the same
    transaction, so that however many attempts race, exactly
    ``SMS2FA_LOCKOUT_FAILURES`` of them count before the lockout holds.

    Codes are checked before their attempt is claimed: an attempt that finds the
    user locked out under the gate is refused whatever it was worth.
    """
    failures = SecurityEvent.objects.filter(user_id=gate.user_id, kind__in=FAILURE_KINDS)
    if gate.anchor is not None:
        failures = failures.filter(created_at__gt=gate.anchor)
    count = failures.count() + 1
    event = events.write(kind, user=gate.user_id, challenge=challenge, request=request,
                         detail=detail)
    if count < app_settings.LOCKOUT_FAILURES:
        return Failure(event)
    until = clock.now() + _lockout_length(gate.user_id)
    lockout = events.write(
        SecurityEvent.Kind.LOCKED_OUT, user=gate.user_id, challenge=challenge,
        request=request, detail=f"until {until:%Y-%m-%d %H:%M:%S %Z}", until=until,
    )
    return Failure(event, lockout)


def announce(failure: Failure, request: HttpRequest | None = None) -> None:
    """After the transaction: publish the failure, and tell of the lockout it earned."""
    events.publish(failure.event, request)
    if failure.lockout is None:
        return
    events.publish(failure.lockout, request)
    users = get_user_model()._default_manager
    user = users.filter(pk=failure.event.user_id).first() if failure.event.user_id else None
    until = failure.lockout.until
    signals.user_locked_out.send(get_user_model(), user=user, until=until, request=request)
    if user is not None and until is not None and app_settings.NOTIFY_ON_LOCKOUT:
        notify_locked_out(user, until)


def unlock(user: Any, *, actor: str, request: HttpRequest | None = None) -> None:
    """Lift a user's lockout now (an admin action); earlier failures stop counting."""
    events.record(SecurityEvent.Kind.UNLOCKED, user=user, request=request, detail=f"by {actor}")


def notify_locked_out(user: Any, until: datetime) -> None:
    """Tell the user, in their language: someone who knows their password may be
    trying codes. By e-mail, else by SMS to their confirmed phone."""
    if mail.send_to_user(user, "locked_out", {"until": until}):
        return
    phone = Phone.objects.filter(user=user, confirmed=True).first()
    if phone is not None:
        with language.for_phone(phone):
            text = lockout_sms(until)
        send_notice(phone.number, text)


def lockout_sms(until: datetime) -> str:
    """The lockout notice by SMS, in the active language; short enough for one SMS."""
    text = _(
        "Several wrong codes were entered for your account, so sign-in with a code is "
        "blocked until %(time)s. If this was not you, change your password."
    ) % {"time": date_format(timezone.localtime(until), "H:i T")}
    site = app_settings.SITE_NAME or app_settings.DOMAIN
    return f"{site}: {text}" if site else text
