"""'Remember this browser' and the 2FA policy."""

from __future__ import annotations

import pytest

from django_sms2fa.models import Phone, SecurityEvent
from django_sms2fa.senders import outbox

from .conftest import PASSWORD, last_code, password_step, step_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def remember_on(settings):
    settings.SMS2FA_REMEMBER_DAYS = 30


def sign_in_remembering(client):
    password_step(client)
    client.post("/2fa/verify/", {"code": last_code(), "remember": "on"})
    assert client.get("/whoami/").content == b"alice"
    client.post("/accounts/logout/")
    outbox.clear()


def test_option_hidden_unless_enabled(client, user):
    password_step(client)
    assert b'name="remember"' not in client.get("/2fa/verify/").content


def test_remembered_browser_skips_the_code(client, user, remember_on):
    password_step(client)
    assert b'name="remember"' in client.get("/2fa/verify/").content
    client.post("/2fa/verify/", {"code": last_code(), "remember": "on"})
    client.post("/accounts/logout/")
    outbox.clear()
    response = password_step(client)
    assert response["Location"] == "/home/"
    assert outbox == []
    assert client.get("/whoami/").content == b"alice"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.BROWSER_REMEMBERED).count() == 1


def test_cookie_is_signed_httponly_and_not_reusable_by_another_user(client, user, remember_on, django_user_model):
    sign_in_remembering(client)
    cookie = client.cookies["sms2fa_remember"]
    assert cookie["httponly"]
    mallory = django_user_model.objects.create_user("mallory", password=PASSWORD)
    Phone.objects.create(user=mallory, number="+639181111111", confirmed=True)
    assert password_step(client, username="mallory")["Location"] == "/2fa/verify/"
    client.cookies["sms2fa_remember"] = cookie.value[:-2] + "xx"
    client.post("/2fa/cancel/")
    assert password_step(client)["Location"] == "/2fa/verify/"


def test_password_change_revokes_remembered_browsers(client, user, remember_on):
    sign_in_remembering(client)
    user.set_password("another password 123")
    user.save()
    assert password_step(client, password="another password 123")["Location"] == "/2fa/verify/"


def test_phone_change_revokes_remembered_browsers(client, user, remember_on):
    sign_in_remembering(client)
    Phone.objects.filter(user=user).delete()
    Phone.objects.create(user=user, number="+639171234567", confirmed=True)
    assert password_step(client)["Location"] == "/2fa/verify/"


def test_turning_off_and_on_again_revokes(client, user, remember_on):
    sign_in_remembering(client)
    password_step(client)
    step_up(client, "disable")
    client.post("/2fa/setup/disable/")
    client.post("/accounts/logout/")
    from io import StringIO

    from django.core.management import call_command

    call_command("sms2fa_enroll", "alice", "09171234567", stdout=StringIO())
    assert password_step(client)["Location"] == "/2fa/verify/"


def test_remembering_expires(client, user, remember_on, monkeypatch):
    import time

    from django.core import signing

    sign_in_remembering(client)
    later = time.time() + 31 * 86400
    # Django's signer reads the wall clock; move it forward past the 30 days.
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert password_step(client)["Location"] == "/2fa/verify/"


class TestPolicy:
    def test_staff_without_phone_must_enroll_before_any_session(self, client, django_user_model, settings):
        settings.SMS2FA_REQUIRED = "staff"
        django_user_model.objects.create_user("carol", password=PASSWORD, is_staff=True)
        response = password_step(client, username="carol", next_url="/whoami/")
        assert response["Location"] == "/2fa/enroll/"
        assert client.get("/whoami/").content == b"anonymous"
        page = client.get("/2fa/enroll/")
        assert b'name="phone_number"' in page.content
        client.post("/2fa/enroll/", {"phone_number": "09175550000"})
        assert client.get("/whoami/").content == b"anonymous"
        code = last_code()
        assert client.post("/2fa/verify/", {"code": code})["Location"] == "/2fa/enroll/"
        page = client.post("/2fa/enroll/", {"code": code}, follow=True)
        assert page.content.count(b"<li><code>") == 10
        assert b'href="/whoami/"' in page.content
        assert client.get("/whoami/").content == b"carol"
        assert Phone.objects.get(user__username="carol").confirmed

    def test_enrollment_login_cannot_replace_a_phone_confirmed_meanwhile(
        self, client, django_user_model, settings
    ):
        from io import StringIO

        from django.core.management import call_command

        settings.SMS2FA_REQUIRED = "all"
        django_user_model.objects.create_user("erin", password=PASSWORD)
        password_step(client, username="erin")  # the attacker, with erin's password
        call_command("sms2fa_enroll", "erin", "09171112222", stdout=StringIO())  # support
        client.post("/2fa/enroll/", {"phone_number": "09189998888"})
        assert client.get("/whoami/").content == b"anonymous"
        assert list(Phone.objects.filter(user__username="erin").values_list("number", flat=True)) \
            == ["+639171112222"]
        assert not any(m.to == "+639189998888" for m in outbox)

    def test_forced_enrollment_with_wrong_code_grants_nothing(self, client, django_user_model, settings):
        settings.SMS2FA_REQUIRED = "all"
        django_user_model.objects.create_user("dave", password=PASSWORD)
        password_step(client, username="dave")
        client.post("/2fa/enroll/", {"phone_number": "09175550001"})
        code = last_code()
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        client.post("/2fa/enroll/", {"code": wrong})
        assert client.get("/whoami/").content == b"anonymous"
        assert not Phone.objects.filter(user__username="dave", confirmed=True).exists()
        client.post("/2fa/cancel/")
        assert client.get("/2fa/enroll/")["Location"] == "/accounts/login/"

    def test_policy_none_lets_users_without_phone_in(self, client, plain_user, settings):
        settings.SMS2FA_REQUIRED = "none"
        assert password_step(client, username="bob")["Location"] == "/home/"

    def test_staff_policy_does_not_touch_regular_users(self, client, plain_user, settings):
        settings.SMS2FA_REQUIRED = "staff"
        assert password_step(client, username="bob")["Location"] == "/home/"

    def test_test_client_login_of_a_required_user_is_refused(self, client, plain_user, settings):
        password_step(client, username="bob")
        assert client.get("/whoami/").content == b"bob"
        settings.SMS2FA_REQUIRED = "all"
        client.cookies.pop("sessionid")
        client.force_login(plain_user)
        assert client.get("/whoami/").content == b"anonymous"
