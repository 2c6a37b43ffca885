"""Helpers for sites that test their own code with django-sms2fa installed.

Load the pytest fixtures with ``pytest_plugins = ["django_sms2fa.testing"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

# Django-dependent imports stay inside the functions: pytest loads this plugin
# before pytest-django has configured the settings.


def verified_login(client: Any, user: Any) -> None:
    """Like ``client.force_login(user)``, for a session that passed the second step."""
    from .flow import completing_login
    from .pending import mark_verified

    token = completing_login.set(True)
    try:
        client.force_login(user)
    finally:
        completing_login.reset(token)
    session = client.session
    mark_verified(session, user, via="test")
    session.save()


def code_from(message: Any) -> str:
    """The code in an SMS sent with the default message template."""
    match = re.search(r"#(\d+)\s*$", message.body)
    if match is None:
        raise AssertionError(f"no code in {message.body!r}")
    return match.group(1)


@pytest.fixture
def sms_outbox(settings: Any) -> Iterator[list[Any]]:
    """Switch to ``LocmemSender`` and yield its emptied outbox of ``SMS`` objects."""
    from .senders import outbox

    settings.SMS2FA_SENDER = "django_sms2fa.senders.LocmemSender"
    settings.SMS2FA_SENDER_OPTIONS = {}
    outbox.clear()
    yield outbox
    outbox.clear()
