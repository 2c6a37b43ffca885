"""Errors raised by django-sms2fa.

Every ``SendError`` carries ``user_message``, a sentence safe to show the person
signing in, and ``detail``, a short text for the admin log with secrets removed.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class SMS2FAError(Exception):
    """Base of every error raised by django-sms2fa."""


class SendError(SMS2FAError):
    """The SMS was not delivered to the gateway."""

    user_message = _("We could not send the code. Please try again in a moment.")
    #: True where the gateway may have queued the SMS anyway (a read timeout):
    #: such a send must not be repeated automatically.
    may_have_been_sent = False

    def __init__(
        self, detail: str = "", *, status_code: int | None = None, response: Any = None
    ) -> None:
        super().__init__(detail or self.__class__.__name__)
        self.detail = detail
        self.status_code = status_code
        self.response = response


class GatewayUnavailable(SendError):
    """The gateway could not be reached or answered with a server error."""

    user_message = _("The SMS service is not reachable right now. Please try again in a moment.")


class GatewayTimeout(SendError):
    """The gateway did not answer in time; the SMS may still arrive."""

    user_message = _(
        "The SMS service is slow to answer. Your code may still arrive; "
        "if it does not, request a new one."
    )
    may_have_been_sent = True


class GatewayBadResponse(SendError):
    """The gateway answered with something that is not its JSON answer."""


class GatewayUnclear(GatewayBadResponse):
    """The gateway's answer neither confirms nor refuses the SMS (a 5xx, an empty or
    malformed body, "queued" without a message id): it may have been queued, so it
    counts as sent for the cooldown and is never sent again at once."""

    user_message = GatewayTimeout.user_message
    may_have_been_sent = True


class GatewayRejected(SendError):
    """The gateway refused the SMS (bad token, number, content or credits)."""


class SendRefused(SendError):
    """django-sms2fa refused to send (a limit, the budget, the region, a lockout
    or a gateway known to be down): nothing reached the gateway."""


class SendRateLimited(SendRefused):
    """Too many codes were asked for (per user, IP or phone); nothing was sent."""

    user_message = _("Too many codes were requested. Please wait a few minutes and try again.")


class BudgetExhausted(SendRefused):
    """The site's daily SMS budget is spent."""

    user_message = _(
        "We cannot send codes right now. Please try again later or contact support."
    )


class RegionNotAllowed(SendRefused):
    """The number is outside ``SMS2FA_ALLOWED_REGIONS``."""

    user_message = _("We cannot send codes to numbers in this country.")


class CircuitOpen(SendRefused):
    """The gateway failed repeatedly; sends pause for ``SMS2FA_BREAKER_COOLDOWN``."""

    user_message = _("The SMS service is not reachable right now. Please try again in a minute.")


class LimitsUnavailable(SendRefused):
    """The rate-limit cache cannot be reached; sends fail closed."""

    user_message = _("We cannot send codes right now. Please try again in a few minutes.")


class ResendTooSoon(SendRefused):
    """A code for this purpose was sent moments ago; nothing was sent."""

    user_message = _("A code was sent a moment ago. Please wait before requesting another.")

    def __init__(self, seconds: int) -> None:
        super().__init__(f"cooldown, {seconds} s left")
        self.seconds = seconds


class LockedOut(SendRefused):
    """The user has had too many wrong codes; no code is sent until ``until``."""

    user_message = _("Too many wrong codes. For your security, codes are blocked for a while.")

    def __init__(self, until: Any) -> None:
        super().__init__("user locked out")
        self.until = until


class NoPhone(SMS2FAError):
    """The user has no confirmed phone to send a code to."""


class SecondStepRequired(SMS2FAError):
    """Raised inside ``django.contrib.auth.login`` to hold a login until its code.

    ``SMS2FAMiddleware`` turns it into a redirect to the second step; it never
    reaches the user. It carries the user who just passed the password check and
    their confirmed phone, so the send needs no second lookup of either.
    """

    def __init__(self, user: Any = None, phone: Any = None) -> None:
        super().__init__("the login waits for its second step")
        self.user = user
        self.phone = phone
