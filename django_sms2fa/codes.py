"""Generate, normalise, hash and check one-time codes.

Pure functions: the only Django import is ``settings`` for the secret key.

A code has only 10**6 values, so a stolen hash alone would fall to brute force in
seconds whatever argon2 costs. The code is therefore first keyed with a pepper
derived from ``SECRET_KEY`` (HMAC-SHA256) and bound to its challenge; argon2id on
top is defence in depth for the case where the database and the secret key leak
together. For a one-time code that lives 5 minutes no argon2 cost helps there:
at 0.8 ms a hash, the million values take 800 CPU-seconds, within the code's life
on a few dozen cores, and whoever holds the database and the key can forge
sessions anyway. So one-time codes get the least argon2 that is still argon2
(one pass over 64 KiB, about 0.05 ms). Recovery codes live for months and have
31**8 values: for them the cost does buy time, and they keep one pass over 2 MiB
(about 0.8 ms), RFC 9106's profiles being for passwords all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings

# Measured on the development machine (2 cores): about 0.05 ms and 0.8 ms per
# hash or check (bench/login_throughput.py prints the first). Below 64 KiB a
# hash costs about as much again in argon2-cffi's own overhead (0.03 ms at 8 KiB).
ARGON2_TIME_COST = 1
ARGON2_MEMORY_KIB = 64  # one-time codes
ARGON2_LONG_LIVED_MEMORY_KIB = 2048  # recovery codes
ARGON2_PARALLELISM = 1

# Anything longer than this is not a code with separators, so it never reaches
# normalisation or argon2.
MAX_INPUT_LENGTH = 64

_hasher, _long_lived_hasher = (
    PasswordHasher(
        time_cost=ARGON2_TIME_COST,
        memory_cost=memory,
        parallelism=ARGON2_PARALLELISM,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )
    for memory in (ARGON2_MEMORY_KIB, ARGON2_LONG_LIVED_MEMORY_KIB)
)
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff0d]+")
_PEPPER_SALT = b"django_sms2fa.codes.pepper"


class InvalidCodeFormat(ValueError):
    """The input cannot be a code: wrong characters or wrong length."""


def generate_code(length: int) -> str:
    """A uniformly random code of ``length`` ASCII digits from ``secrets``."""
    return f"{secrets.randbelow(10**length):0{length}d}"


def _fold(char: str) -> str:
    """One input character as an ASCII digit, "" for a separator, or itself.

    Only decimal digits (category Nd) may fold into digits: NFKC also turns
    superscript and circled digits (², ①) into digits, and those are not what
    a user types for a code.
    """
    folded = unicodedata.normalize("NFKC", char)
    if unicodedata.category(char) == "Nd":
        return folded
    return "" if _SEPARATORS.fullmatch(folded) else char


def normalise_code(raw: str, length: int) -> str:
    """Return ``raw`` as ``length`` ASCII digits, or raise ``InvalidCodeFormat``.

    Spaces and dashes are dropped and full-width digits folded (NFKC); any other
    character, including digits of other scripts and superscript or circled
    digits, is rejected.
    """
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidCodeFormat("too long")
    folded = "".join(_fold(char) for char in raw)
    if not re.fullmatch(r"[0-9]+", folded, flags=re.ASCII):
        raise InvalidCodeFormat("not digits")
    if len(folded) != length:
        raise InvalidCodeFormat("wrong length")
    return folded


def _peppered(code: str, binding: str, secret_key: str | None = None) -> bytes:
    secret = secret_key if secret_key is not None else settings.SECRET_KEY
    key = hashlib.sha256(_PEPPER_SALT + secret.encode()).digest()
    return hmac.new(key, f"{binding}\x00{code}".encode(), hashlib.sha256).digest()


def hash_code(code: str, binding: str, *, long_lived: bool = False) -> str:
    """The argon2id hash of the peppered code, bound to ``binding`` (the
    challenge); ``long_lived``: a recovery code, hashed at the higher cost."""
    hasher = _long_lived_hasher if long_lived else _hasher
    return hasher.hash(_peppered(code, binding))


def check_code(encoded: str, code: str, binding: str, *, with_fallbacks: bool = False) -> bool:
    """True if ``code`` is the code hashed into ``encoded`` for ``binding``.

    ``with_fallbacks`` also tries the keys in ``SECRET_KEY_FALLBACKS``: for
    secrets that live for months (recovery codes) and must outlast a rotation
    of the key. A short-lived SMS code does not need it, and each key tried
    costs another argon2 pass.
    """
    keys = [settings.SECRET_KEY]
    if with_fallbacks:
        keys += list(getattr(settings, "SECRET_KEY_FALLBACKS", []))
    for key in keys:
        try:
            # The cost is read from ``encoded``: either hasher checks either kind.
            if _hasher.verify(encoded, _peppered(code, binding, key)):
                return True
        except (VerificationError, InvalidHashError):
            continue
    return False
