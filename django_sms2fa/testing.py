"""Helpers for sites that test their own code with django-sms2fa installed.

``verified_login`` and ``code_from`` work with any test runner (Django's
``TestCase`` included); pytest users load the ``sms_outbox`` fixture with
``pytest_plugins = ["django_sms2fa.testing"]``. pytest is not needed otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

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


def _sms_outbox(settings: Any) -> Iterator[list[Any]]:
    from .senders import outbox

    settings.SMS2FA_SENDER = "django_sms2fa.senders.LocmemSender"
    settings.SMS2FA_SENDER_OPTIONS = {}
    outbox.clear()
    yield outbox
    outbox.clear()


def pytest_configure(config: Any) -> None:
    """Register the fixtures when pytest loads this module as a plugin; pytest is
    imported only then, so sites on Django's test runner need not install it."""
    import pytest

    class Fixtures:
        @pytest.fixture
        def sms_outbox(self, settings: Any) -> Iterator[list[Any]]:
            """Switch to ``LocmemSender`` and yield its emptied outbox of ``SMS`` objects."""
            yield from _sms_outbox(settings)

    config.pluginmanager.register(Fixtures(), "django_sms2fa.testing.fixtures")
