"""Send and check codes from a site's own code: the public Python API.

For a signed-in user (step-up, a payout) or for a number that belongs to nobody
yet (sign-up), with the same hashing, rate limits, lockout, security log and
admin view as the login::

    from django_sms2fa import verification

    verification.send_code(request, "payout", user=request.user)
    result = verification.check_code(request, "payout", request.POST["code"])
    if result.ok: ...

A code is bound to this session and to its purpose: a code sent for one
purpose can never complete another, nor a login.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest

from . import challenges, clock, events, session
from .challenges import ENROLL, RESERVED_PURPOSES, Outcome, Verification
from .codes import InvalidCodeFormat, normalise_code
from .conf import app_settings
from .exceptions import LockedOut, NoPhone, ResendTooSoon, SendRateLimited
from .limits import send_limited, verify_limited
from .lockout import locked_until
from .models import Challenge, Phone, SecurityEvent
from .phones import parse_phone, phone_key

_PURPOSE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")

__all__ = [
    "send_code", "check_code", "cooldown_left", "current_challenge", "Outcome", "Verification"
]


def _check_purpose(purpose: str, internal: bool) -> None:
    if not _PURPOSE.fullmatch(purpose) or (purpose in RESERVED_PURPOSES and not internal):
        raise ValueError(
            f"Invalid purpose {purpose!r}: use lower-case letters, digits, '_', '.', '-', "
            f"and none of {sorted(RESERVED_PURPOSES)}."
        )


def cooldown_left(request: HttpRequest, purpose: str) -> int:
    sent = session.last_sent_at(request.session, purpose)
    if not sent:
        return 0
    left = sent + app_settings.RESEND_COOLDOWN - clock.now().timestamp()
    return max(0, int(left + 0.999))


def send_code(
    request: HttpRequest,
    purpose: str,
    *,
    user: Any = None,
    phone_number: str | None = None,
    phone: Phone | None = None,
    _internal: bool = False,
) -> Challenge:
    """Send a code for ``purpose`` to ``user``'s confirmed phone, or to ``phone_number``.

    Raises ``SendError``: a ``SendRefused`` (``ResendTooSoon``, ``LockedOut``,
    ``SendRateLimited``, ``BudgetExhausted``, ``RegionNotAllowed``, ``CircuitOpen``,
    ``LimitsUnavailable``) when nothing was sent, or the gateway's error, after
    recording it on the challenge. Also ``NoPhone``, or ``InvalidPhoneNumber``
    for a number that does not parse.
    """
    _check_purpose(purpose, _internal)
    if phone is not None:
        number = phone.number
    elif phone_number is not None:
        number = parse_phone(phone_number)
    else:
        confirmed = challenges.confirmed_phone(getattr(user, "pk", None))
        if confirmed is None:
            raise NoPhone(f"{user} has no confirmed phone")
        number = confirmed.number
    wait = cooldown_left(request, purpose)
    if wait:
        raise ResendTooSoon(wait)
    user_id = getattr(user, "pk", None)
    until = locked_until(user_id)
    if until is not None:
        raise LockedOut(until)
    if send_limited(request, str(user_id) if user_id is not None else phone_key(number)):
        events.record(SecurityEvent.Kind.SEND_RATE_LIMITED, user=user_id, request=request)
        raise SendRateLimited()
    challenge, error = challenges.issue(
        user=user if user_id is not None else None, number=number, purpose=purpose,
        nonce=session.nonce(request.session), request=request, phone=phone,
    )
    sent = error is None or error.may_have_been_sent
    session.set_challenge(request.session, purpose, str(challenge.pk), sent=sent)
    if error is not None:
        raise error
    return challenge


def current_challenge(request: HttpRequest, purpose: str) -> Challenge | None:
    """This session's challenge for ``purpose``, if any."""
    challenge_id = session.challenge_id(request.session, purpose)
    if not challenge_id:
        return None
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    return challenges.current(
        challenge_id, user_id=user_id, purpose=purpose, nonce=session.nonce(request.session)
    )


def check_code(request: HttpRequest, purpose: str, code: str) -> Verification:
    """Check ``code`` (raw input) for ``purpose`` in this session.

    In order: rate limit, challenge state, input format, and only then the hash.
    On success the step-up stamp for ``purpose`` is set (see ``decorators``).
    """
    if purpose != ENROLL:
        _check_purpose(purpose, internal=False)
    challenge = current_challenge(request, purpose)
    key = str(challenge.user_id) if challenge and challenge.user_id else (
        challenge.phone_key if challenge else session.nonce(request.session)
    )
    if verify_limited(request, key):
        events.record(SecurityEvent.Kind.VERIFY_RATE_LIMITED, challenge=challenge, request=request)
        return Verification(Outcome.RATE_LIMITED, challenge)
    refused = challenges.state(challenge)
    if refused is not None:
        return refused
    try:
        normalised = normalise_code(code, app_settings.CODE_LENGTH)
    except InvalidCodeFormat:
        return Verification(Outcome.MALFORMED, challenge)
    result = challenges.verify(challenge, normalised, request=request, state_checked=True)
    if result.ok:
        session.forget(request.session, purpose)
        session.mark_step_up(request.session, purpose, getattr(request, "user", None))
    return result
