"""Logins held under ``ATOMIC_REQUESTS``, with database sessions (the default
engine of the test settings), on SQLite and on PostgreSQL.

The hold ends the view by raising inside ``login()``; the view's transaction must
still commit: the session ``login()`` cycled (else the response fails with
``SessionInterrupted``, after the SMS went out) and whatever the view did before
(a password reset's new password).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from django_sms2fa.senders import outbox

from .conftest import PASSWORD, last_code, password_step

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a whole new password 42"


@pytest.fixture(autouse=True)
def atomic_requests(monkeypatch, settings):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_site_login_view(client, user):
    response = password_step(client, next_url="/payout/")
    assert response.status_code == 302
    assert response["Location"] == "/2fa/verify/"
    assert len(outbox) == 1
    # The held session is stored, under the key login() cycled to.
    assert Session.objects.filter(session_key=client.session.session_key).exists()
    assert client.get("/whoami/").content == b"anonymous"
    done = client.post("/2fa/verify/", {"code": last_code()})
    assert done["Location"] == "/payout/"
    assert client.get("/whoami/").content == b"alice"


def test_admin_login(client, staff_user):
    response = client.post("/admin/login/?next=/admin/",
                           {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/2fa/verify/"
    assert client.get("/admin/").status_code == 302  # still signed out
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/admin/").status_code == 200


def test_a_wrong_password_still_rolls_nothing_back_and_sends_nothing(client, user):
    response = password_step(client, password="wrong")
    assert response.status_code == 200
    assert outbox == []


def test_password_reset_then_held_login(client, user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = f"/accounts/reset/{uid}/{token}/"
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/2fa/verify/"
    assert len(outbox) == 1
    # The new password is kept and the link is spent, although the login is held.
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert b"no longer valid" in client.__class__().get(link, follow=True).content
    assert client.get("/whoami/").content == b"anonymous"
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/whoami/").content == b"alice"


def test_other_errors_still_roll_the_view_back(client, user, monkeypatch):
    """Only a held login commits; a view that fails is rolled back as before."""
    from django.contrib.auth import views as auth_views

    def fail(self, form):
        form.get_user().set_password(NEW_PASSWORD)
        form.get_user().save()
        raise RuntimeError("boom")

    monkeypatch.setattr(auth_views.LoginView, "form_valid", fail)
    client.raise_request_exception = False
    assert password_step(client).status_code == 500
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


OURS_AT_END = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_sms2fa.middleware.SMS2FAMiddleware",
]


def test_login_required_middleware_after_ours_still_guards_atomic_views(settings):
    settings.MIDDLEWARE = [*OURS_AT_END, "django.contrib.auth.middleware.LoginRequiredMiddleware"]
    response = Client().get("/whoami/")
    assert response.status_code == 302  # to the login page, not the view


def test_csrf_middleware_after_ours_still_checks_atomic_views(settings):
    settings.MIDDLEWARE = [*OURS_AT_END, "django.middleware.csrf.CsrfViewMiddleware"]
    response = Client(enforce_csrf_checks=True).post("/whoami/", {})
    assert response.status_code == 403
