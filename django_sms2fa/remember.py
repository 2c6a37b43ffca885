"""'Remember this browser': a signed cookie that skips the code on one browser.

The cookie holds the user id and a fingerprint of their confirmed phone and
password, so changing either, turning 2FA off or an admin's reset of the phone
(each of which replaces or deletes the phone row) revokes every remembered browser.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from . import digests, events, signals
from .conf import app_settings
from .models import Phone, SecurityEvent

SALT = "django_sms2fa.remember"


def _fingerprinted(user: Any, phone: Phone) -> str:
    """What the cookie's fingerprint covers: the phone row and the password hash."""
    confirmed = phone.confirmed_at.isoformat() if phone.confirmed_at else ""
    return f"{phone.pk}:{phone.number}:{confirmed}:{user.password}"


def remember(response: HttpResponse, request: HttpRequest, user: Any, phone: Phone) -> None:
    days = app_settings.REMEMBER_DAYS
    fingerprint = digests.digest(SALT, _fingerprinted(user, phone))
    value = signing.dumps({"u": str(user.pk), "f": fingerprint}, salt=SALT)
    response.set_cookie(
        app_settings.REMEMBER_COOKIE_NAME,
        value,
        max_age=days * 86400,
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def remember_browser(response: HttpResponse, request: HttpRequest, user: Any, phone: Phone) -> None:
    """Remember this browser (the cookie), in the security log and the signal."""
    remember(response, request, user, phone)
    events.record(SecurityEvent.Kind.BROWSER_REMEMBERED, user=user, request=request)
    signals.browser_remembered.send(type(user), user=user, request=request)


def is_remembered(request: HttpRequest, user: Any, phone: Phone) -> bool:
    """True if this browser carries a valid, unrevoked cookie for ``user``."""
    days = app_settings.REMEMBER_DAYS
    raw = request.COOKIES.get(app_settings.REMEMBER_COOKIE_NAME)
    if not days or not raw:
        return False
    try:
        data = signing.loads(raw, salt=SALT, max_age=days * 86400)
    except signing.BadSignature:
        return False
    return (
        isinstance(data, dict)
        and data.get("u") == str(user.pk)
        and digests.matches(SALT, _fingerprinted(user, phone), str(data.get("f", "")))
    )
