"""The steps of a held login shared by the middleware and the views."""

from __future__ import annotations

import contextvars
from datetime import datetime, timezone
from typing import Any

from django.contrib import auth
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import challenges, clock, events, session
from .challenges import ENROLL, LOGIN, Outcome, Verification
from .codes import InvalidCodeFormat, normalise_code
from .conf import app_settings
from .enrollment import confirm_phone
from .exceptions import (
    LockedOut,
    ResendTooSoon,
    SecondStepRequired,
    SendError,
    SendRateLimited,
    SendRefused,
)
from .limits import send_limited, verify_limited
from .lockout import locked_until
from .models import Challenge, Phone, SecurityEvent
from .pending import PendingLogin, mark_verified
from .phones import mask, phone_key
from .recovery import replace_codes

#: True while django-sms2fa itself completes a verified login, so the receiver
#: that holds logins lets this one through.
completing_login: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sms2fa_completing_login", default=False
)


def pending_user(pending: PendingLogin, challenge: Challenge | None = None) -> Any:
    """The user of a pending login if they may still sign in, else None: the
    user read with ``challenge`` (``pending_challenge(..., with_user=True)``)
    if given, else read now."""
    if challenge is not None:
        user = challenge.user
    else:
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
    pending.phone_id, pending.phone_language = str(phone.pk), phone.language
    pending.has_recovery_codes = bool(getattr(phone, "has_recovery_codes", True))
    return _send(request, pending, user, phone.number, LOGIN, to_confirmed=True,
                 read_with=phone)


def start_code_step(
    request: HttpRequest, pending: PendingLogin, user: Any, phone: Phone
) -> SendError | None:
    """Send the code of a login that just passed its password check, unless the
    code this browser already has for it can still be entered, on this phone.
    Returns why a new code could not be sent, if it could not."""
    if pending.challenge_id:
        challenge = pending_challenge(pending)
        if (
            challenge is not None
            and challenge.phone_key == phone_key(phone.number)
            and challenges.state(challenge, pending.user_id) is None
        ):
            return None
        # Used up, expired, locked or sent to another number: a new code, bound
        # to a new nonce.
        pending.renew(request.session)
    return send_login_code(request, pending, user, phone)


def begin_second_step(
    request: HttpRequest, held: SecondStepRequired
) -> tuple[PendingLogin | None, SendError | None]:
    """What follows a password check that ``hold_login`` held: the login code goes
    out (or, in the "enroll" phase, waits for a phone). Returns the pending login,
    if any, and why its code could not be sent, if it could not."""
    pending = PendingLogin.load(request.session)
    error = None
    if pending is not None and pending.phase == "code" and held.user is not None:
        error = start_code_step(request, pending, held.user, held.phone)
    return pending, error


def resend_login_code(
    request: HttpRequest, pending: PendingLogin
) -> SendError | Verification | None:
    """Send a new login code unless the cooldown runs (``ResendTooSoon``) or the
    current code's state forbids one (locked out, out of attempts, used)."""
    wait = pending.cooldown_left()
    if wait:
        return ResendTooSoon(wait)
    refused = challenges.state(pending_challenge(pending), pending.user_id)
    if refused is not None and refused.outcome in (Outcome.LOCKED, Outcome.EXHAUSTED, Outcome.USED):
        return refused
    return send_login_code(request, pending)


def login_verify_limited(request: HttpRequest, pending: PendingLogin, user: Any) -> bool:
    """Count a code check of this pending login; True (and logged) if over a rate."""
    if verify_limited(request, pending.user_id):
        events.record(SecurityEvent.Kind.VERIFY_RATE_LIMITED, user=user, request=request)
        return True
    return False


def check_login_code(
    request: HttpRequest, pending: PendingLogin, user: Any, raw_code: str,
    challenge: Challenge | None = None,
) -> Verification:
    """Check the code of a pending login (its login or enrollment code);
    ``challenge``: its current challenge if the caller has just read it.

    In order: rate limit, challenge state, input format, and only then argon2.
    """
    result = _check_login_code(request, pending, user, raw_code, challenge)
    _remember_outcome(request, pending, result)
    return result


