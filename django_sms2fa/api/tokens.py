"""Session tokens of app clients: an opaque random token that names a server-side
Django session, sent in the ``X-Session-Token`` header instead of a cookie.

The session store keys the session by a hash of the token, never the token
itself: a leaked session table holds no usable token, and a token is not a
session cookie (nor a cookie a token). A token session is marked as such, lives
``SMS2FA_PENDING_TIMEOUT`` seconds until its code is verified, and then gets a
new token (the login cycles the session key) that is worth a full session.
It is bound to the password (Django's session hash) and to the confirmed phone
it was verified with: changing either ends it, and logging out deletes it.
"""

from __future__ import annotations

import hashlib
import secrets
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from .. import digests
from ..challenges import confirmed_phone
from ..conf import app_settings

HEADER = "HTTP_X_SESSION_TOKEN"
CLIENT_KEY = "_sms2fa_client"
PHONE_KEY = "_sms2fa_token_phone"
TOKEN_BYTES = 32
_MAX_TOKEN_LENGTH = 100


def key_for(token: str) -> str:
    """The session key a token is stored under (40 hex characters, the longest
    key Django's session table takes)."""
    return hashlib.sha256(f"django_sms2fa.api.token:{token}".encode()).hexdigest()[:40]


_classes: dict[str, type] = {}


def store_class() -> type:
    """``SESSION_ENGINE``'s store, made to key sessions by the hash of a new token."""
    engine = settings.SESSION_ENGINE
    if engine not in _classes:
        base = import_module(engine).SessionStore

        class TokenSession(base):  # type: ignore[valid-type, misc]
            token = ""

            def _get_new_session_key(self) -> str:
                while True:
                    token = secrets.token_urlsafe(TOKEN_BYTES)
                    key = key_for(token)
                    if not self.exists(key):
                        self.token = token
                        return key

        _classes[engine] = TokenSession
    return _classes[engine]


def server_side() -> bool:
    """False for the signed-cookie engine, whose sessions cannot be revoked."""
    return settings.SESSION_ENGINE != "django.contrib.sessions.backends.signed_cookies"


def empty() -> Any:
    """A token session not stored yet: stored (and given a token) only once ``start``ed."""
    return store_class()()


def start(store: SessionBase) -> None:
    """Make ``store`` an app client's session, for a login that passed its password
    check; it is stored under a new token at the end of the request."""
    store[CLIENT_KEY] = "app"
    store.set_expiry(app_settings.PENDING_TIMEOUT)


def save(store: SessionBase) -> None:
    """Store a started, changed session (a flushed one, logged out, is not stored again)."""
    if store.modified and store.get(CLIENT_KEY) == "app":
        store.save()


def load(token: str) -> Any:
    """The live token session of ``token``, or None (unknown, expired, revoked)."""
    if not 20 <= len(token) <= _MAX_TOKEN_LENGTH or not token.isascii():
        return None
    store = store_class()(session_key=key_for(token))
    if store.get(CLIENT_KEY) != "app" or store.session_key is None:
        return None
    store.token = token
    return store


PHONE_SALT = "django_sms2fa.api.token.phone"


def _phone_fingerprinted(user_id: Any) -> str:
    phone = confirmed_phone(user_id)
    return f"{phone.pk}:{phone.number}:{phone.confirmed_at}" if phone is not None else "none"


def phone_fingerprint(user_id: Any) -> str:
    return digests.digest(PHONE_SALT, _phone_fingerprinted(user_id))


def bind_phone(store: SessionBase, user_id: Any) -> None:
    """Bind the session to the user's confirmed phone as it is now."""
    store[PHONE_KEY] = phone_fingerprint(user_id)


def phone_unchanged(store: SessionBase, user_id: Any) -> bool:
    return digests.matches(PHONE_SALT, _phone_fingerprinted(user_id), str(store.get(PHONE_KEY, "")))


def signed_in(store: SessionBase) -> None:
    """A verified login: the token lives as long as a session cookie would."""
    store.set_expiry(None)
