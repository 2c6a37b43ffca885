"""SMS that carry no code: telling the holder of a number that it no longer
guards an account, or that sign-in was blocked. Best effort, within the allowed
regions; never a code, so never a challenge."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import language
from .conf import app_settings
from .exceptions import SendError
from .models import Phone
from .phones import mask
from .quota import check_region
from .senders import SMS, get_sender

logger = logging.getLogger(__name__)


def site_domain(request: HttpRequest | None) -> str:
    """``SMS2FA_DOMAIN``, or the request's host (validated by ``ALLOWED_HOSTS``)."""
    if app_settings.DOMAIN:
        return app_settings.DOMAIN
    return request.get_host().rsplit(":", 1)[0] if request is not None else ""


def notify(
    old: Phone, request: HttpRequest | None, *, new: Phone | None = None, by_support: bool = False
) -> None:
    """Tell the holder of ``old`` that it no longer guards the account (it was
    removed, or replaced by ``new``), in the language kept on it. Best effort."""
    with language.for_phone(old):
        if new is None:
            change = pgettext("the phone number was ...", "removed")
        elif by_support:
            change = _("changed to %(phone)s by support") % {"phone": new.masked}
        else:
            change = _("changed to %(phone)s") % {"phone": new.masked}
        body = app_settings.NOTICE_TEMPLATE.format(
            site_name=app_settings.SITE_NAME or site_domain(request), change=change
        )
    send_notice(old.number, body)


def send_notice(number: str, body: str) -> None:
    """Send an SMS that carries no code, within the allowed regions. Best effort:
    a failure is logged, never raised, because the action it reports is done.

    Notices are not held to the daily budget: each follows a phone change or a
    lockout of a confirmed phone, which are limited themselves, and a capped
    notice could hide a takeover from the number's holder."""
    try:
        check_region(number)
        get_sender().send(SMS(to=number, body=body))
    except SendError as error:
        logger.warning("sms2fa: notice to %s not sent: %s", mask(number), error.detail)
