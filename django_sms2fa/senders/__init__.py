"""Senders deliver codes; ``SMS2FA_SENDER`` names the one in use, like ``EMAIL_BACKEND``."""

from __future__ import annotations

from django.utils.module_loading import import_string

from ..conf import app_settings
from .base import SMS, BaseSender, GeneratedCode, SendResult

#: Messages sent with ``LocmemSender``. Empty it in place (``outbox.clear()``),
#: never rebind it: the sender appends to this very list.
outbox: list[SMS] = []

from .console import ConsoleSender  # noqa: E402  (the senders import ``outbox``)
from .iprog import IPROGSender  # noqa: E402
from .iprog_otp import IPROGOTPSender  # noqa: E402
from .locmem import LocmemSender  # noqa: E402


def get_sender() -> BaseSender:
    """An instance of the configured sender with its ``SMS2FA_SENDER_OPTIONS``."""
    return import_string(app_settings.SENDER)(**app_settings.SENDER_OPTIONS)


__all__ = [
    "SMS", "BaseSender", "SendResult", "get_sender", "outbox",
    "ConsoleSender", "LocmemSender", "IPROGSender", "IPROGOTPSender", "GeneratedCode",
]
