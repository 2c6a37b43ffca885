"""E-mail to a user whenever their phone is added, changed or removed.

A phone decides where the login codes go, so its owner must hear about every
change, whoever made it (the user, support staff, a command): a stolen session
or a social-engineered support desk cannot redirect the codes silently. Best
effort: a mail failure is logged, never raised, because the change is done.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import mail
from .conf import app_settings

ADDED, CHANGED, REMOVED = "added", "changed", "removed"


def tell_user(
    user: Any, change: str, *, phone: str = "", old_phone: str = "", by: str = "",
    request: HttpRequest | None = None, language_code: str = "",
) -> None:
    """Mail ``user`` that their phone was ``change``-d; ``phone`` and ``old_phone``
    are masked numbers, ``by`` names support staff or a command if not the user.
    In the user's language (``language_code`` for a phone that is gone), never
    that of the request: it may be an admin's or an attacker's."""
    from .challenges import site_domain

    mail.send_to_user(user, "phone_changed", {
        "change": change, "phone": phone, "old_phone": old_phone,
        "by_support": bool(by), "site_name": app_settings.SITE_NAME or site_domain(request),
    }, language_code=language_code)
