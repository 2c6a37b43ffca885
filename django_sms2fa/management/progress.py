"""A progress line for long management commands: rewritten in place on a
terminal, a line every tenth of the work otherwise (logs, cron mail)."""

from __future__ import annotations

from typing import Any


class Progress:
    """Counts work done; ``stream`` is a command's ``self.stderr`` (an ``OutputWrapper``)."""

    def __init__(self, stream: Any, label: str, total: int | None = None) -> None:
        self.stream = stream
        self.label = label
        self.total = total
        self.done = 0
        self._tty = bool(getattr(stream, "isatty", lambda: False)())
        self._next_line = self._step()

    def _step(self) -> int:
        return max(1, (self.total or 0) // 10) if self.total else 10_000

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self._tty:
            self.stream.write(f"\r{self._text()}", ending="")
            self.stream.flush()
        elif self.done >= self._next_line:
            self.stream.write(self._text())
            self._next_line = self.done + self._step()

    def finish(self) -> None:
        self.stream.write(("\r" if self._tty else "") + f"{self._text()} done")

    def _text(self) -> str:
        if self.total:
            return f"{self.label}: {self.done}/{self.total} ({100 * self.done // self.total}%)"
        return f"{self.label}: {self.done}"
