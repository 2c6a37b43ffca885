"""The admin: read-only logs, masked phones, reset and unlock actions."""

from __future__ import annotations

import pytest

from django_sms2fa import recovery
from django_sms2fa.lockout import locked_until
from django_sms2fa.models import Challenge, Phone, SecurityEvent
from django_sms2fa.senders import outbox
from django_sms2fa.testing import verified_login

from .conftest import last_code, password_step, wrong_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    verified_login(client, staff_user)
    return client


def test_lists_show_masked_phones_and_no_hashes(admin_client, user):
    other = type(admin_client)()
    password_step(other)
    other.post("/2fa/verify/", {"code": wrong_code(last_code())})
    challenge = Challenge.objects.get(user=user)
    for url in (
        "/admin/sms2fa/challenge/",
        f"/admin/sms2fa/challenge/{challenge.pk}/change/",
        "/admin/sms2fa/phone/",
        "/admin/sms2fa/securityevent/",
    ):
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert b"9171234567" not in page.content, url
        assert b"argon2" not in page.content, url
        assert challenge.code_hash.encode() not in page.content
    assert b"+63 ******4567" in admin_client.get("/admin/sms2fa/challenge/").content


@pytest.mark.parametrize("model", ["challenge", "phone", "securityevent"])
def test_nothing_can_be_added_or_changed(admin_client, user, model):
    assert admin_client.get(f"/admin/sms2fa/{model}/add/").status_code == 403
    obj = {"challenge": Challenge, "phone": Phone, "securityevent": SecurityEvent}[model]
    if model == "phone":
        pk = Phone.objects.get(user=user).pk
    else:
        other = type(admin_client)()
        password_step(other)
        other.post("/2fa/verify/", {"code": wrong_code(last_code())})  # logged: a wrong code
        pk = obj.objects.filter(**({"user": user})).first().pk
    page = admin_client.post(f"/admin/sms2fa/{model}/{pk}/change/", {"status": "verified"})
    assert page.status_code == 403
    assert admin_client.post(f"/admin/sms2fa/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403


def test_reset_lost_phone_is_logged_and_notifies(admin_client, user, client):
    recovery.replace_codes(user, 10)
    phone = Phone.objects.get(user=user)
    selected = {"action": "reset_phones", "_selected_action": [phone.pk]}
    # First an intermediate page, as Django's delete action shows: nothing is reset yet.
    page = admin_client.post("/admin/sms2fa/phone/", selected)
    assert page.status_code == 200
    assert b"Reset the phone of this user?" in page.content
    assert b"+63 ******4567" in page.content and b"9171234567" not in page.content
    assert Phone.objects.filter(user=user).exists() and recovery.remaining(user.pk) == 10
    response = admin_client.post("/admin/sms2fa/phone/", {**selected, "post": "yes"}, follow=True)
    assert "Reset the phone of 1 user." in [str(m) for m in response.context["messages"]]
    assert not Phone.objects.filter(user=user).exists()
    assert recovery.remaining(user.pk) == 0
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PHONE_RESET_BY_ADMIN)
    assert event.user == user and "admin root" in event.detail
    assert "removed" in outbox[-1].body and outbox[-1].to == "+639171234567"
    # Alice can now sign in with her password and enroll her new phone.
    other = type(client)()
    assert password_step(other)["Location"] == "/home/"


def test_lift_lockout(admin_client, user, settings):
    settings.SMS2FA_LOCKOUT_FAILURES = 2
    other = type(admin_client)()
    password_step(other)
    for _ in range(2):
        other.post("/2fa/verify/", {"code": wrong_code(last_code())})
    assert locked_until(user.pk) is not None
    phone = Phone.objects.get(user=user)
    response = admin_client.post(
        "/admin/sms2fa/phone/", {"action": "lift_lockouts", "_selected_action": [phone.pk]},
        follow=True, REMOTE_ADDR="192.0.2.7",
    )
    assert locked_until(user.pk) is None
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.UNLOCKED, user=user)
    assert event.detail == "by admin root" and event.ip == "192.0.2.7"
    assert [str(m) for m in response.context["messages"]] == ["Lifted the lockout of 1 user."]


def test_lift_lockout_of_users_not_locked_says_so_and_logs_nothing(admin_client, user):
    phone = Phone.objects.get(user=user)
    response = admin_client.post(
        "/admin/sms2fa/phone/", {"action": "lift_lockouts", "_selected_action": [phone.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["1 selected user was not locked out."]
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.UNLOCKED).exists()


@pytest.mark.parametrize("url", [
    "/admin/sms2fa/phone/?number__startswith=%2B63917",
    "/admin/sms2fa/phone/?user__password__startswith=md5",
    "/admin/sms2fa/challenge/?code_hash__startswith=%24argon2id",
    "/admin/sms2fa/challenge/?phone_key__startswith=a",
    "/admin/sms2fa/challenge/?user__username__startswith=al",
    "/admin/sms2fa/challenge/?user__password__startswith=md5",
    "/admin/sms2fa/securityevent/?challenge__code_hash__startswith=%24",
])
def test_changelist_urls_cannot_probe_numbers_or_hashes(admin_client, user, url):
    other = type(admin_client)()
    password_step(other)
    assert admin_client.get(url).status_code == 400


def test_offered_filters_still_work(admin_client, user):
    assert admin_client.get("/admin/sms2fa/challenge/?state=pending").status_code == 200
    assert admin_client.get("/admin/sms2fa/challenge/?state=expired").status_code == 200
    assert admin_client.get(f"/admin/sms2fa/challenge/?user__id__exact={user.pk}").status_code == 200
    assert admin_client.get("/admin/sms2fa/securityevent/?kind__exact=code_sent").status_code == 200
