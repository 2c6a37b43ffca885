"""Recent authentication before a phone is added to an account that has none.

With a stolen session of a user without a phone, an attacker could otherwise
enroll their own number: the user's next login code would go to them. As
Django's password change does, adding a first phone asks for the password
again (a phone that already exists is changed only with a fresh code from it,
``account.CHANGE_PHONE``). The proof is a step-up stamp that no code can make,
bound like every stamp to the user and their session auth hash.
"""

from __future__ import annotations

from django.http import HttpRequest

from . import clock, session
from .conf import app_settings
from .decorators import is_stepped_up
from .limits import verify_limited
from .pending import verified_at

#: The stamp of a password re-entered; step-up purposes start with a letter or
#: digit, so no code sent for a purpose can make it.
REAUTH_STAMP = "_password"


def is_recently_authenticated(request: HttpRequest) -> bool:
    """True if this session's user re-entered their password (or, for a user
    without a usable password, signed in) within ``SMS2FA_STEP_UP_MAX_AGE``."""
    user = request.user
    if not user.is_authenticated:
        return False
    if is_stepped_up(request, REAUTH_STAMP):
        return True
    if user.has_usable_password():
        return False
    signed_in = verified_at(request.session, user)
    max_age = app_settings.STEP_UP_MAX_AGE
    return signed_in is not None and clock.now().timestamp() - signed_in <= max_age


class TooManyAttempts(Exception):
    """The per-user or per-IP rate of checks is spent: nothing was checked."""


def confirm_password(request: HttpRequest, raw_password: str) -> bool:
    """Check the signed-in user's password; on success stamp the session.

    Counted by the same per-user and per-IP limits as code checks, so a stolen
    session cannot be used to guess the password (``TooManyAttempts``).
    """
    user = request.user
    if verify_limited(request, str(user.pk)):
        raise TooManyAttempts()
    if not raw_password or not user.check_password(raw_password):
        return False
    session.mark_step_up(request.session, REAUTH_STAMP, user)
    return True
