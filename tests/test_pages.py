"""What each page says and offers: one message per state, its one next action,
post/redirect/get, no dead ends (issue 10)."""

from __future__ import annotations

import pytest

from django_sms2fa import recovery
from django_sms2fa.decorators import step_up_required
from django_sms2fa.models import Phone

from .conftest import PASSWORD, last_code, password_step, step_up, wrong_code

pytestmark = pytest.mark.django_db


def verify_page(client) -> str:
    return client.get("/2fa/verify/").content.decode()


def test_sent_state_offers_the_code_field_and_a_resend(client, user):
    password_step(client)
    page = verify_page(client)
    assert "We sent a code by SMS to" in page and 'name="code"' in page
    assert 'autocomplete="one-time-code"' in page
    assert "Send a new code" in page and "Start again" not in page


def test_exhausted_state_says_so_once_and_offers_start_again(client, user):
    password_step(client)
    code = last_code()
    for _ in range(5):
        client.post("/2fa/verify/", {"code": wrong_code(code)})
    page = verify_page(client)
    assert page.count("Too many wrong codes") == 1
    assert "expires in" not in page and 'name="code"' not in page
    assert "Start again" in page and "Send a new code" not in page
    # Start again leads back to sign in, where a new code is sent.
    assert client.post("/2fa/cancel/")["Location"] == "/accounts/login/"


def test_expired_state_offers_a_new_code(client, user, frozen_clock):
    password_step(client)
    frozen_clock.advance(301)
    page = verify_page(client)
    assert "This code has expired. Send a new code to continue." in page
    assert 'name="code"' not in page and "Send a new code" in page


def test_locked_state_says_until_when_in_local_time(client, user, settings, frozen_clock):
    settings.TIME_ZONE = "Asia/Manila"
    settings.SMS2FA_LOCKOUT_FAILURES = 3
    password_step(client)
    for _ in range(3):
        client.post("/2fa/verify/", {"code": wrong_code(last_code())})
    page = verify_page(client)
    # The fake clock stands at 12:00 UTC; 15 minutes from the last failure, in Manila.
    assert "sign-in with a code is blocked until 20:15 PST." in page
    assert page.count("Too many wrong codes") == 1
    assert 'name="code"' not in page and "Send a new code" not in page


def test_recovery_link_only_for_users_who_have_codes(client, user):
    # Read with the phone at the password check: the code page asks no query.
    password_step(client)
    assert "Use a recovery code instead" not in verify_page(client)
    client.post("/2fa/cancel/")
    recovery.replace_codes(user, 10)
    password_step(client)
    assert "Use a recovery code instead" in verify_page(client)


def test_settings_prompt_users_without_recovery_codes(signed_in, user):
    page = signed_in.get("/2fa/setup/").content.decode()
    assert "You have no recovery codes." in page and "Create recovery codes" in page
    recovery.replace_codes(user, 10)
    page = signed_in.get("/2fa/setup/").content.decode()
    assert "You have no recovery codes." not in page and "10 recovery codes left." in page


def test_new_recovery_codes_are_shown_once_with_download(signed_in, user):
    step_up(signed_in, "recovery_codes")
    response = signed_in.post("/2fa/setup/recovery-codes/")
    assert response["Location"] == "/2fa/setup/recovery-codes/new/?next=%2F2fa%2Fsetup%2F"
    page = signed_in.get(response["Location"]).content.decode()
    assert page.count("<li><code>") == 10
    assert 'download="recovery-codes.txt"' in page and "data-sms2fa-print" in page
    assert "New recovery codes created." in page
    reload = signed_in.get(response["Location"]).content.decode()
    assert "<code>" not in reload and "were shown once" in reload
    assert recovery.remaining(user.pk) == 10


def test_signing_in_is_confirmed_on_the_next_page(client, user):
    password_step(client)
    client.post("/2fa/verify/", {"code": last_code()})
    page = client.get("/2fa/setup/").content.decode()
    assert page.count("You are signed in.") == 1
    assert "You are signed in." not in client.get("/2fa/setup/").content.decode()


