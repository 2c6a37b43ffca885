"""A held login stores its session once, under a key nobody planted.

``login()`` cycles the key of the session; for a session that was never
stored, django-sms2fa lets that wait until the response stores it
(``receivers.defer_new_session_key``). These tests hold the properties that
cycle exists for, and that logins let through still look as Django makes them.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import last_code, password_step

pytestmark = pytest.mark.django_db


def plant(client, key: str) -> None:
    client.cookies[settings.SESSION_COOKIE_NAME] = key


def test_a_stored_session_planted_by_an_attacker_is_not_kept(client, user):
    planted = SessionStore()
    planted["x"] = 1
    planted.create()
    plant(client, planted.session_key)
    password_step(client)
    held = client.session.session_key
    assert held != planted.session_key and "_sms2fa_pending" in client.session
    assert not SessionStore().exists(planted.session_key)
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.session.session_key not in (held, planted.session_key)
    assert client.get("/whoami/").content == b"alice"


def test_a_planted_key_that_names_no_session_is_not_used(client, user):
    plant(client, "k" * 32)
    password_step(client)
    assert client.session.session_key != "k" * 32
    assert "_sms2fa_pending" in client.session
    assert not SessionStore().exists("k" * 32)


def test_a_held_login_writes_its_session_once(client, user):
    with CaptureQueriesContext(connection) as queries:
        password_step(client)
    writes = [q["sql"] for q in queries
              if "django_session" in q["sql"] and q["sql"].lstrip().startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 1 and writes[0].lstrip().startswith("INSERT")


def test_a_login_let_through_gives_receivers_a_stored_session(client, plain_user):
    seen = []

    def receiver(sender, request, user, **kwargs):
        key = request.session.session_key
        seen.append((key, key is not None and SessionStore().exists(key)))

    user_logged_in.connect(receiver)
    try:
        password_step(client, username="bob")
    finally:
        user_logged_in.disconnect(receiver)
    assert len(seen) == 1 and seen[0][1] is True
    assert client.session.session_key == seen[0][0]
    assert client.get("/whoami/").content == b"bob"


@pytest.mark.parametrize("verified", [False, True])
def test_a_session_naming_a_user_who_is_gone_is_anonymous(client, user, verified):
    session = client.session
    session["_auth_user_id"] = "99999"
    session["_auth_user_backend"] = "django_sms2fa.backends.SMS2FABackend"
    session["_auth_user_hash"] = "x"
    if verified:
        session["_sms2fa_verified"] = {"user_id": "99999", "via": "code", "at": 0, "phone": ""}
    session.save()
    assert client.get("/whoami/").content == b"anonymous"