def _check_login_code(
    request: HttpRequest, pending: PendingLogin, user: Any, raw_code: str,
    challenge: Challenge | None,
) -> Verification:
    if login_verify_limited(request, pending, user):
        return Verification(Outcome.RATE_LIMITED)
    if challenge is None:
        challenge = pending_challenge(pending)
    refused = challenges.state(challenge)
    if refused is not None or challenge is None:  # state() refuses a missing one
        return refused or Verification(Outcome.NOT_FOUND)
    if pending.phase == "enroll" and challenge.phone is None:
        # Replaced by a later enrollment of this user: nothing left to confirm.
        return Verification(Outcome.NOT_FOUND, challenge)
    try:
        code = normalise_code(raw_code, app_settings.CODE_LENGTH)
    except InvalidCodeFormat:
        return Verification(Outcome.MALFORMED, challenge)
    known = pending.phone_language if pending.phase == "code" and pending.phone_id else None
    return challenges.verify(challenge, code, request=request, state_checked=True,
                             phone_language=known)


def finish_enrollment(
    request: HttpRequest, pending: PendingLogin, user: Any, challenge: Challenge
) -> list[str]:
    """Confirm the phone that a login-time enrollment code just verified and give
    the user a first set of recovery codes (returned, to be shown once)."""
    if challenge.phone is None:  # check_login_code refuses a replaced number first
        raise ValueError("the enrollment challenge has no phone to confirm")
    confirm_phone(challenge.phone, request)
    return replace_codes(user, app_settings.RECOVERY_CODE_COUNT, request)


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
    read_with: Phone | None = None,
) -> SendError | None:
    # ``confirmed_phone`` reads the user's lockout with the phone: no query here.
    if read_with is not None and hasattr(read_with, "user_locked_until"):
        until = read_with.user_locked_until
    else:
        until = locked_until(user.pk)
    if until is not None:
        pending.locked_until = until.timestamp()
        pending.save(request.session)
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
        if isinstance(refusal, ResendTooSoon):
            # The number's own cooldown: the page counts it down like a resend's.
            pending.last_sent_at = (
                clock.now().timestamp() - app_settings.RESEND_COOLDOWN + refusal.seconds
            )
            pending.notice = _("A code was sent to this number a moment ago.")
        else:
            pending.notice = str(refusal.user_message)
        pending.save(request.session)
        return refusal
    pending.challenge_id = str(challenge.pk)
    pending.notice, pending.ended, pending.locked_until = "", "", 0.0
    pending.phone_masked, pending.delivery = challenge.phone_masked, challenge.delivery
    pending.expires_at = challenge.expires_at.timestamp()
    if error is None or error.may_have_been_sent:
        # Only a code that may be on its way starts the resend cooldown.
        pending.last_sent_at = clock.now().timestamp()
    pending.save(request.session)
    return error


def known_state(pending: PendingLogin) -> Verification | None:
    """Why the pending login's code cannot be entered, as far as this session
    knows (no query: the code page renders from it), or None. A code check
    always asks the database."""
    if pending.locked_until > clock.now().timestamp():
        until = datetime.fromtimestamp(pending.locked_until, tz=timezone.utc)
        return Verification(Outcome.LOCKED, locked_until=until)
    if not pending.challenge_id:
        return Verification(Outcome.NOT_FOUND)
    if pending.ended:
        return Verification(Outcome(pending.ended))
    if clock.now().timestamp() >= pending.expires_at:
        return Verification(Outcome.EXPIRED)
    return None


def _remember_outcome(request: HttpRequest, pending: PendingLogin, result: Verification) -> None:
    """Keep what a code check learnt for the code page (see ``known_state``).

    A used code is not kept: it was used by a parallel submit of this session,
    which completed the login and replaced the session (writing to it here would
    answer this request with Django's 400 for an interrupted session)."""
    if result.outcome is Outcome.LOCKED and result.locked_until is not None:
        learnt = {"locked_until": result.locked_until.timestamp()}
    elif result.outcome in (Outcome.EXHAUSTED, Outcome.EXPIRED, Outcome.NOT_FOUND):
        learnt = {"ended": result.outcome.value}
    else:
        return
    if any(getattr(pending, name) != value for name, value in learnt.items()):
        pending.__dict__.update(learnt)
        pending.save(request.session)


def pending_challenge(pending: PendingLogin, with_user: bool = False) -> Challenge | None:
    """The current challenge of a pending login: its login code, or its
    enrollment code; ``with_user``: its user read in the same query."""
    if not pending.challenge_id:
        return None
    purpose = LOGIN if pending.phase == "code" else ENROLL
    return challenges.current(
        pending.challenge_id, user_id=pending.user_id, purpose=purpose, nonce=pending.nonce,
        with_user=with_user,
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
    # Stamped with the phone the code went to: if it changed meanwhile, the
    # session ends at its next request.
    stamp = pending.phone_id if pending.phase == "code" and pending.phone_id else None
    mark_verified(request.session, user, via="code", phone=stamp)
