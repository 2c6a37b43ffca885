"""Issue and verify challenges: the only code that changes a challenge's state.

A challenge row is the log of its code: when it was sent, what the gateway
answered, each attempt and when it was verified. Only what is exceptional
(wrong codes, lockouts, refusals, gateway failures) gets a security event too.

Verification never reads, compares and saves in Python. The code is hashed
first; then one conditional UPDATE (``pending``, not expired, ``attempts <
max_attempts``, and for a right code: no lockout holds) claims the attempt and
records its result at once. A wrong code is claimed in the transaction that
holds the user's lockout gate, where it counts towards the lockout. Parallel
requests can neither exceed the attempt limit nor use a code twice, on
PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from . import breaker, clock, events, language, quota, signals, statements
from .codes import check_code, generate_code, hash_code
from .conf import app_settings
from .exceptions import (
    CircuitOpen,
    GatewayBadResponse,
    SendError,
    SendRateLimited,
    SendRefused,
)
from .limits import client_ip
from .lockout import Failure, announce, locked_until, record_failure, take_gate
from .models import Challenge, Phone, SecurityEvent
from .notices import site_domain
from .phones import mask, phone_key
from .quota import check_region, reserve_send
from .senders import SMS, GeneratedCode, SendResult, get_sender

logger = logging.getLogger(__name__)

LOGIN = "login"
ENROLL = "enroll"
#: Purposes django-sms2fa uses itself; a site's step-up purposes must differ.
RESERVED_PURPOSES = frozenset({LOGIN, ENROLL})


class Outcome(enum.Enum):
    VERIFIED = "verified"
    MALFORMED = "malformed"
    RATE_LIMITED = "rate_limited"
    WRONG = "wrong"
    EXHAUSTED = "exhausted"
    EXPIRED = "expired"
    USED = "used"
    NOT_FOUND = "not_found"
    LOCKED = "locked"


@dataclass(frozen=True)
class Verification:
    outcome: Outcome
    challenge: Challenge | None = None
    attempts_left: int = 0
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.VERIFIED


def session_ref(nonce: str) -> str:
    """What a challenge stores of the session nonce that binds it."""
    return hashlib.sha256(nonce.encode()).hexdigest()


def confirmed_phone(user_id: Any) -> Phone | None:
    """The user's confirmed phone, read with the user's lockout
    (``user_locked_until``), so a send needs no query of its own for it, and
    whether they have recovery codes left (``has_recovery_codes``), which the
    code page offers."""
    return statements.confirmed_phone(user_id, clock.now())


def issue(
    *,
    user: Any,
    number: str,
    purpose: str,
    nonce: str,
    request: HttpRequest | None = None,
    phone: Phone | None = None,
    to_confirmed: bool | None = None,
    supersede: bool = True,
) -> tuple[Challenge, SendError | None]:
    """Create a challenge, supersede this session's earlier one for the purpose,
    and send its code to ``number`` (E.164). ``user`` may be None for a number
    that belongs to nobody yet; ``phone`` is the phone an enrollment confirms.
    ``to_confirmed`` says whether ``number`` is the user's confirmed phone (looked
    up when None); ``supersede=False`` is for a nonce that is new, so no earlier
    challenge can be bound to it.

    Returns the challenge and the gateway's error, if the SMS could not be sent;
    the failure is recorded on the challenge. Raises ``SendRefused`` (and creates
    no challenge) when a limit, the daily budget, the region or the circuit
    breaker forbids the send.
    """
    try:
        return _issue(user, number, purpose, nonce, request, phone, to_confirmed, supersede)
    except SendRefused as refusal:
        kind = (SecurityEvent.Kind.SEND_RATE_LIMITED if isinstance(refusal, SendRateLimited)
                else SecurityEvent.Kind.SEND_REFUSED)
        detail = f"{type(refusal).__name__}: {refusal.detail}"
        events.record(kind, user=getattr(user, "pk", user), request=request,
                      phone_masked=mask(number), detail=detail)
        raise


@sensitive_variables("code")
def _issue(
    user: Any,
    number: str,
    purpose: str,
    nonce: str,
    request: HttpRequest | None,
    phone: Phone | None,
    to_confirmed: bool | None,
    supersede: bool,
) -> tuple[Challenge, SendError | None]:
    if breaker.is_open():
        raise CircuitOpen("gateway paused after repeated failures")
    check_region(number)
    if to_confirmed is None:
        to_confirmed = user is not None and Phone.objects.filter(
            user=user, confirmed=True, number=number
        ).exists()
    challenge = Challenge(
        id=uuid.uuid4(),
        user=user,
        purpose=purpose,
        session_ref=session_ref(nonce),
        phone=phone,
        phone_key=phone_key(number),
        to_confirmed=to_confirmed,
        phone_masked=mask(number),
        max_attempts=app_settings.MAX_ATTEMPTS,
        ip=(client_ip(request) or None) if request is not None else None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else "",
    )
    code = generate_code(app_settings.CODE_LENGTH)
    challenge.code_hash = hash_code(code, challenge.binding)
    with transaction.atomic():
        # The time of the send is read once the gates are held, so that every
        # window reserve_send measures ends at this send.
        challenge.created_at = reserve_send(
            challenge.phone_key, user_id=getattr(user, "pk", user), to_confirmed=to_confirmed,
            purpose=purpose,
        )
        challenge.expires_at = challenge.created_at + timedelta(seconds=app_settings.CODE_LIFETIME)
        if supersede:
            earlier = Challenge.objects.select_for_update().filter(
                user=user, purpose=purpose, session_ref=challenge.session_ref,
                status=Challenge.Status.PENDING,
            )
            # A new code never grants new attempts (NIST SP 800-63B): it inherits the count.
            challenge.attempts = min(
                max((c.attempts for c in earlier), default=0), challenge.max_attempts
            )
            earlier.update(status=Challenge.Status.SUPERSEDED)
        statements.insert(challenge)  # no model signals: code_sent and the rest say what happened
    error = _deliver(challenge, number, code, request)
    return challenge, error


@sensitive_variables("code", "message")
def _send(message: SMS) -> SendResult:
    """The sender's answer; whatever else a sender raises becomes a ``SendError``,
    so a faulty or third-party sender never turns a login into a server error."""
    try:
        return get_sender().send(message)
    except SendError:
        raise
    except Exception as exc:
        logger.exception("sms2fa: the sender raised %s instead of a SendError", type(exc).__name__)
        raise GatewayBadResponse(f"sender failed: {type(exc).__name__}") from None


@sensitive_variables("code", "message", "result")
def _deliver(
    challenge: Challenge, number: str, code: str, request: HttpRequest | None
) -> SendError | None:
    message = SMS(to=number, body=render_message(code, request), code=code)
    try:
        result = _send(message)
    except SendError as error:
        breaker.record(error)
        delivery = (
            Challenge.Delivery.UNKNOWN if error.may_have_been_sent else Challenge.Delivery.FAILED
        )
        challenge.delivery = delivery
        challenge.gateway_error = str(error.detail or type(error).__name__)[:255]
        statements.update_challenge(challenge.pk, delivery=challenge.delivery,
                                    gateway_error=challenge.gateway_error)
        events.record(
            SecurityEvent.Kind.SEND_FAILED, challenge=challenge, request=request,
            detail=challenge.gateway_error,
        )
        signals.code_send_failed.send(Challenge, challenge=challenge, error=error, request=request)
        if error.may_have_been_sent:
            quota.sent(challenge)
        return error
    breaker.record(None)
    if isinstance(result, GeneratedCode) and result.code:
        # The gateway made the code (IPROG's OTP mode): keep only its hash.
        challenge.code_hash = hash_code(result.code, challenge.binding)
        statements.update_challenge(challenge.pk, code_hash=challenge.code_hash)
    challenge.delivery = Challenge.Delivery.SENT
    challenge.gateway_message_id = result.message_id[:64]
    # The row was committed before the gateway call, so that an SMS that may
    # have gone out always counts; the answer is this one short UPDATE. The
    # challenge is the log entry of the send: no separate event.
    statements.update_challenge(challenge.pk, delivery=challenge.delivery,
                                gateway_message_id=challenge.gateway_message_id)
    signals.code_sent.send(Challenge, challenge=challenge, request=request)
    quota.sent(challenge)
    return None


@sensitive_variables("code")
def render_message(code: str, request: HttpRequest | None) -> str:
    domain = site_domain(request)
    return app_settings.MESSAGE_TEMPLATE.format(
        code=code,
        site_name=app_settings.SITE_NAME or domain,
        minutes=max(1, app_settings.CODE_LIFETIME // 60),
        domain=domain,
    )


def current(
    challenge_id: str, *, user_id: Any, purpose: str, nonce: str, with_user: bool = False
) -> Challenge | None:
    """The challenge if it belongs to this user, purpose and session, else None;
    ``with_user``: its ``user`` read in the same query."""
    try:
        uuid.UUID(challenge_id)
    except (TypeError, ValueError):
        return None
    if with_user and statements.users_are_plain():
        return statements.challenge_with_user(
            challenge_id, user_id=user_id, purpose=purpose, session_ref=session_ref(nonce),
            now=clock.now(),
        )
    found = Challenge.objects.filter(
        pk=challenge_id, user_id=user_id, purpose=purpose, session_ref=session_ref(nonce)
    ).annotate(user_locked_until=statements.lockout_end(user_id, clock.now()))
    return (found.select_related("user") if with_user else found).first()


def cancel(*, user_id: Any, purpose: str, nonce: str) -> int:
    """End this session's pending codes for ``purpose`` (the user gave up); the
    admin then reads "cancelled" rather than "pending". Returns how many ended."""
    return Challenge.objects.filter(
        user_id=user_id, purpose=purpose, session_ref=session_ref(nonce),
        status=Challenge.Status.PENDING,
    ).update(status=Challenge.Status.CANCELLED)


def state(challenge: Challenge | None, user_id: Any = None) -> Verification | None:
    """Why ``challenge`` cannot take a code now, or None if it can (no hashing).

    Without a challenge, ``user_id`` still tells a locked-out user apart. A
    challenge from ``current`` brings its user's lockout along.
    """
    if challenge is not None and hasattr(challenge, "user_locked_until"):
        until = challenge.user_locked_until
    else:
        until = locked_until(challenge.user_id if challenge is not None else user_id)
    if until is not None:
        return Verification(Outcome.LOCKED, challenge, locked_until=until)
    if challenge is None:
        return Verification(Outcome.NOT_FOUND)
    if challenge.status == Challenge.Status.VERIFIED:
        return Verification(Outcome.USED, challenge)
    if challenge.status in (Challenge.Status.SUPERSEDED, Challenge.Status.CANCELLED):
        return Verification(Outcome.NOT_FOUND, challenge)
    if challenge.status == Challenge.Status.FAILED or challenge.attempts >= challenge.max_attempts:
        return Verification(Outcome.EXHAUSTED, challenge)
    if clock.now() >= challenge.expires_at:
        return Verification(Outcome.EXPIRED, challenge)
    return None


@sensitive_variables("code")
def verify(
    challenge: Challenge | None,
    code: str,
    *,
    request: HttpRequest | None = None,
    state_checked: bool = False,
    phone_language: str | None = None,
) -> Verification:
    """Check ``code`` (already normalised) against ``challenge``, using one attempt.

    ``state_checked`` says the caller has just had None from ``state(challenge)``;
    ``phone_language``, the language the caller read on the user's phone, if it did.
    The code is hashed first, outside any transaction; then a conditional
    UPDATE claims the attempt and records its result. A right code's UPDATE
    also requires that no lockout holds; a wrong code is claimed under the
    user's gate, with its log entry and any lockout it earns. An attempt that
    finds the challenge used up or the user locked out is refused whatever the
    code was, so parallel requests can neither exceed the limits nor use a
    code twice.
    """
    if not state_checked:
        refused = state(challenge)
        if refused is not None:
            return refused
    if challenge is None:  # state() says so too; kept for a caller that skipped it
        return Verification(Outcome.NOT_FOUND)
    ok = check_code(challenge.code_hash, code, challenge.binding)
    failure: Failure | None = None
    now = clock.now()
    if ok:
        claimed = _claim_right_code(challenge, now, request, phone_language)
    else:
        live = Challenge.objects.filter(
            pk=challenge.pk, status=Challenge.Status.PENDING, expires_at__gt=now,
            attempts__lt=F("max_attempts"),
        )
        claim, failure = _claim_wrong_code(challenge, live, request)
        if isinstance(claim, Verification):
            return claim
        claimed = claim
    if not claimed:
        # Used, expired, out of attempts or locked out meanwhile: this attempt did
        # not count, and the answer must not depend on whether its code was right.
        challenge.__dict__.pop("user_locked_until", None)
        challenge.refresh_from_db()
        return state(challenge) or Verification(Outcome.EXHAUSTED, challenge)
    if ok:
        challenge.attempts += 1
        challenge.status, challenge.verified_at = Challenge.Status.VERIFIED, now
        signals.code_verified.send(Challenge, challenge=challenge, request=request)
        return Verification(Outcome.VERIFIED, challenge)
    return _wrong_code(challenge, cast(Failure, failure), request)


def _claim_right_code(
    challenge: Challenge, now: datetime, request: HttpRequest | None,
    phone_language: str | None,
) -> int:
    """Claim the attempt of a right code, unless a lockout holds: one UPDATE that
    is the log entry of the verification too (and so of the phone's last use,
    ``Phone.objects.with_last_use``). No gate: a right code changes no failure
    count, and the lockout is part of the UPDATE's condition.

    The user's own sign-in (``request``) keeps their language on the phone, in
    the same transaction; only when it differs from ``phone_language``, what
    the caller read on the phone (None: not read)."""
    spoken = language.of_request() if request is not None else phone_language
    if challenge.user_id is None or spoken == phone_language:
        return statements.claim_right_code(challenge, now)
    with transaction.atomic():
        claimed = statements.claim_right_code(challenge, now)
        if claimed:
            Phone.objects.filter(user_id=challenge.user_id, confirmed=True).exclude(
                language=spoken).update(language=spoken)
    return claimed


def _claim_wrong_code(
    challenge: Challenge, live: Any, request: HttpRequest | None
) -> tuple[int | Verification, Failure | None]:
    """Claim the attempt of a wrong code under the user's gate, where it counts
    towards the lockout (and writes the lockout it earns)."""
    with transaction.atomic():
        gate = take_gate(challenge.user_id) if challenge.user_id is not None else None
        if gate is not None and gate.locked_until is not None:
            return Verification(Outcome.LOCKED, challenge, locked_until=gate.locked_until), None
        claimed = live.update(
            attempts=F("attempts") + 1,
            failures=F("failures") + 1,
            status=Case(
                When(attempts__gte=F("max_attempts") - 1, then=Value(Challenge.Status.FAILED)),
                default=Value(Challenge.Status.PENDING),
            ),
        )
        if not claimed:
            return 0, None
        challenge.refresh_from_db(fields=["attempts", "failures", "status"])
        detail = f"{max(0, challenge.max_attempts - challenge.attempts)} attempt(s) left"
        if gate is None:  # a number that belongs to nobody: no lockout to count
            return claimed, Failure(events.write(SecurityEvent.Kind.WRONG_CODE,
                                                 challenge=challenge, request=request,
                                                 detail=detail))
        return claimed, record_failure(gate, SecurityEvent.Kind.WRONG_CODE,
                                       challenge=challenge, request=request, detail=detail)


def _wrong_code(
    challenge: Challenge, failure: Failure, request: HttpRequest | None
) -> Verification:
    left = max(0, challenge.max_attempts - challenge.attempts)
    signals.code_failed.send(Challenge, challenge=challenge, attempts_left=left, request=request)
    announce(failure, request)
    if failure.until is not None:
        return Verification(Outcome.LOCKED, challenge, locked_until=failure.until)
    if challenge.status == Challenge.Status.FAILED:
        return Verification(Outcome.EXHAUSTED, challenge)
    return Verification(Outcome.WRONG, challenge, attempts_left=left)
