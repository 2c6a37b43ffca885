"""The steps of a held login shared by the middleware and the views."""

from __future__ import annotations

import contextvars
from typing import Any

from django.contrib import auth
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from . import challenges, clock, events, session
from .challenges import ENROLL, LOGIN
from .exceptions import LockedOut, SendError, SendRateLimited, SendRefused
from .limits import send_limited
from .lockout import locked_until
from .models import Challenge, Phone, SecurityEvent
from .pending import PendingLogin, mark_verified
from .phones import mask, phone_key

#: True while django-sms2fa itself completes a verified login, so the receiver
#: that holds logins lets this one through.
completing_login: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sms2fa_completing_login", default=False
)


def pending_user(pending: PendingLogin) -> Any:
    """The user of a pending login if they may still sign in, else None."""
    user = get_user_model()._default_manager.filter(pk=pending.user_id).first()
    if user is None or not pending.matches(user) or not getattr(user, "is_active", True):
        return None
    return user


def send_login_code(
    request: HttpRequest, pending: PendingLogin, user: Any = None, phone: Phone | None = None
) -> SendError | None:
    """Send a login code for ``pending`` unless a limit forbids it; save the state.

    ``user`` and ``phone`` are given only by the password step that just loaded
    them; a resend looks both up again, since either may have changed since.
    """
    if user is None:
        user = pending_user(pending)
        phone = challenges.confirmed_phone(pending.user_id) if user is not None else None
    if user is None or phone is None:
        PendingLogin.clear(request.session)
        return None
    return _send(request, pending, user, phone.number, LOGIN, to_confirmed=True)


def start_code_step(request: HttpRequest, pending: PendingLogin, user: Any, phone: Phone) -> None:
    """Send the code of a login that just passed its password check, unless the
    code this browser already has for it can still be entered, on this phone."""
    if pending.challenge_id:
        challenge = pending_challenge(pending)
        if (
            challenge is not None
            and challenge.phone_key == phone_key(phone.number)
            and challenges.state(challenge, pending.user_id) is None
        ):
            return
        # Used up, expired, locked or sent to another number: a new code, bound
        # to a new nonce.
        pending.renew(request.session)
    send_login_code(request, pending, user, phone)


def send_enrollment_code(
    request: HttpRequest, pending: PendingLogin, user: Any, phone: Phone
) -> SendError | None:
    """Send the code that confirms ``phone`` during a login that requires one."""
    return _send(request, pending, user, phone.number, ENROLL, phone=phone)


def _send(
    request: HttpRequest,
    pending: PendingLogin,
    user: Any,
    number: str,
    purpose: str,
    phone: Phone | None = None,
    to_confirmed: bool | None = None,
) -> SendError | None:
    until = locked_until(user.pk)
    if until is not None:
        return LockedOut(until)
    try:
        if send_limited(request, pending.user_id):
            events.record(SecurityEvent.Kind.SEND_RATE_LIMITED, user=user, request=request,
                          phone_masked=mask(number))
            raise SendRateLimited()
        challenge, error = challenges.issue(
            user=user, number=number, purpose=purpose, nonce=pending.nonce, request=request,
            phone=phone, to_confirmed=to_confirmed, supersede=bool(pending.challenge_id),
        )
    except SendRefused as refusal:
        pending.notice = str(refusal.user_message)
        pending.save(request.session)
        return refusal
    pending.challenge_id = str(challenge.pk)
    pending.notice = ""
    if error is None or error.may_have_been_sent:
        # Only a code that may be on its way starts the resend cooldown.
        pending.last_sent_at = clock.now().timestamp()
    pending.save(request.session)
    return error


def pending_challenge(pending: PendingLogin) -> Challenge | None:
    """The current challenge of a pending login: its login code, or its enrollment code."""
    if not pending.challenge_id:
        return None
    purpose = LOGIN if pending.phase == "code" else ENROLL
    return challenges.current(
        pending.challenge_id, user_id=pending.user_id, purpose=purpose, nonce=pending.nonce
    )


def complete_login(request: HttpRequest, pending: PendingLogin, user: Any) -> None:
    """Log ``user`` in for real: cycles the session key and fires ``user_logged_in`` once."""
    token = completing_login.set(True)
    try:
        auth.login(request, user, backend=pending.backend or None)
    finally:
        completing_login.reset(token)
    PendingLogin.clear(request.session)
    # Nothing verified in this browser before the login counts for this user.
    session.clear_step_ups(request.session)
    mark_verified(request.session, user, via="code")
