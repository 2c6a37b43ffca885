"""App clients' session tokens, and what each client kind may and may not use."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from django_sms2fa.api import tokens
from django_sms2fa.models import Phone

from .api_client import ApiClient, codes
from .conftest import PASSWORD, last_code, password_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def app():
    return ApiClient("app")


def sign_in(client, username="alice"):
    body = client.post("auth/login", {"username": username, "password": PASSWORD})
    first = client.token
    if body["state"] == "code_required":
        body = client.post("auth/code", {"code": last_code()})
    assert body["state"] == "authenticated"
    return first


def test_token_is_random_stored_hashed_and_replaced_after_the_code(app, user):
    app.post("auth/login", {"username": "alice", "password": PASSWORD})
    pending_token = app.token
    assert pending_token and len(pending_token) >= 43  # 32 random bytes
    assert not Session.objects.filter(session_key=pending_token).exists()
    stored = Session.objects.get(session_key=tokens.key_for(pending_token))
    # A pending login's token lives only as long as the pending login.
    assert stored.expire_date <= timezone.now() + timedelta(seconds=601)
    app.post("auth/code", {"code": last_code()})
    assert app.token != pending_token
    assert not Session.objects.filter(session_key=tokens.key_for(pending_token)).exists()
    full = Session.objects.get(session_key=tokens.key_for(app.token))
    assert full.expire_date > timezone.now() + timedelta(days=13)
    # The pending token is worth nothing now.
    body = app.get("account/status", headers={"X-Session-Token": pending_token})
    assert body["status"] == 401 and codes(body) == ["invalid_token"]


def test_token_replay_after_logout_is_refused(app, user):
    sign_in(app)
    token = app.token
    body = app.delete("auth/session")
    assert body["status"] == 200 and body["state"] == "unauthenticated"
    assert "session_token" not in body
    body = app.get("account/status", headers={"X-Session-Token": token})
    assert body["status"] == 401 and codes(body) == ["invalid_token"]
    assert not Session.objects.filter(session_key=tokens.key_for(token)).exists()


@pytest.mark.parametrize("token", ["x", "A" * 43, "é" * 30, "B" * 500])
def test_bad_tokens_are_refused(app, token):
    body = app.get("auth/session", headers={"X-Session-Token": token})
    assert body["status"] == 401 and codes(body) == ["invalid_token"]


def test_password_change_revokes_the_token(app, user):
    sign_in(app)
    user.set_password("another long password")
    user.save()
    body = app.get("account/status")
    assert body["status"] == 401 and body["state"] == "unauthenticated"


def test_phone_change_elsewhere_revokes_the_token(app, user):
    sign_in(app)
    other = ApiClient("app")
    sign_in(other)
    Phone.objects.filter(user=user).delete()
    Phone.objects.create(user=user, number="+639179999999", confirmed=True,
                         confirmed_at=timezone.now())
    for client in (app, other):
        body = client.get("account/status")
        assert body["status"] == 401 and codes(body) == ["invalid_token"]


def test_app_requests_carry_no_cookie_authority(client, user):
    """A browser signed in with its cookie gains nothing by calling the app kind."""
    password_step(client)
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/whoami/").content == b"alice"
    app = ApiClient("app", client=client)
    body = app.get("account/status")
    assert body["status"] == 401 and body["state"] == "unauthenticated"
    # Nor does the session cookie's value work as a token.
    cookie = client.cookies["sessionid"].value
    body = app.get("account/status", headers={"X-Session-Token": cookie})
    assert codes(body) == ["invalid_token"]


def test_a_token_is_not_a_session_cookie(app, user):
    sign_in(app)
    browser = Client()
    browser.cookies["sessionid"] = app.token
    assert browser.get("/whoami/").content == b"anonymous"
    # Not even the stored key (the hash of the token, known only to the server)
    # makes it a browser session.
    browser.cookies["sessionid"] = tokens.key_for(app.token)
    assert browser.get("/whoami/").content == b"anonymous"
    assert app.get("account/status")["status"] == 200


def test_browser_kind_needs_csrf(user):
    browser = ApiClient("browser")
    body = browser.post("auth/login", {"username": "alice", "password": PASSWORD}, csrf=False)
    assert body["status"] == 403 and codes(body) == ["csrf_failed"]
    body = browser.post("auth/login", {"username": "alice", "password": PASSWORD})
    assert body["status"] == 200 and body["state"] == "code_required"


def test_app_kind_needs_no_csrf_and_sets_no_cookie(app, user):
    app.http = Client(enforce_csrf_checks=True)
    sign_in(app)  # ApiClient asserts that no answer to the app kind sets a cookie


def test_nothing_secret_is_logged(app, user, caplog):
    caplog.set_level(logging.DEBUG)
    app.post("auth/login", {"username": "alice", "password": PASSWORD})
    pending_token, code = app.token, last_code()
    app.post("auth/code", {"code": "000000" if code != "000000" else "111111"})
    app.post("auth/code", {"code": code})
    app.get("account/status", headers={"X-Session-Token": "A" * 43})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (PASSWORD, code, pending_token, app.token):
        assert secret not in logged
