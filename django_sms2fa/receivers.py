"""Hold every login of a user with a confirmed phone until the code is verified.

``django.contrib.auth.login`` is where every login ends (``LoginView``, the
admin, a site's own views). It fires ``user_logged_in`` last; our receiver runs
first, takes the half-made login back out of the session and raises
``SecondStepRequired``, which ``SMS2FAMiddleware`` turns into a redirect to the
second step. Raising is the only way to keep the other receivers (last-login
update, audit logs) from treating the password alone as a login; they run once,
when the code is verified.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest

from . import session
from .backends import CONFIRMED_PHONE_ATTR
from .challenges import confirmed_phone
from .exceptions import SecondStepRequired
from .flow import completing_login
from .pending import PendingLogin, mark_verified
from .policy import requires_2fa
from .redirects import safe_next_url
from .remember import is_remembered

DISPATCH_UID = "django_sms2fa.hold_login"
NOT_READ = object()


def defer_new_session_key(request: HttpRequest) -> None:
    """Let ``login()`` leave a session that was never stored without a key until
    the response stores it: a held login then writes its session once, not twice.

    ``login()`` cycles the key of a session without a user, and for a session
    never stored that means storing it now, before the receivers run, only to
    store it again with the pending login at the end of the request. Such a
    session has no key an attacker could have planted: SessionMiddleware gives
    it a fresh one when it stores it. A login that is not held gets its key at
    once (``_store_deferred``), so the site's receivers see what Django gives them.
    """
    store = request.session
    cycle = store.cycle_key

    def cycle_key() -> None:
        store.keys()  # loads: a key that names no stored session is dropped here
        if store.session_key is not None:
            cycle()
            return
        store.modified = True

    try:
        store.cycle_key = cycle_key  # type: ignore[method-assign]
    except AttributeError:  # a session class that takes no attributes: as Django does
        pass


def _store_deferred(request: HttpRequest) -> None:
    if request.session.session_key is None:
        request.session.create()


def hold_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if completing_login.get() or request is None:
        return
    # Nothing begun or verified in this browser by someone else counts for this user.
    session.forget_other_users(request.session, user)
    pending = PendingLogin.load(request.session)
    if pending is not None and pending.user_id != str(user.pk):
        PendingLogin.clear(request.session)
    # Read with the user by SMS2FABackend's password check, if it made this login.
    phone: Any = getattr(user, CONFIRMED_PHONE_ATTR, NOT_READ)
    if phone is NOT_READ:
        phone = confirmed_phone(user.pk)
    if phone is None and not requires_2fa(user):
        _store_deferred(request)
        mark_verified(request.session, user, via="no-phone", phone="")
        return
    if phone is not None and is_remembered(request, user, phone):
        _store_deferred(request)
        mark_verified(request.session, user, via="remembered", phone=str(phone.pk))
        return
    backend = request.session.get(BACKEND_SESSION_KEY, "")
    strip_login(request)
    if not getattr(request, "sms2fa_protected", False):
        # No SMS2FAMiddleware to run the second step (misconfigured site, or the
        # test client's login()): the login is refused, never let through.
        return
    phase = "code" if phone is not None else "enroll"
    PendingLogin.start(request.session, user, backend, safe_next_url(request), phase=phase)
    raise SecondStepRequired(user=user, phone=phone)


def strip_login(request: HttpRequest) -> None:
    """Undo the authentication part of a session, keeping the rest of it."""
    for key in (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY):
        request.session.pop(key, None)
    request.user = AnonymousUser()


def connect() -> None:
    user_logged_in.connect(hold_login, dispatch_uid=DISPATCH_UID)
    # Move ours to the front. Signal has no ordering API; these attributes have
    # been stable since Django 1.x; tests/test_receivers.py fails if they change.
    with user_logged_in.lock:
        ours = [r for r in user_logged_in.receivers if r[0][0] == DISPATCH_UID]
        others = [r for r in user_logged_in.receivers if r[0][0] != DISPATCH_UID]
        user_logged_in.receivers[:] = ours + others
        user_logged_in.sender_receivers_cache.clear()
