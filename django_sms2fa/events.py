"""Write the security event log; every entry also goes out as ``security_event``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import alerts, clock, signals
from .limits import client_ip
from .models import Challenge, SecurityEvent


def record(
    kind: str,
    *,
    user: Any = None,
    challenge: Challenge | None = None,
    request: HttpRequest | None = None,
    phone_masked: str = "",
    detail: str = "",
) -> SecurityEvent:
    """Write an entry and announce it (``security_event`` signal, alert rules)."""
    event = write(kind, user=user, challenge=challenge, request=request,
                  phone_masked=phone_masked, detail=detail)
    publish(event, request)
    return event


def publish(event: SecurityEvent, request: HttpRequest | None) -> None:
    signals.security_event.send(SecurityEvent, event=event, request=request)
    alerts.check(event)


def write(
    kind: str,
    *,
    user: Any = None,
    challenge: Challenge | None = None,
    request: HttpRequest | None = None,
    phone_masked: str = "",
    detail: str = "",
    until: Any = None,
) -> SecurityEvent:
    """Write an entry without announcing it yet: inside a transaction that may
    still roll back (see ``lockout``), ``publish`` once it has committed."""
    if challenge is not None:
        user = user if user is not None else challenge.user_id
        phone_masked = phone_masked or challenge.phone_masked
    user_id = getattr(user, "pk", user)
    return SecurityEvent.objects.create(
        kind=kind,
        user_id=user_id,
        challenge=challenge,
        phone_masked=phone_masked,
        ip=(client_ip(request) or None) if request is not None else None,
        user_agent=_user_agent(request),
        detail=detail[:255],
        until=until,
        created_at=clock.now(),
    )


def _user_agent(request: HttpRequest | None) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else ""
