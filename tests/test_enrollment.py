"""Adding, confirming, changing and removing a phone; recovery codes."""

from __future__ import annotations

import pytest

from django_sms2fa.models import Phone, SecurityEvent
from django_sms2fa.senders import outbox

from .conftest import last_code, password_step, reenter_password, step_up, wrong_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(client, plain_user):
    """bob, signed in with his password (he has no phone yet), who has just
    entered it again to add a phone."""
    password_step(client, username="bob")
    assert client.get("/whoami/").content == b"bob"
    reenter_password(client)
    return client


@pytest.mark.parametrize("spelling", ["09171234567", "639171234567", "+63 917 123 4567"])
def test_enroll_a_phone_in_any_spelling(bob, plain_user, spelling):
    response = bob.post("/2fa/setup/phone/", {"phone_number": spelling})
    assert response["Location"] == "/2fa/setup/phone/confirm/"
    assert outbox[-1].to == "+639171234567"
    assert not Phone.objects.filter(user=plain_user, confirmed=True).exists()
    page = bob.post("/2fa/setup/phone/confirm/", {"code": last_code()}, follow=True)
    assert page.status_code == 200
    assert b"Your phone number is confirmed." in page.content
    assert page.content.count(b"<li><code>") == 10  # recovery codes, shown once
    phone = Phone.objects.get(user=plain_user, confirmed=True)
    assert phone.number == "+639171234567"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PHONE_ADDED).count() == 1


@pytest.mark.parametrize(
    "number, message",
    [
        ("12345", b"Enter a valid phone number"),
        # phonenumbers reads keypad letters as digits: this is +639172223334.
        ("0917-ABC-DEFG", b"digits only, without letters"),
        ("0917 123 4567 ext 5", b"digits only, without letters"),
        ("+1 202 555 0143", b"cannot receive our codes"),
        ("+63 2 8123 4567", b"mobile number"),
        ("0917\x001234567", b"Enter a valid phone number"),
        ("", b"Enter your mobile number"),
    ],
)
def test_bad_numbers_are_explained(bob, number, message):
    page = bob.post("/2fa/setup/phone/", {"phone_number": number})
    assert page.status_code == 200
    assert message in page.content
    assert outbox == []


def test_allowed_regions_setting(bob, settings):
    settings.SMS2FA_ALLOWED_REGIONS = ["PH", "US"]
    bob.post("/2fa/setup/phone/", {"phone_number": "+1 202 555 0143"})
    assert outbox[-1].to == "+12025550143"


def test_wrong_enrollment_code_does_not_confirm(bob, plain_user):
    bob.post("/2fa/setup/phone/", {"phone_number": "09171234567"})
    bob.post("/2fa/setup/phone/confirm/", {"code": wrong_code(last_code())})
    assert not Phone.objects.filter(user=plain_user, confirmed=True).exists()


def test_enrollment_code_cannot_log_in(client, plain_user):
    browser = type(client)()
    password_step(browser, username="bob")
    reenter_password(browser)
    browser.post("/2fa/setup/phone/", {"phone_number": "09171234567"})
    enroll_code = last_code()
    browser.post("/2fa/setup/phone/confirm/", {"code": enroll_code})
    password_step(client, username="bob")
    if last_code() != enroll_code:
        client.post("/2fa/verify/", {"code": enroll_code})
        assert client.get("/whoami/").content == b"anonymous"


def test_after_enrollment_login_needs_the_code(bob, plain_user, client):
    bob.post("/2fa/setup/phone/", {"phone_number": "09171234567"})
    bob.post("/2fa/setup/phone/confirm/", {"code": last_code()})
    other = type(client)()
    assert password_step(other, username="bob")["Location"] == "/2fa/verify/"


def test_changing_the_phone_needs_a_fresh_code_from_the_old_one(signed_in, user):
    response = signed_in.get("/2fa/setup/phone/")
    assert response["Location"].startswith("/2fa/step-up/?purpose=phone_change")
    response = signed_in.post("/2fa/setup/phone/", {"phone_number": "09181112222"})
    assert response["Location"].startswith("/2fa/step-up/")
    assert outbox == []
    step_up(signed_in, "phone_change")
    assert outbox[-1].to == "+639171234567"  # the step-up code went to the old phone
    signed_in.post("/2fa/setup/phone/", {"phone_number": "09181112222"})
    assert outbox[-1].to == "+639181112222"
    signed_in.post("/2fa/setup/phone/confirm/", {"code": last_code()})
    assert Phone.objects.get(user=user, confirmed=True).number == "+639181112222"
    notice = outbox[-1]
    assert notice.to == "+639171234567"
    assert "changed" in notice.body
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PHONE_CHANGED).count() == 1


def test_old_phone_keeps_working_until_the_new_one_is_confirmed(signed_in, user):
    step_up(signed_in, "phone_change")
    signed_in.post("/2fa/setup/phone/", {"phone_number": "09181112222"})
    assert Phone.objects.get(user=user, confirmed=True).number == "+639171234567"


def test_turning_2fa_off_needs_a_fresh_code_and_notifies(signed_in, user, client):
    assert signed_in.post("/2fa/setup/disable/")["Location"].startswith("/2fa/step-up/")
    assert Phone.objects.filter(user=user).exists()
    step_up(signed_in, "disable")
    signed_in.post("/2fa/setup/disable/")
    assert not Phone.objects.filter(user=user).exists()
    assert "removed" in outbox[-1].body
    other = type(client)()
    assert password_step(other)["Location"] == "/home/"


def test_turning_off_is_refused_when_policy_requires_it(signed_in, user, settings):
    settings.SMS2FA_REQUIRED = "all"
    step_up(signed_in, "disable")
    response = signed_in.post("/2fa/setup/disable/")
    assert response.status_code == 403
    assert Phone.objects.filter(user=user, confirmed=True).exists()


def test_setup_page_needs_login(client):
    assert client.get("/2fa/setup/")["Location"].startswith("/accounts/login/")


def test_setup_page_shows_masked_phone(signed_in):
    page = signed_in.get("/2fa/setup/")
    assert b"+63 ******4567" in page.content
    assert b"9171234567" not in page.content
