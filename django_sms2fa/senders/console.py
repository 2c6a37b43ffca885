"""Print each SMS to the terminal: for development only."""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

from ..phones import mask
from .base import SMS, BaseSender, SendResult


class ConsoleSender(BaseSender):
    options = frozenset({"stream"})
    _lock = threading.Lock()

    def __init__(self, *, stream: TextIO | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.stream = stream

    def send(self, message: SMS) -> SendResult:
        stream = self.stream or sys.stdout
        rule = "-" * 60
        with self._lock:
            stream.write(f"SMS to {mask(message.to)}\n{rule}\n{message.body}\n{rule}\n")
            stream.flush()
        return SendResult()
