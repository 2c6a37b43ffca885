"""SMS2FABackend checks the password as ModelBackend does; with the default
``get_by_natural_key`` it reads the user's confirmed phone in the same query."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import UserManager

from django_sms2fa.backends import CONFIRMED_PHONE_ATTR

from .conftest import PASSWORD, PHONE, last_code, password_step

pytestmark = pytest.mark.django_db


def test_the_right_password_gives_the_user_with_the_phone(user, plain_user):
    found = authenticate(username="alice", password=PASSWORD)
    assert found == user and getattr(found, CONFIRMED_PHONE_ATTR).number == PHONE
    assert getattr(found, CONFIRMED_PHONE_ATTR).user_locked_until is None
    assert getattr(authenticate(username="bob", password=PASSWORD), CONFIRMED_PHONE_ATTR) is None


def test_a_wrong_password_an_unknown_or_inactive_user_get_nothing(user):
    assert authenticate(username="alice", password="wrong") is None
    assert authenticate(username="nobody", password=PASSWORD) is None
    assert authenticate(username="alice") is None
    user.is_active = False
    user.save()
    assert authenticate(username="alice", password=PASSWORD) is None


def test_a_manager_with_its_own_natural_key_is_used(user, client, sms_outbox, monkeypatch):
    def case_blind(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})

    monkeypatch.setattr(UserManager, "get_by_natural_key", case_blind)
    found = authenticate(username="ALICE", password=PASSWORD)
    assert found == user and not hasattr(found, CONFIRMED_PHONE_ATTR)
    # The login is held all the same: the receiver reads the phone itself.
    assert password_step(client, username="ALICE")["Location"] == "/2fa/verify/"
    assert len(sms_outbox) == 1


def test_a_default_manager_that_hides_users_is_obeyed(user, client, monkeypatch):
    # A site's soft delete: its default manager leaves some users out. The
    # login path's own SQL cannot know that, so it steps aside for the ORM.
    def without_alice(self):
        return super(UserManager, self).get_queryset().exclude(username="alice")

    password_step(client)
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/whoami/").content == b"alice"
    monkeypatch.setattr(UserManager, "get_queryset", without_alice)
    assert client.get("/whoami/").content == b"anonymous"  # her session no longer finds her
    assert authenticate(username="alice", password=PASSWORD) is None
