"""E-mails to a user, written from templates in the user's language.

Each e-mail is two templates a site may override:
``sms2fa/email/<name>_subject.txt`` (one line) and ``sms2fa/email/<name>_body.txt``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from . import language

logger = logging.getLogger(__name__)


def render(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject and body of e-mail ``name`` in the active language."""
    subject = render_to_string(f"sms2fa/email/{name}_subject.txt", context)
    body = render_to_string(f"sms2fa/email/{name}_body.txt", context)
    # A subject with a line break would be refused by the mail backend.
    return " ".join(subject.split()), body


def send_to_user(
    user: Any, name: str, context: dict[str, Any], *, language_code: str = ""
) -> bool:
    """Mail ``user`` e-mail ``name`` in their language (``language_code`` where
    the caller knows it better, e.g. the language of a phone just removed);
    False if they have no address or the mail failed (logged), so the caller can
    fall back to SMS."""
    address = getattr(user, "email", "")
    if not address:
        return False
    with translation.override(language_code or language.of_user(user)):
        subject, body = render(name, {"user": user, **context})
    try:
        send_mail(subject, body, None, [address])
    except Exception:
        logger.exception("sms2fa: the %s e-mail failed", name)
        return False
    return True
