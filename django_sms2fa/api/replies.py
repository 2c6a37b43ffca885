"""The one shape of every answer, and the machine codes of its errors.

    {"state": "code_required", "user": null, "challenge": {...},
     "errors": [{"code": "invalid_code", "field": "code", "message": "...",
                 "attempts_left": 3}],
     "data": {}, "session_token": "..."}

``state`` is where the flow stands after the request; ``errors`` say why the
request did not do what it asked, each with a stable ``code``; the HTTP status
matches (400 input, 401 not signed in, 403 forbidden, 409 the flow's state,
413 too large, 429 and 503 with ``Retry-After``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from .. import clock
from ..challenges import Outcome, Verification
from ..conf import app_settings
from ..exceptions import (
    BudgetExhausted,
    CircuitOpen,
    LimitsUnavailable,
    LockedOut,
    RegionNotAllowed,
    ResendTooSoon,
    SendError,
    SendRateLimited,
)
from ..limits import parse_rate
from ..views import messages


class ApiError(Exception):
    """An answer with one error: raised anywhere in an endpoint, answered by the base view."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None,
                 retry_after: int | None = None, **extra: Any) -> None:
        super().__init__(code)
        self.status = status
        self.error: dict[str, Any] = {"code": code, "message": str(message), "field": field}
        if retry_after is not None:
            self.error["retry_after"] = retry_after
        self.error.update(extra)
        self.retry_after = retry_after
        #: Further errors of the same request (every bad field at once).
        self.more: list[dict[str, Any]] = []


@dataclass
class Reply:
    status: int = 200
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    retry_after: int | None = None
    #: Sets a cookie on the answer (browser clients only: "remember this browser").
    on_response: Callable[[HttpResponse], None] | None = None


def seconds_until(moment: datetime | None) -> int:
    if moment is None:
        return 0
    return max(1, math.ceil((moment - clock.now()).total_seconds()))


def _window(*rates: str) -> int:
    """An upper bound of the wait for a django-ratelimit counter: its longest period."""
    return max(parse_rate(rate)[1] for rate in rates)


def locked(until: datetime | None, field: str | None = None) -> ApiError:
    wait = seconds_until(until)
    return ApiError(429, "locked", messages.locked(until), field=field, retry_after=wait)


def verify_rate_limited(field: str | None = None) -> ApiError:
    wait = _window(app_settings.VERIFY_RATE_USER, app_settings.VERIFY_RATE_IP)
    return ApiError(429, "rate_limited", messages.for_refusal(Verification(Outcome.RATE_LIMITED)),
                    field=field, retry_after=wait)


def for_refusal(result: Verification, field: str = "code") -> ApiError:
    """The error for a code check that did not verify."""
    outcome = result.outcome
    if outcome is Outcome.LOCKED:
        return locked(result.locked_until, field)
    if outcome is Outcome.RATE_LIMITED:
        return verify_rate_limited(field)
    message = messages.for_refusal(result)
    if outcome is Outcome.WRONG:
        return ApiError(400, "invalid_code", message, field=field,
                        attempts_left=result.attempts_left)
    if outcome is Outcome.MALFORMED:
        return ApiError(400, "invalid_format", message, field=field)
    code = {
        Outcome.EXPIRED: "expired",
        Outcome.EXHAUSTED: "attempts_exhausted",
        Outcome.USED: "code_used",
        Outcome.NOT_FOUND: "no_code",
    }[outcome]
    return ApiError(409, code, message, field=field)


def for_send_error(error: SendError) -> ApiError:
    """The error for a code that was not sent (or may not have been)."""
    message = messages.for_send_error(error)
    if isinstance(error, LockedOut):
        return locked(error.until)
    if isinstance(error, ResendTooSoon):
        return ApiError(429, "resend_cooldown", message, retry_after=error.seconds)
    if isinstance(error, SendRateLimited):
        wait = _window(app_settings.SEND_RATE_USER, app_settings.SEND_RATE_IP,
                       app_settings.SEND_RATE_PHONE)
        return ApiError(429, "rate_limited", message, retry_after=wait)
    if isinstance(error, RegionNotAllowed):
        return ApiError(400, "region_not_allowed", message)
    if isinstance(error, BudgetExhausted):
        return ApiError(503, "budget_exhausted", message, retry_after=3600)
    if isinstance(error, LimitsUnavailable):
        return ApiError(503, "service_unavailable", message, retry_after=60)
    wait = app_settings.BREAKER_COOLDOWN if isinstance(error, CircuitOpen) else 30
    return ApiError(503, "gateway_unavailable", message, retry_after=wait)


def send_outcome(error: SendError | None) -> None:
    """Raise the error of a send, unless the code may be on its way (a timeout)."""
    if error is not None and not error.may_have_been_sent:
        raise for_send_error(error)


def bad_input(field: str | None, code: str, message: str) -> ApiError:
    return ApiError(400, code, message, field=field)


def not_authenticated() -> ApiError:
    return ApiError(401, "not_authenticated", _("Sign in first."))


def no_pending_login() -> ApiError:
    return ApiError(401, "no_pending_login", _("No sign-in is waiting for a code. Start again."))
