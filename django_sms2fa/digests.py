"""Keyed digests of values kept in sessions and cookies (password and phone
fingerprints), made with ``SECRET_KEY`` through Django's ``salted_hmac``.

The algorithm is always named: Django 6.1 deprecates ``salted_hmac``'s sha1
default and will change it to sha256, which would silently void every value
made before. Digests are sha256 since 0.1.0; until 0.2.0 one made the old way
(sha1, by 0.1.0's pre-releases) is still accepted, so an upgrade neither signs
out a login waiting for its code nor forgets a remembered browser.
"""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac

ALGORITHM = "sha256"
#: Accepted when checking, never made. Remove in 0.2.0 (docs/upgrading.md).
LEGACY_ALGORITHM = "sha1"
_LEGACY_LENGTH = 40  # hex characters of a sha1 digest; sha256 gives 64


def digest(salt: str, value: str) -> str:
    return salted_hmac(salt, value, algorithm=ALGORITHM).hexdigest()


def matches(salt: str, value: str, candidate: str) -> bool:
    """True if ``candidate`` is the digest of ``value``, made now or the old way."""
    if constant_time_compare(digest(salt, value), candidate):
        return True
    if len(candidate) != _LEGACY_LENGTH:
        return False
    legacy = salted_hmac(salt, value, algorithm=LEGACY_ALGORITHM).hexdigest()
    return constant_time_compare(legacy, candidate)
