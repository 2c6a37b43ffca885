"""The second step of a login, through Django's test client."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.core.management import call_command

from .conftest import PASSWORD, last_code, password_step, wrong_code

pytestmark = pytest.mark.django_db


def test_password_alone_does_not_sign_in(client, user):
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == "/2fa/verify/"
    assert SESSION_KEY not in client.session
    assert client.get("/whoami/").content == b"anonymous"


def test_code_completes_login_and_lands_on_next(client, user):
    password_step(client, next_url="/whoami/")
    response = client.post("/2fa/verify/", {"code": last_code()})
    assert response.status_code == 302
    assert response["Location"] == "/whoami/"
    assert client.get("/whoami/").content == b"alice"


def test_one_sms_is_sent_and_viewing_the_page_sends_none(client, user, sms_outbox):
    password_step(client)
    assert len(sms_outbox) == 1
    assert sms_outbox[0].to == "+639171234567"
    for _ in range(3):
        page = client.get("/2fa/verify/")
        assert page.status_code == 200
    assert len(sms_outbox) == 1
    assert b"+63 ******4567" in page.content
    assert b'name="code"' in page.content
    assert b'inputmode="numeric"' in page.content
    assert b'autocomplete="one-time-code"' in page.content


def test_user_without_phone_logs_in_with_password(client, plain_user, sms_outbox):
    response = password_step(client, username="bob")
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert client.get("/whoami/").content == b"bob"
    assert sms_outbox == []


def test_wrong_password_sends_nothing(client, user, sms_outbox):
    response = password_step(client, password="nope")
    assert response.status_code == 200
    assert sms_outbox == []
    assert "_sms2fa_pending" not in client.session


def test_session_key_is_cycled_and_user_logged_in_fires_once(client, user):
    fired = []

    def receiver(sender, user, request, **kwargs):
        fired.append(user.username)

    user_logged_in.connect(receiver)
    try:
        password_step(client)
        pending_key = client.session.session_key
        assert fired == []
        client.post("/2fa/verify/", {"code": last_code()})
    finally:
        user_logged_in.disconnect(receiver)
    assert fired == ["alice"]
    assert client.session.session_key != pending_key
    user.refresh_from_db()
    assert user.last_login is not None


def test_last_login_not_touched_by_password_alone(client, user):
    password_step(client)
    user.refresh_from_db()
    assert user.last_login is None


def test_admin_login_goes_through_second_step(client, staff_user):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == "/2fa/verify/"
    assert client.get("/admin/").status_code == 302  # still anonymous: back to admin login
    response = client.post("/2fa/verify/", {"code": last_code()})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_pages_answer_no_store(client, user):
    password_step(client)
    for response in (client.get("/2fa/verify/"), client.post("/2fa/verify/", {"code": "x"})):
        assert "no-store" in response["Cache-Control"]


def held(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/2fa/verify/"


def test_password_sent_again_keeps_the_code_already_sent(client, user, sms_outbox):
    """The back button, a double submit or signing in again in the same browser
    sends no second SMS, and the code already sent still completes the login."""
    password_step(client)
    code = last_code()
    for _ in range(3):
        assert held(password_step(client, next_url="/whoami/"))
    assert len(sms_outbox) == 1
    response = client.post("/2fa/verify/", {"code": code})
    assert response["Location"] == "/whoami/"  # the latest password POST's next
    assert client.get("/whoami/").content == b"alice"


def test_password_sent_again_after_the_code_is_used_up_sends_a_new_one(
    client, user, sms_outbox, frozen_clock
):
    password_step(client)
    used_up = last_code()
    for _ in range(5):
        client.post("/2fa/verify/", {"code": wrong_code(used_up)})
    frozen_clock.advance(61)  # the resend cooldown of the number still holds
    assert held(password_step(client))
    assert len(sms_outbox) == 2
    # Not accepted: back to the code page.
    assert client.post("/2fa/verify/", {"code": used_up})["Location"] == "/2fa/verify/"
    assert client.get("/whoami/").content == b"anonymous"
    assert client.post("/2fa/verify/", {"code": last_code()})["Location"] == "/home/"
    assert client.get("/whoami/").content == b"alice"


def test_another_user_in_the_same_browser_gets_their_own_code(client, user, staff_user, sms_outbox):
    password_step(client)
    alice_code = last_code()
    assert held(password_step(client, username="root"))
    assert len(sms_outbox) == 2 and sms_outbox[1].to != sms_outbox[0].to
    client.post("/2fa/verify/", {"code": alice_code})
    assert client.get("/whoami/").content == b"anonymous"
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/whoami/").content == b"root"


def test_password_sent_again_after_a_phone_change_sends_to_the_new_phone(
    client, user, sms_outbox
):
    """A code pending for the old phone is not kept once support moved the account."""
    password_step(client)
    old_code = last_code()
    call_command("sms2fa_enroll", "alice", "+639181112222", stdout=io.StringIO())
    assert held(password_step(client))
    assert sms_outbox[-1].to == "+639181112222"
    assert b"+63 ******2222" in client.get("/2fa/verify/").content
    client.post("/2fa/verify/", {"code": old_code})
    assert client.get("/whoami/").content == b"anonymous"
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/whoami/").content == b"alice"


def test_a_code_pending_for_the_old_phone_dies_with_the_phone_change(client, user):
    password_step(client)
    old_code = last_code()
    call_command("sms2fa_enroll", "alice", "+639181112222", stdout=io.StringIO())
    client.post("/2fa/verify/", {"code": old_code})
    assert client.get("/whoami/").content == b"anonymous"


def test_code_only_by_post(client, user):
    password_step(client)
    code = last_code()
    client.get("/2fa/verify/", {"code": code})
    assert client.get("/whoami/").content == b"anonymous"
