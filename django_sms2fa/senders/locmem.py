"""Keep each SMS in ``django_sms2fa.senders.outbox``: for tests."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..exceptions import SendError
from . import outbox
from .base import SMS, BaseSender, SendResult


class LocmemSender(BaseSender):
    """Append to ``django_sms2fa.senders.outbox``; with option ``fail_with`` (a ``SendError``
    subclass or its dotted path) raise that instead, so tests reach every error path.
    """

    options = frozenset({"fail_with"})

    def __init__(self, *, fail_with: type[SendError] | str | None = None, **options: Any) -> None:
        super().__init__(**options)
        if isinstance(fail_with, str):
            try:
                fail_with = import_string(fail_with)
            except ImportError as exc:
                raise ImproperlyConfigured(f"LocmemSender fail_with: {exc}") from None
        if fail_with is not None and not (
            isinstance(fail_with, type) and issubclass(fail_with, SendError)
        ):
            raise ImproperlyConfigured("LocmemSender fail_with must be a SendError subclass.")
        self.fail_with = fail_with

    def send(self, message: SMS) -> SendResult:
        if self.fail_with is not None:
            raise self.fail_with("LocmemSender was told to fail")
        outbox.append(message)
        return SendResult(message_id=f"locmem-{len(outbox)}")
