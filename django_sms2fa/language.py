"""Which language a text to a user goes out in.

- A code SMS is written in the language active when it is sent: in a request,
  the request's language (``LocaleMiddleware``: URL prefix, language cookie,
  ``Accept-Language``), which is what the person who asked for it reads.
- A notice (phone changed or removed, lockout) and every e-mail to a user go out
  in the language the user last used to confirm a phone or sign in with a code,
  kept on their phone; without one, ``settings.LANGUAGE_CODE``. Never the
  language of the request that caused it: that may be an admin's or an attacker's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils import translation


def of_request() -> str:
    """The active language, to keep on the phone of the user who is signing in."""
    return translation.get_language() or ""


def of_phone(phone: Any) -> str:
    """The language kept on ``phone``, else ``settings.LANGUAGE_CODE``."""
    return getattr(phone, "language", "") or settings.LANGUAGE_CODE


def of_user(user: Any) -> str:
    """The language of ``user``'s confirmed phone, else ``settings.LANGUAGE_CODE``."""
    from .models import Phone  # models import phones, which this module must not import

    language = (
        Phone.objects.filter(user=user, confirmed=True).values_list("language", flat=True).first()
    )
    return language or settings.LANGUAGE_CODE


@contextmanager
def for_phone(phone: Any) -> Iterator[None]:
    """Translate the texts built inside the block for the holder of ``phone``."""
    with translation.override(of_phone(phone)):
        yield


@contextmanager
def for_user(user: Any) -> Iterator[None]:
    """Translate the texts built inside the block for ``user``."""
    with translation.override(of_user(user)):
        yield
