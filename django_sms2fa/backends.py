"""SMS2FABackend: the password check of a login that django-sms2fa holds."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string

from . import clock, statements
from .pending import PHONE_STAMP_ATTR

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
#: Where ``SMS2FABackend.authenticate`` leaves the user's confirmed phone (or None).
CONFIRMED_PHONE_ATTR = "sms2fa_confirmed_phone"


class SMS2FABackend(ModelBackend):
    """Checks the username and password exactly like ``ModelBackend``.

    A site lists it in ``AUTHENTICATION_BACKENDS`` in place of ``ModelBackend``.
    Its path is what the session records when the second step completes the
    login, and ``manage.py check`` refuses a configuration without it.
    """

    def authenticate(
        self, request: HttpRequest | None, username: Any = None, password: Any = None,
        **kwargs: Any,
    ) -> Any:
        """As ``ModelBackend.authenticate``; with the default ``get_by_natural_key``
        the user's confirmed phone is read in the same query and kept on the
        user as ``CONFIRMED_PHONE_ATTR``, for the login that follows to hold."""
        users = get_user_model()
        manager = type(users._default_manager)
        if (getattr(manager, "get_by_natural_key", None) is not BaseUserManager.get_by_natural_key
                or not statements.users_are_plain()):
            return super().authenticate(request, username, password, **kwargs)
        if username is None:
            username = kwargs.get(users.USERNAME_FIELD)
        if username is None or password is None:
            return None
        found = statements.user_by_natural_key(username, clock.now())
        if found is None:
            # As ModelBackend: hash once, so that a missing user takes as long (#20760).
            users().set_password(password)
            return None
        user, phone = found
        if not (user.check_password(password) and self.user_can_authenticate(user)):
            return None
        setattr(user, CONFIRMED_PHONE_ATTR, phone)
        return user

    def get_user(self, user_id: Any) -> Any:
        """The session's user, read with the stamp of their confirmed phone: the
        middleware ends the session if the phone changed since it was verified,
        and this spares every signed-in request a query of its own for it."""
        if not statements.users_are_plain():
            return super().get_user(user_id)  # the middleware reads the stamp itself
        try:
            user = statements.user_with_phone_stamp(user_id, PHONE_STAMP_ATTR)
        except (ValueError, TypeError, ValidationError):  # not a pk of this user model
            return None
        return user if user is not None and self.user_can_authenticate(user) else None


def carry_over_model_backend(request: HttpRequest) -> bool:
    """Move a session signed in through ``ModelBackend`` to ``SMS2FABackend``, once.

    Django drops a session whose recorded backend is no longer listed, so putting
    ``SMS2FABackend`` in place of ``ModelBackend`` would sign every user out.
    ``SMS2FABackend`` checks exactly what ``ModelBackend`` checked, so such a
    session is carried over; the middleware then treats it like any session that
    did not pass the second step: a user with a confirmed phone must sign in again
    with a code. Only that exact path is carried over, and the session's password
    hash is still verified by Django as for any session.
    """
    session = request.session
    if session.get(BACKEND_SESSION_KEY) != MODEL_BACKEND:
        return False
    backends = settings.AUTHENTICATION_BACKENDS
    if MODEL_BACKEND in backends:
        return False
    target = next((p for p in backends if issubclass(import_string(p), SMS2FABackend)), None)
    if target is None:
        return False
    session[BACKEND_SESSION_KEY] = target
    # AuthenticationMiddleware's lazy user may already hold the anonymous user
    # that the old path gave; look it up again under the new one.
    for cached in ("_cached_user", "_acached_user"):
        request.__dict__.pop(cached, None)
    request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
    return True
