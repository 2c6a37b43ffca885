"""The signed-in user's two-factor settings as functions, shared by the account
pages and the JSON API: one implementation of each rule."""

from __future__ import annotations

from django.http import HttpRequest

from . import recovery, session
from .conf import app_settings
from .decorators import is_stepped_up
from .enrollment import PhoneConfirmedMeanwhile, confirm_phone, remove_phone
from .models import Challenge
from .pending import mark_verified, restamp_phone
from .policy import requires_2fa

#: Step-up purposes of the account's own actions.
CHANGE_PHONE = "phone_change"
DISABLE = "disable"
NEW_RECOVERY_CODES = "recovery_codes"

__all__ = [
    "CHANGE_PHONE", "DISABLE", "NEW_RECOVERY_CODES", "PhoneConfirmedMeanwhile", "PhoneReplaced",
    "TwoFactorRequired", "confirm_new_phone", "turn_off",
]


class PhoneReplaced(Exception):
    """The code confirmed a number that a later enrollment of the user replaced."""


class TwoFactorRequired(Exception):
    """The policy (``SMS2FA_REQUIRED``) does not let this user turn 2FA off."""


def confirm_new_phone(request: HttpRequest, challenge: Challenge | None) -> list[str] | None:
    """Confirm the phone whose enrollment code ``challenge`` just verified.

    Replacing a confirmed phone needs a fresh ``CHANGE_PHONE`` step-up
    (``PhoneConfirmedMeanwhile`` otherwise). Returns a first set of recovery
    codes, to be shown once, if the user had none left.
    """
    phone = challenge.phone if challenge is not None else None
    if phone is None or phone.user_id != request.user.pk:
        raise PhoneReplaced()
    confirm_phone(phone, request, may_replace=is_stepped_up(request, CHANGE_PHONE))
    mark_verified(request.session, request.user, via="code")
    if recovery.remaining(request.user.pk) == 0:
        return recovery.replace_codes(request.user, app_settings.RECOVERY_CODE_COUNT, request)
    return None


def turn_off(request: HttpRequest) -> None:
    """Remove the user's phone and recovery codes, unless the policy forbids it.
    The caller has checked the ``DISABLE`` step-up."""
    if requires_2fa(request.user):
        raise TwoFactorRequired()
    remove_phone(request.user, request)
    session.clear_step_ups(request.session)
    restamp_phone(request.session, request.user)
