"""One-shot values for post/redirect/get: a POST that changes state stores what
the next page must say (an error, the new recovery codes) and redirects; the
page takes the value out of the session, so it is shown once and a reload
re-posts nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase

FLASH_KEY = "_sms2fa_flash"


def put(session: SessionBase, name: str, value: Any) -> None:
    values = session.get(FLASH_KEY)
    values = values if isinstance(values, dict) else {}
    values[name] = value
    session[FLASH_KEY] = values


def take(session: SessionBase, name: str, default: Any = None) -> Any:
    values = session.get(FLASH_KEY)
    if not isinstance(values, dict) or name not in values:
        return default
    value = values.pop(name)
    session[FLASH_KEY] = values
    return value
