"""E-mail to a user whenever their phone is added, changed or removed.

A phone decides where the login codes go, so its owner must hear about every
change, whoever made it (the user, support staff, a command): a stolen session
or a social-engineered support desk cannot redirect the codes silently. Best
effort: a mail failure is logged, never raised, because the change is done.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string

from . import language
from .conf import app_settings

logger = logging.getLogger(__name__)

ADDED, CHANGED, REMOVED = "added", "changed", "removed"


def tell_user(
    user: Any, change: str, *, phone: str = "", old_phone: str = "", by: str = "",
    request: HttpRequest | None = None,
) -> None:
    """Mail ``user`` that their phone was ``change``-d; ``phone`` and ``old_phone``
    are masked numbers, ``by`` names support staff or a command if not the user."""
    email = getattr(user, "email", "")
    if not email:
        return
    from .challenges import site_domain

    context = {
        "user": user, "change": change, "phone": phone, "old_phone": old_phone,
        "by_support": bool(by), "site_name": app_settings.SITE_NAME or site_domain(request),
    }
    # In the user's language, never that of the request: it may be an admin's or an attacker's.
    with language.for_user(user):
        subject = " ".join(
            render_to_string("sms2fa/email/phone_changed_subject.txt", context).split()
        )
        body = render_to_string("sms2fa/email/phone_changed.txt", context)
    try:
        send_mail(subject, body, None, [email])
    except Exception:
        logger.exception("sms2fa: phone change email failed")