def test_turning_2fa_off_is_confirmed(signed_in, user):
    step_up(signed_in, "disable")
    page = signed_in.post("/2fa/setup/disable/", follow=True)
    assert b"Two-factor sign-in is off." in page.content
    assert not Phone.objects.filter(user=user).exists()


def test_step_up_cancel_goes_back_where_the_user_came_from(signed_in):
    url = "/2fa/step-up/?purpose=payout&next=/payout/"
    page = signed_in.get(url, HTTP_REFERER="http://testserver/whoami/?tab=1").content.decode()
    assert 'href="/whoami/?tab=1"' in page or 'href="http://testserver/whoami/?tab=1"' in page
    # The origin is kept in the page's own query across its posts.
    response = signed_in.post(
        url + "&back=http%3A%2F%2Ftestserver%2Fwhoami%2F%3Ftab%3D1", {"send": "1"}
    )
    assert "back=http%3A%2F%2Ftestserver%2Fwhoami%2F%3Ftab%3D1" in response["Location"]


@pytest.mark.parametrize("referer", [
    "", "https://evil.example/", "http://testserver/payout/", "http://testserver/2fa/step-up/",
])
def test_step_up_cancel_never_loops_nor_leaves_the_site(signed_in, referer):
    page = signed_in.get("/2fa/step-up/?purpose=payout&next=/payout/",
                         HTTP_REFERER=referer).content.decode()
    cancel = page.split("Cancel</a>")[0].rsplit('href="', 1)[1].split('"')[0]
    assert cancel == "/home/"


def test_user_without_phone_is_offered_to_add_one_and_come_back(client, plain_user):
    password_step(client, username="bob")
    response = client.get("/payout/")
    step_up_url = response["Location"]
    page = client.get(step_up_url).content.decode()
    assert "Add a phone number" in page
    add = page.split("Add a phone number")[0].rsplit('href="', 1)[1].split('"')[0]
    add = add.replace("&amp;", "&")
    assert add.startswith("/2fa/setup/phone/?next=")
    # First the password again (no phone to send a code to); it leads back to the same page.
    reauth = client.get(add)["Location"]
    assert reauth.startswith("/2fa/setup/password/?next=")
    assert client.post(reauth, {"password": PASSWORD})["Location"] == add
    response = client.post(add, {"phone_number": "09175550000"})
    confirm = response["Location"]
    assert confirm.startswith("/2fa/setup/phone/confirm/?next=")
    response = client.post(confirm, {"code": last_code()})
    # New recovery codes first, then back to the step-up page.
    codes = client.get(response["Location"]).content.decode()
    assert codes.count("<li><code>") == 10
    back = codes.split("I have saved them, continue")[0].rsplit('href="', 1)[1].split('"')[0]
    assert back.replace("&amp;", "&").startswith(step_up_url + "&back=")
    # With a phone now, step-up goes on as for anyone.
    page = client.get(step_up_url).content.decode()
    assert "Send code" in page


def test_without_phone_allow_and_refuse(client, plain_user, user):
    password_step(client, username="bob")
    assert client.get("/payout/anyone/").content == b"payout for anyone"
    refused = client.get("/payout/2fa-only/")
    assert refused.status_code == 403
    assert b"Two-factor settings" in refused.content
    # A user with a phone is stepped up either way.
    other = type(client)()
    password_step(other)
    other.post("/2fa/verify/", {"code": last_code()})
    assert other.get("/payout/anyone/")["Location"].startswith("/2fa/step-up/")
    assert other.get("/payout/2fa-only/")["Location"].startswith("/2fa/step-up/")


def test_without_phone_must_be_a_known_choice():
    with pytest.raises(ValueError):
        step_up_required("payout", without_phone="maybe")


def test_masked_number_never_wraps(client, user):
    password_step(client)
    assert '<span class="sms2fa-phone">+63 ******4567</span>' in verify_page(client)
