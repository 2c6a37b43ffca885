"""The interface every sender implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class SMS:
    """One text message: ``to`` is an E.164 number, ``body`` the text.

    ``code`` is the code written in ``body`` (empty for a message without one),
    for a sender whose gateway makes the code itself (``generates_code``); it is
    left out of ``repr`` and comparisons."""

    to: str
    body: str
    code: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True)
class SendResult:
    """What the gateway said of an accepted message."""

    message_id: str = ""


@dataclass(frozen=True)
class GeneratedCode(SendResult):
    """The answer of a gateway that made the code itself: ``code`` is hashed at
    once by the caller and never stored, logged or shown (left out of ``repr``)."""

    code: str = field(default="", repr=False)


class BaseSender:
    """Deliver an ``SMS`` or raise a ``django_sms2fa.exceptions.SendError``.

    Options come from ``SMS2FA_SENDER_OPTIONS``; a key not listed in ``options``
    is a configuration error, so a typo never falls back to a default silently.
    """

    options: ClassVar[frozenset[str]] = frozenset()
    #: True for a sender whose gateway makes the code (IPROG's OTP mode): its
    #: ``send`` returns a ``GeneratedCode`` for a message that carries a ``code``.
    generates_code: ClassVar[bool] = False

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - self.options)
        if unknown:
            raise ImproperlyConfigured(
                f"{type(self).__name__} does not know the option(s) {', '.join(unknown)} "
                "in SMS2FA_SENDER_OPTIONS; it accepts: "
                f"{', '.join(sorted(self.options)) or 'none'}."
            )

    def send(self, message: SMS) -> SendResult:
        raise NotImplementedError

    def credit_balance(self) -> Decimal | None:
        """What is left on the gateway account, or None for a sender without one
        (console, locmem). Raises a ``SendError`` when the gateway cannot say."""
        return None

    def message_status(self, message_id: str) -> str | None:
        """The gateway's delivery status of a sent message (``"pending"``,
        ``"delivered"``, ``"failed"``, ...), or None for a sender that cannot
        tell. Raises a ``SendError`` when the gateway cannot say."""
        return None
