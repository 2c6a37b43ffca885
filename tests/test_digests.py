"""Fingerprints in sessions and cookies: sha256 named explicitly, and values made
the old way (salted_hmac's sha1 default) accepted for one release."""

from __future__ import annotations

import pytest
from django.core import signing
from django.utils.crypto import salted_hmac

from django_sms2fa import digests, remember
from django_sms2fa.pending import FINGERPRINT_SALT, PENDING_SESSION_KEY

from .conftest import last_code, password_step

pytestmark = pytest.mark.django_db


def old_way(salt, value):
    return salted_hmac(salt, value, algorithm="sha1").hexdigest()


def set_pending_fingerprint(client, fingerprint):
    session = client.session
    session[PENDING_SESSION_KEY] = {**session[PENDING_SESSION_KEY], "fingerprint": fingerprint}
    session.save()


def test_new_fingerprints_are_sha256(client, user):
    password_step(client)
    fingerprint = client.session[PENDING_SESSION_KEY]["fingerprint"]
    assert fingerprint == salted_hmac(FINGERPRINT_SALT, user.password, algorithm="sha256").hexdigest()


def test_a_login_pending_since_before_the_upgrade_completes(client, user):
    password_step(client)
    set_pending_fingerprint(client, old_way(FINGERPRINT_SALT, user.password))
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/whoami/").content == b"alice"


def test_an_old_way_fingerprint_of_another_password_is_refused(client, user):
    password_step(client)
    set_pending_fingerprint(client, old_way(FINGERPRINT_SALT, "some other password hash"))
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/whoami/").content == b"anonymous"


def test_a_browser_remembered_before_the_upgrade_is_still_remembered(client, user, settings):
    settings.SMS2FA_REMEMBER_DAYS = 30
    phone = user.sms2fa_phones.get(confirmed=True)
    fingerprint = old_way(remember.SALT, remember._fingerprinted(user, phone))
    client.cookies["sms2fa_remember"] = signing.dumps(
        {"u": str(user.pk), "f": fingerprint}, salt=remember.SALT
    )
    assert password_step(client)["Location"] == "/home/"
    assert client.get("/whoami/").content == b"alice"


@pytest.mark.parametrize("candidate", ["", "0" * 40, "0" * 64, "x"])
def test_matches_refuses_anything_else(candidate):
    assert not digests.matches("salt", "value", candidate)


def test_matches_takes_both_ways_of_the_same_value():
    assert digests.matches("salt", "value", digests.digest("salt", "value"))
    assert digests.matches("salt", "value", old_way("salt", "value"))
    assert not digests.matches("salt", "other", old_way("salt", "value"))
