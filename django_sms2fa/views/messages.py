"""The sentences the views show for each outcome of a code check: one per state,
each pointing at the one thing to do next."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..challenges import Outcome, Verification
from ..exceptions import GatewayTimeout, LockedOut, ResendTooSoon, SendError
from ..models import Challenge
from ..recovery import Redemption


def local_time(moment: datetime | None) -> str:
    """``moment`` as the site's local time of day, with its zone's abbreviation."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{time_format(local, 'H:i')} {local.tzname() or ''}".strip()


def locked(until: datetime | None) -> str:
    return _(
        "Too many wrong codes. For your security, sign-in with a code is blocked "
        "until %(time)s."
    ) % {"time": local_time(until)}


def wait_seconds(seconds: int) -> str:
    return ngettext(
        "Please wait %(seconds)d second before requesting a new code.",
        "Please wait %(seconds)d seconds before requesting a new code.",
        seconds,
    ) % {"seconds": seconds}


def for_send_error(error: SendError) -> str:
    if isinstance(error, LockedOut):
        return locked(error.until)
    if isinstance(error, ResendTooSoon):
        return wait_seconds(error.seconds)
    return str(error.user_message)


def for_delivery(challenge: Challenge | None) -> str:
    if challenge is None:
        return ""
    if challenge.delivery == Challenge.Delivery.FAILED:
        return str(SendError.user_message)
    if challenge.delivery == Challenge.Delivery.UNKNOWN:
        return str(GatewayTimeout.user_message)
    return ""


def attempts_left(left: int) -> str:
    return ngettext(
        "That code is not right. %(left)d attempt left.",
        "That code is not right. %(left)d attempts left.",
        left,
    ) % {"left": left}


def for_refusal(refused: Verification) -> str:
    if refused.outcome is Outcome.LOCKED:
        return locked(refused.locked_until)
    if refused.outcome is Outcome.WRONG:
        return attempts_left(refused.attempts_left)
    return {
        Outcome.EXPIRED: _("This code has expired. Send a new code to continue."),
        Outcome.EXHAUSTED: _("Too many wrong codes for this code. Start again to get a new one."),
        Outcome.USED: _("This code has already been used."),
        Outcome.NOT_FOUND: _("No valid code has been sent. Send a code to continue."),
        Outcome.RATE_LIMITED: _("Too many attempts. Please wait a few minutes and try again."),
        Outcome.MALFORMED: _("Enter the code from the SMS, digits only."),
    }[refused.outcome]


def for_recovery_failure(result: Redemption) -> str:
    if result.locked_until is not None:
        return locked(result.locked_until)
    return _("That recovery code is not valid.")


def recovery_codes_left(left: int) -> str:
    return ngettext(
        "You have %(left)d recovery code left.", "You have %(left)d recovery codes left.", left
    ) % {"left": left}
