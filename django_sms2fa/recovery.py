"""Recovery codes: a set shown once, each usable once, stored only as hashes.

A code reads ``abcd-efgh-jkmn``: its first four characters select the row and
the other eight are the secret, so checking one costs a single argon2 hash.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from . import clock, events, signals
from .codes import MAX_INPUT_LENGTH, check_code, hash_code
from .lockout import announce, locked_until, record_failure, take_gate
from .models import RecoveryCode, SecurityEvent

# No 0/o, 1/l/i: codes are read off paper and typed on phones.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SELECTOR_LENGTH = 4
SECRET_LENGTH = 8
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\uff0d]+")


class InvalidRecoveryCode(ValueError):
    """The input cannot be a recovery code."""


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(raw: str) -> str:
    """``raw`` as 12 lower-case alphabet characters, or raise ``InvalidRecoveryCode``."""
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidRecoveryCode("too long")
    folded = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).lower()
    if len(folded) != SELECTOR_LENGTH + SECRET_LENGTH or any(c not in ALPHABET for c in folded):
        raise InvalidRecoveryCode("not a recovery code")
    return folded


def _binding(user_id: Any, selector: str) -> str:
    return f"recovery:{user_id}:{selector}"


@dataclass(frozen=True)
class Redemption:
    ok: bool
    remaining: int = 0
    locked_until: datetime | None = None


def replace_codes(user: Any, count: int, request: HttpRequest | None = None) -> list[str]:
    """Give ``user`` a new set of ``count`` codes, voiding the old set; return them formatted."""
    selectors: set[str] = set()
    while len(selectors) < count:
        selectors.add(_random(SELECTOR_LENGTH))
    codes = {selector: _random(SECRET_LENGTH) for selector in selectors}
    rows = [
        RecoveryCode(
            user=user,
            selector=selector,
            code_hash=hash_code(secret, _binding(user.pk, selector), long_lived=True),
            created_at=clock.now(),
        )
        for selector, secret in codes.items()
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(rows)
    events.record(SecurityEvent.Kind.RECOVERY_CODES_CREATED, user=user, request=request)
    signals.recovery_codes_created.send(RecoveryCode, user=user, request=request)
    return [format_code(selector + secret) for selector, secret in codes.items()]


def remaining(user_id: Any) -> int:
    return RecoveryCode.objects.filter(user_id=user_id, used_at__isnull=True).count()


@sensitive_variables("normalised", "secret")
def _check(user_id: Any, normalised: str) -> RecoveryCode | None:
    """The unused recovery code of the user that ``normalised`` is, else None (no write)."""
    selector, secret = normalised[:SELECTOR_LENGTH], normalised[SELECTOR_LENGTH:]
    row = RecoveryCode.objects.filter(
        user_id=user_id, selector=selector, used_at__isnull=True
    ).first()
    if row is None or not check_code(
        row.code_hash, secret, _binding(user_id, selector), with_fallbacks=True
    ):
        return None
    return row


def _spend(row: RecoveryCode | None) -> bool:
    # The conditional UPDATE makes the code single use even under parallel requests.
    return row is not None and bool(
        RecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=clock.now())
    )


@sensitive_variables("normalised")
def use(user_id: Any, normalised: str) -> bool:
    """Spend the recovery code ``normalised`` of the user; True if it was valid and unused."""
    return _spend(_check(user_id, normalised))


@sensitive_variables("normalised")
def redeem(user: Any, normalised: str, request: HttpRequest | None = None) -> Redemption:
    """Use a recovery code of ``user``, with the lockout and the security log.

    As with SMS codes, the code is checked first and counted under the user's
    gate: a guess that finds the user locked out there is refused, right or not.
    """
    until = locked_until(user.pk)
    if until is not None:
        return Redemption(False, locked_until=until)
    row = _check(user.pk, normalised)
    with transaction.atomic():
        gate = take_gate(user.pk)
        if gate.locked_until is not None:
            return Redemption(False, locked_until=gate.locked_until)
        if _spend(row):
            left = remaining(user.pk)
            event = events.write(SecurityEvent.Kind.RECOVERY_CODE_USED, user=user,
                                 request=request, detail=f"{left} left")
            failure = None
        else:
            failure = record_failure(gate, SecurityEvent.Kind.WRONG_RECOVERY_CODE, request=request)
    if failure is not None:
        announce(failure, request)
        return Redemption(False, locked_until=failure.until)
    events.publish(event, request)
    signals.recovery_code_used.send(RecoveryCode, user=user, remaining=left, request=request)
    return Redemption(True, remaining=left)
