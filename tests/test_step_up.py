"""Step-up: a fresh code for one named purpose before a high-risk view."""

from __future__ import annotations

import pytest

from django_sms2fa.senders import outbox

from .conftest import last_code, password_step, step_up

pytestmark = pytest.mark.django_db


def test_protected_view_redirects_to_step_up(signed_in):
    response = signed_in.get("/payout/")
    assert response.status_code == 302
    assert response["Location"] == "/2fa/step-up/?purpose=payout&next=%2Fpayout%2F"


def test_anonymous_user_is_sent_to_login(client, user):
    response = client.get("/payout/")
    assert response["Location"].startswith("/accounts/login/")


def test_showing_the_step_up_page_sends_nothing(signed_in):
    page = signed_in.get("/2fa/step-up/?purpose=payout&next=/payout/")
    assert page.status_code == 200
    assert b"+63 ******4567" in page.content
    assert outbox == []


def test_fresh_code_opens_the_view(signed_in):
    response = step_up(signed_in, "payout", "/payout/")
    assert response["Location"] == "/payout/"
    assert signed_in.get("/payout/").content == b"payout page"


def test_step_up_expires(signed_in, frozen_clock):
    step_up(signed_in, "transfer", "/transfer/")
    assert signed_in.get("/transfer/").content == b"transfer page"
    frozen_clock.advance(61)
    assert signed_in.get("/transfer/").status_code == 302


def test_code_for_one_purpose_cannot_complete_another(signed_in):
    signed_in.post("/2fa/step-up/?purpose=payout&next=/payout/", {"send": "1"})
    code = last_code()
    response = signed_in.post("/2fa/step-up/?purpose=transfer&next=/transfer/", {"code": code})
    assert response["Location"].startswith("/2fa/step-up/?purpose=transfer")
    assert signed_in.get("/transfer/").status_code == 302
    # And the payout code still works for payout.
    signed_in.post("/2fa/step-up/?purpose=payout&next=/payout/", {"code": code})
    assert signed_in.get("/payout/").content == b"payout page"


def test_step_up_for_one_purpose_does_not_open_another(signed_in):
    step_up(signed_in, "payout", "/payout/")
    assert signed_in.get("/transfer/").status_code == 302


def test_login_code_cannot_step_up(client, user):
    password_step(client, next_url="/payout/")
    login_code = last_code()
    response = client.post("/2fa/verify/", {"code": login_code})
    assert response["Location"] == "/payout/"
    # The login itself does not count as a step-up...
    assert client.get("/payout/").status_code == 302
    # ... and the spent login code is refused on the step-up page.
    client.post("/2fa/step-up/?purpose=payout&next=/payout/", {"send": "1"})
    step_up_code = last_code()
    if step_up_code != login_code:
        client.post("/2fa/step-up/?purpose=payout&next=/payout/", {"code": login_code})
        assert client.get("/payout/").status_code == 302


def test_step_up_code_cannot_log_in(client, user, django_user_model):
    # Alice signs in on one browser and asks for a payout code...
    browser = type(client)()
    password_step(browser)
    browser.post("/2fa/verify/", {"code": last_code()})
    browser.post("/2fa/step-up/?purpose=payout&next=/payout/", {"send": "1"})
    payout_code = last_code()
    # ... an attacker with her password cannot use that code to sign in.
    password_step(client)
    login_code = last_code()
    if login_code != payout_code:
        client.post("/2fa/verify/", {"code": payout_code})
        assert client.get("/whoami/").content == b"anonymous"


def test_wrong_step_up_code(signed_in):
    from .conftest import wrong_code

    signed_in.post("/2fa/step-up/?purpose=payout&next=/payout/", {"send": "1"})
    response = signed_in.post(
        "/2fa/step-up/?purpose=payout&next=/payout/", {"code": wrong_code(last_code())}, follow=True
    )
    assert b"That code is not right. 4 attempts left." in response.content
    assert signed_in.get("/payout/").status_code == 302


@pytest.mark.parametrize("purpose", ["", "login", "enroll", "Bad Purpose", "x" * 80])
def test_bad_purposes_are_refused(signed_in, purpose):
    response = signed_in.get(f"/2fa/step-up/?purpose={purpose}&next=/")
    assert response.status_code == 400


def test_step_up_next_is_validated(signed_in):
    response = step_up(signed_in, "payout", "https://evil.example/")
    assert response["Location"] == "/home/"


def test_user_without_phone_cannot_step_up(client, plain_user):
    password_step(client, username="bob")
    page = client.post("/2fa/step-up/?purpose=payout&next=/payout/", {"send": "1"}, follow=True)
    assert b"Add your mobile number; you will come back here" in page.content
    assert outbox == []
    assert client.get("/payout/").status_code == 302


def test_step_up_send_has_a_cooldown(signed_in):
    url = "/2fa/step-up/?purpose=payout&next=/payout/"
    signed_in.post(url, {"send": "1"})
    page = signed_in.post(url, {"send": "1"}, follow=True)
    assert b"Please wait 60 seconds" in page.content
    assert len(outbox) == 1


def test_step_ups_from_before_a_login_do_not_carry_over(client, user, django_user_model, frozen_clock):
    from django_sms2fa.models import Phone

    password_step(client)
    client.post("/2fa/verify/", {"code": last_code()})
    step_up(client, "payout", "/payout/")
    mallory = django_user_model.objects.create_user("mallory", password="pw-mallory-123")
    Phone.objects.create(user=mallory, number="+639181111111", confirmed=True)
    password_step(client, username="mallory", password="pw-mallory-123")
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/whoami/").content == b"mallory"
    assert client.get("/payout/").status_code == 302


def test_a_step_up_does_not_count_for_another_user_of_the_browser(signed_in, plain_user):
    """alice steps up, starts signing in again and gives up; bob (no phone) signs
    in in the same browser: alice's step-up must not open bob's payout page."""
    step_up(signed_in, "payout", "/payout/")
    assert signed_in.get("/payout/").content == b"payout page"
    assert password_step(signed_in)["Location"] == "/2fa/verify/"  # held: alice is signed out
    signed_in.post("/2fa/cancel/")
    password_step(signed_in, username="bob")
    assert signed_in.get("/whoami/").content == b"bob"
    response = signed_in.get("/payout/")
    assert response.status_code == 302
    assert response["Location"].startswith("/2fa/step-up/")


def test_a_pending_login_of_another_user_ends_when_one_signs_in(client, user, plain_user):
    assert password_step(client)["Location"] == "/2fa/verify/"  # alice, waiting for her code
    code = last_code()
    password_step(client, username="bob")
    assert client.get("/whoami/").content == b"bob"
    # alice's code no longer completes anything in this browser.
    assert client.get("/2fa/verify/")["Location"] == "/accounts/login/"
    client.post("/2fa/verify/", {"code": code})
    assert client.get("/whoami/").content == b"bob"


def test_a_step_up_ends_with_a_password_change(signed_in, user):
    from django.contrib.auth import HASH_SESSION_KEY

    step_up(signed_in, "payout", "/payout/")
    user.set_password("another password 7")
    user.save()
    # This session stays signed in (as after Django's password change, which
    # stores the new session auth hash), but the step-up was made with the old password.
    session = signed_in.session
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    assert signed_in.get("/whoami/").content == b"alice"
    assert signed_in.get("/payout/").status_code == 302
