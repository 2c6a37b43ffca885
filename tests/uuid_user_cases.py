"""Run by tests/test_uuid_users.py with tests.settings_uuid: the login, the
lockout and the per-user limits with a UUID-keyed user model whose name field
and key have columns of their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from django_sms2fa import challenges, clock
from django_sms2fa.exceptions import SendRateLimited
from django_sms2fa.models import Phone, SecurityEvent

from .conftest import PHONE, last_code

pytestmark = pytest.mark.django_db
PASSWORD = "pw-person-123"


@pytest.fixture
def person():
    person = get_user_model().objects.create_user("ann@example.com", PASSWORD)
    Phone.objects.create(user=person, number=PHONE, confirmed=True)
    return person


def sign_in(client):
    return client.post("/accounts/login/", {"username": "ann@example.com", "password": PASSWORD})


def test_a_login_with_its_code(client, person):
    assert client.post("/accounts/login/", {"username": "ann@example.com", "password": "no"}
                       ).status_code == 200
    assert sign_in(client)["Location"] == "/2fa/verify/"
    assert client.get("/whoami/").content == b"anonymous"
    assert client.post("/2fa/verify/", {"code": last_code()})["Location"] == "/home/"
    assert client.get("/whoami/").content == b"ann@example.com"
    # The phone changes elsewhere: this session ends.
    Phone.objects.filter(user=person).delete()
    Phone.objects.create(user=person, number="+639181234567", confirmed=True)
    assert client.get("/whoami/").content == b"anonymous"


def test_a_lockout_is_seen_before_any_code_is_sent(client, person):
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOCKED_OUT, user=person,
                                 until=clock.now() + timedelta(minutes=15),
                                 created_at=clock.now())
    sign_in(client)
    page = client.get("/2fa/verify/").content.decode()
    assert "blocked until" in page and 'name="code"' not in page


def test_the_daily_limit_per_user_holds_across_numbers(person, settings):
    settings.SMS2FA_DAILY_LIMIT_USER = 2
    for i in range(2):
        challenges.issue(user=person, number=f"+63917000000{i}", purpose=f"p{i}", nonce="n")
    with pytest.raises(SendRateLimited):
        challenges.issue(user=person, number="+639170000009", purpose="p9", nonce="n")
