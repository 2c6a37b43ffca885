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

from . import clock, events, signals
from .codes import MAX_INPUT_LENGTH, check_code, hash_code
from .lockout import claim_attempt, locked_until, settle
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
            code_hash=hash_code(secret, _binding(user.pk, selector)),
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


def use(user_id: Any, normalised: str) -> bool:
    """Spend the recovery code ``normalised`` of the user; True if it was valid and unused."""
    selector, secret = normalised[:SELECTOR_LENGTH], normalised[SELECTOR_LENGTH:]
    row = RecoveryCode.objects.filter(user_id=user_id, selector=selector, used_at__isnull=True).first()
    if row is None or not check_code(row.code_hash, secret, _binding(user_id, selector)):
        return False
    # The conditional UPDATE makes the code single use even under parallel requests.
    return bool(
        RecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=clock.now())
    )


def redeem(user: Any, normalised: str, request: HttpRequest | None = None) -> Redemption:
    """Use a recovery code of ``user``, with the lockout and the security log."""
    with transaction.atomic():
        attempt = claim_attempt(
            SecurityEvent.Kind.WRONG_RECOVERY_CODE, user_id=user.pk, request=request
        )
    if attempt is None:
        return Redemption(False, locked_until=locked_until(user.pk))
    if not use(user.pk, normalised):
        until = settle(attempt, False, ok_kind=SecurityEvent.Kind.RECOVERY_CODE_USED,
                       request=request)
        return Redemption(False, locked_until=until)
    left = remaining(user.pk)
    settle(attempt, True, ok_kind=SecurityEvent.Kind.RECOVERY_CODE_USED, request=request,
           detail=f"{left} left")
    signals.recovery_code_used.send(RecoveryCode, user=user, remaining=left, request=request)
    return Redemption(True, remaining=left)
