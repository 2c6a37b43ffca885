"""Rate limits on sending and checking codes, enforced with django-ratelimit.

The rates are settings (``SMS2FA_SEND_RATE_USER`` ...); the counters live in the
cache named by django-ratelimit's ``RATELIMIT_USE_CACHE``. If that cache fails,
the limit counts as hit: a broken cache must not open the door to SMS floods or
code guessing.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from .conf import app_settings

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str:
    """The address limits and logs use for the client."""
    return request.META.get("REMOTE_ADDR") or ""


def _hit(request: HttpRequest, group: str, rate: str, value: str) -> bool:
    try:
        return is_ratelimited(
            request, group=group, key=lambda _group, _request: value, rate=rate, increment=True
        )
    except Exception:  # the cache is down: fail closed
        logger.exception("sms2fa: rate-limit cache failed; refusing %s", group)
        return True


def send_limited(request: HttpRequest, user_id: str) -> bool:
    """Count a send for this user and IP; True if either is over its rate."""
    return _hit(request, "sms2fa.send.user", app_settings.SEND_RATE_USER, user_id) or _hit(
        request, "sms2fa.send.ip", app_settings.SEND_RATE_IP, client_ip(request)
    )


def verify_limited(request: HttpRequest, user_id: str) -> bool:
    """Count a code check for this user and IP; True if either is over its rate."""
    return _hit(request, "sms2fa.verify.user", app_settings.VERIFY_RATE_USER, user_id) or _hit(
        request, "sms2fa.verify.ip", app_settings.VERIFY_RATE_IP, client_ip(request)
    )
