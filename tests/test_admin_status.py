"""One user's two-factor status in the admin, and the links between user, phone,
challenges and events."""

from __future__ import annotations

import pytest
from django.test import Client

from django_sms2fa import recovery
from django_sms2fa.models import Challenge, Phone, SecurityEvent
from django_sms2fa.testing import verified_login

from .conftest import last_code, password_step, wrong_code

pytestmark = pytest.mark.django_db


def test_status_page_shows_everything_on_one_page(admin_client, user, settings):
    settings.SMS2FA_LOCKOUT_FAILURES = 1
    settings.SMS2FA_REMEMBER_DAYS = 30
    recovery.replace_codes(user, 10)
    recovery.use(user.pk, recovery.normalise(recovery.replace_codes(user, 3)[0]))
    other = Client()
    password_step(other)
    other.post("/2fa/verify/", {"code": wrong_code(last_code())})
    page = admin_client.get(f"/admin/sms2fa/phone/status/{user.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Two-factor status of alice" in html
    assert "+63 ******4567" in html and "9171234567" not in html
    assert "<td>2</td>" in html  # recovery codes left
    assert "Locked out until" in html and "not locked out" not in html
    assert "at most 0" in html
    assert "argon2" not in html
    challenge = Challenge.objects.get(user=user)
    assert f"/admin/sms2fa/challenge/{challenge.pk}/change/" in html
    assert f"/admin/sms2fa/challenge/?user__id__exact={user.pk}" in html
    assert f"/admin/sms2fa/securityevent/?user__id__exact={user.pk}" in html
    assert f"/admin/auth/user/{user.pk}/change/" in html
    # The linked lists show this user's rows only.
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.ALERT, created_at=challenge.created_at,
                                 user=Phone.objects.get(user__username="root").user)
    listed = admin_client.get(f"/admin/sms2fa/securityevent/?user__id__exact={user.pk}")
    assert listed.status_code == 200 and b"root" not in listed.content.split(b"<tbody>")[1]


def test_lists_link_each_user_to_their_status(admin_client, user):
    browser = Client()
    password_step(browser)
    browser.post("/2fa/verify/", {"code": wrong_code(last_code())})  # logged: a wrong code
    for url in ("/admin/sms2fa/challenge/", "/admin/sms2fa/securityevent/", "/admin/sms2fa/phone/"):
        assert f'href="/admin/sms2fa/phone/status/{user.pk}/"' in admin_client.get(url).content.decode()
    event = SecurityEvent.objects.filter(user=user).first()
    page = admin_client.get(f"/admin/sms2fa/challenge/{event.challenge_id}/change/").content.decode()
    assert f"/admin/sms2fa/securityevent/?challenge__id__exact={event.challenge_id}" in page


def test_user_change_page_has_a_two_factor_section(admin_client, user):
    recovery.replace_codes(user, 10)
    html = admin_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert "Two-factor authentication" in html
    assert "On: codes go to +63 ******4567." in html and "10 recovery codes left." in html
    assert f"/admin/sms2fa/phone/status/{user.pk}/" in html
    assert "9171234567" not in html


def test_status_page_needs_permission_and_an_existing_user(admin_client, user, django_user_model):
    assert admin_client.get("/admin/sms2fa/phone/status/999999/").status_code == 404
    assert admin_client.get("/admin/sms2fa/phone/status/x%20y/").status_code == 404
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    client = Client()
    verified_login(client, clerk)
    assert client.get(f"/admin/sms2fa/phone/status/{user.pk}/").status_code == 403


def test_status_page_actions_go_through_the_confirmation(admin_client, user):
    phone = Phone.objects.get(user=user)
    html = admin_client.get(f"/admin/sms2fa/phone/status/{user.pk}/").content.decode()
    assert 'value="reset_phones"' in html and 'value="lift_lockouts"' not in html
    page = admin_client.post("/admin/sms2fa/phone/", {
        "action": "reset_phones", "_selected_action": [phone.pk], "index": "0"})
    assert b"Reset the phone of this user?" in page.content
    assert Phone.objects.filter(pk=phone.pk).exists()
