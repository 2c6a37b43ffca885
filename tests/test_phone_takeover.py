"""A stolen session must not silently move the sign-in codes to another phone.

Adding a first phone needs the password again; every added, changed or removed
phone is mailed to the user; and the user's other sessions end with the change.
"""

from __future__ import annotations

import io

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command

from django_sms2fa.models import Phone
from django_sms2fa.senders import outbox

from .conftest import PASSWORD, last_code, password_step, reenter_password, step_up

pytestmark = pytest.mark.django_db

THIEF_NUMBER = "0918 765 4321"


def signed_in_as(client_class, username):
    browser = client_class()
    password_step(browser, username=username)
    if outbox:  # a phone user: the code
        browser.post("/2fa/verify/", {"code": last_code()})
        outbox.clear()
    assert browser.get("/whoami/").content == username.encode()
    return browser


def steal(session_of, client_class):
    """Another browser holding a copy of the victim's session cookie."""
    thief = client_class()
    name = django_settings.SESSION_COOKIE_NAME
    thief.cookies[name] = session_of.cookies[name].value
    return thief


def add_phone(browser, number):
    browser.post("/2fa/setup/phone/", {"phone_number": number})
    return browser.post("/2fa/setup/phone/confirm/", {"code": last_code()})


def test_a_stolen_session_cannot_add_a_first_phone_without_the_password(client, plain_user):
    victim = signed_in_as(type(client), "bob")
    thief = steal(victim, type(client))
    assert thief.get("/whoami/").content == b"bob"

    page = thief.get("/2fa/setup/phone/")
    assert page["Location"] == "/2fa/setup/password/?next=%2F2fa%2Fsetup%2Fphone%2F"
    posted = thief.post("/2fa/setup/phone/", {"phone_number": THIEF_NUMBER})
    assert posted["Location"].startswith("/2fa/setup/password/")
    wrong = thief.post("/2fa/setup/password/", {"password": "guess"})
    assert wrong.status_code == 200 and b"not your password" in wrong.content
    thief.post("/2fa/setup/phone/", {"phone_number": THIEF_NUMBER})
    assert outbox == []
    assert not Phone.objects.filter(user=plain_user).exists()
    assert mail.outbox == []


def test_password_guesses_from_a_stolen_session_are_limited(client, plain_user, settings):
    settings.SMS2FA_VERIFY_RATE_USER = "3/5m"
    thief = steal(signed_in_as(type(client), "bob"), type(client))
    answers = [thief.post("/2fa/setup/password/", {"password": f"guess {i}"}).status_code
               for i in range(3)]
    assert answers == [200, 200, 200]
    # Even the right password is not checked once the limit is spent.
    assert thief.post("/2fa/setup/password/", {"password": PASSWORD}).status_code == 429
    assert thief.get("/2fa/setup/phone/").status_code == 302


def test_a_new_phone_is_mailed_to_the_user_and_ends_their_other_sessions(client, plain_user):
    laptop = signed_in_as(type(client), "bob")
    tablet = signed_in_as(type(client), "bob")
    reenter_password(laptop)
    add_phone(laptop, THIEF_NUMBER)
    assert Phone.objects.get(user=plain_user, confirmed=True).number == "+639187654321"

    assert [m.to for m in mail.outbox] == [["bob@example.com"]]
    message = mail.outbox[0]
    assert "phone was added" in message.subject
    assert "+63 ******4321" in message.body and "9187654321" not in message.body
    assert laptop.get("/whoami/").content == b"bob"  # the session that made the change
    assert tablet.get("/whoami/").content == b"anonymous"


def test_a_changed_phone_is_mailed_and_ends_other_sessions(client, user):
    here = signed_in_as(type(client), "alice")
    there = signed_in_as(type(client), "alice")
    step_up(here, "phone_change", "/2fa/setup/phone/")
    outbox.clear()
    add_phone(here, THIEF_NUMBER)
    assert Phone.objects.get(user=user, confirmed=True).number == "+639187654321"
    assert len(mail.outbox) == 1
    assert "was changed" in mail.outbox[0].subject
    assert "+63 ******4321" in mail.outbox[0].body and "+63 ******4567" in mail.outbox[0].body
    assert here.get("/whoami/").content == b"alice"
    assert there.get("/whoami/").content == b"anonymous"


def test_a_removed_phone_is_mailed_and_ends_other_sessions(client, user):
    here = signed_in_as(type(client), "alice")
    there = signed_in_as(type(client), "alice")
    step_up(here, "disable", "/2fa/setup/disable/")
    here.post("/2fa/setup/disable/")
    assert not Phone.objects.filter(user=user).exists()
    assert len(mail.outbox) == 1 and "was removed" in mail.outbox[0].subject
    assert here.get("/whoami/").content == b"alice"
    assert there.get("/whoami/").content == b"anonymous"


def test_a_phone_set_by_support_is_mailed_and_ends_the_users_sessions(client, user):
    browser = signed_in_as(type(client), "alice")
    call_command("sms2fa_enroll", "alice", THIEF_NUMBER, stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert "support" in mail.outbox[0].body
    assert browser.get("/whoami/").content == b"anonymous"


def test_without_a_usable_password_a_fresh_sign_in_counts(client, plain_user, frozen_clock):
    plain_user.set_unusable_password()
    plain_user.save()
    client.force_login(plain_user)
    assert client.get("/whoami/").content == b"bob"  # marked verified now: no phone
    assert client.get("/2fa/setup/phone/").status_code == 200
    frozen_clock.advance(301)
    assert client.get("/2fa/setup/phone/")["Location"].startswith("/2fa/setup/password/")


def test_the_json_api_asks_for_the_password_before_a_first_phone(api, plain_user):
    body = api.post("auth/login", {"username": "bob", "password": PASSWORD})
    assert body["state"] == "authenticated"
    body = api.post("account/phone", {"phone_number": THIEF_NUMBER})
    assert body["status"] == 403 and body["errors"][0]["code"] == "password_required"
    body = api.post("account/phone", {"phone_number": THIEF_NUMBER, "password": "guess"})
    assert body["status"] == 403 and body["errors"][0]["code"] == "invalid_credentials"
    assert outbox == []
    body = api.post("account/phone", {"phone_number": THIEF_NUMBER, "password": PASSWORD})
    assert body["status"] == 200
    assert outbox[-1].to == "+639187654321"
