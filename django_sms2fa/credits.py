"""The gateway account's credit balance, asked of the sender and kept a few minutes.

A sender that can tell its balance has ``credit_balance() -> Decimal | None``
(``IPROGSender`` asks IPROG); one that cannot (console, locmem, a site's own
sender without the method) gives None, shown as "unknown". So does a gateway
that fails to answer: that answer is kept a shorter while, so that a gateway
that is down does not slow every dashboard view by its timeout.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.core.cache import cache

from .exceptions import SendError
from .senders import get_sender

logger = logging.getLogger(__name__)

CACHE_KEY = "sms2fa:credit_balance"
#: Seconds an answer is kept, and an "unknown" one.
KEEP_SECONDS = 300
KEEP_UNKNOWN_SECONDS = 60
_UNKNOWN = "unknown"


def credit_balance() -> Decimal | None:
    """The balance left on the gateway account, or None when it cannot be had."""
    kept = cache.get(CACHE_KEY)
    if kept is not None:
        return None if kept == _UNKNOWN else Decimal(kept)
    balance = _ask()
    if balance is None:
        cache.set(CACHE_KEY, _UNKNOWN, KEEP_UNKNOWN_SECONDS)
    else:
        cache.set(CACHE_KEY, str(balance), KEEP_SECONDS)
    return balance


def _ask() -> Decimal | None:
    try:
        sender = get_sender()
        ask = getattr(sender, "credit_balance", None)
        answer = ask() if callable(ask) else None
        return None if answer is None else Decimal(str(answer))
    except (SendError, InvalidOperation) as error:
        logger.warning("sms2fa: the credit balance could not be had: %s",
                       getattr(error, "detail", None) or type(error).__name__)
    except Exception:
        # A faulty sender must not break the admin's dashboard.
        logger.exception("sms2fa: the sender failed to tell its credit balance")
    return None
