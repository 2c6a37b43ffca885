"""The sentences the views show for each outcome of a code check."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..challenges import Outcome, Verification
from ..exceptions import GatewayTimeout, LockedOut, ResendTooSoon, SendError
from ..models import Challenge
from ..recovery import Redemption


def locked(until) -> str:
    return _(
        "Too many wrong codes. For your security, sign-in with a code is blocked "
        "until %(time)s UTC."
    ) % {"time": until.strftime("%H:%M") if until else ""}


def for_send_error(error: SendError) -> str:
    if isinstance(error, LockedOut):
        return locked(error.until)
    if isinstance(error, ResendTooSoon):
        return _("Please wait %(seconds)d seconds before requesting a new code.") % {
            "seconds": error.seconds
        }
    return str(error.user_message)


def for_delivery(challenge: Challenge | None) -> str:
    if challenge is None:
        return ""
    if challenge.delivery == Challenge.Delivery.FAILED:
        return str(SendError.user_message)
    if challenge.delivery == Challenge.Delivery.UNKNOWN:
        return str(GatewayTimeout.user_message)
    return ""


def for_refusal(refused: Verification) -> str:
    if refused.outcome is Outcome.LOCKED:
        return locked(refused.locked_until)
    return {
        Outcome.EXPIRED: _("This code has expired. Request a new code."),
        Outcome.EXHAUSTED: _("Too many wrong codes. Start again."),
        Outcome.USED: _("This code has already been used."),
        Outcome.NOT_FOUND: _("No valid code has been sent. Request a code to continue."),
        Outcome.RATE_LIMITED: _("Too many attempts. Please wait a few minutes and try again."),
        Outcome.MALFORMED: _("Enter the code from the SMS, digits only."),
        Outcome.WRONG: _("That code is not right. %(left)d attempt(s) left.")
        % {"left": refused.attempts_left},
    }[refused.outcome]


def for_recovery_failure(result: Redemption) -> str:
    if result.locked_until is not None:
        return locked(result.locked_until)
    return _("That recovery code is not valid.")
