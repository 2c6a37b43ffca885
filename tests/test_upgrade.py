"""Replacing ModelBackend with SMS2FABackend: sessions made before the switch."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from django_sms2fa.backends import MODEL_BACKEND

SMS2FA_BACKEND = "django_sms2fa.backends.SMS2FABackend"


def old_session(client, user, backend=MODEL_BACKEND, auth_hash=None):
    """A session as ``login()`` left it before django-sms2fa was installed."""
    store = import_module(django_settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = auth_hash or user.get_session_auth_hash()
    store.save()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = store.session_key
    return store


def test_user_without_phone_stays_signed_in_and_is_carried_over_once(client, plain_user):
    store = old_session(client, plain_user)
    assert client.get("/whoami/").content == b"bob"
    assert client.session[BACKEND_SESSION_KEY] == SMS2FA_BACKEND
    assert client.get("/whoami/").content == b"bob"
    assert store.session_key == client.session.session_key


def test_user_with_phone_must_sign_in_again_with_a_code(client, user, sms_outbox):
    old_session(client, user)
    assert client.get("/whoami/").content == b"anonymous"
    assert SESSION_KEY not in client.session
    # Nothing was sent: signing in again is the only way in, and it asks for a code.
    assert sms_outbox == []
    assert client.get("/2fa/setup/").status_code == 302


def test_a_password_change_since_then_still_ends_the_session(client, plain_user):
    stale = plain_user.get_session_auth_hash()
    plain_user.set_password("a new password")
    plain_user.save()
    old_session(client, plain_user, auth_hash=stale)
    assert client.get("/whoami/").content == b"anonymous"


@pytest.mark.parametrize(
    "backend", ["django.contrib.auth.backends.RemoteUserBackend", "myproject.auth.Backend"]
)
def test_only_model_backend_sessions_are_carried_over(client, plain_user, backend):
    old_session(client, plain_user, backend=backend)
    assert client.get("/whoami/").content == b"anonymous"


def test_nothing_changes_while_model_backend_is_still_listed(client, plain_user, settings):
    settings.AUTHENTICATION_BACKENDS = [SMS2FA_BACKEND, MODEL_BACKEND]
    old_session(client, plain_user)
    assert client.get("/whoami/").content == b"bob"
    assert client.session[BACKEND_SESSION_KEY] == MODEL_BACKEND
