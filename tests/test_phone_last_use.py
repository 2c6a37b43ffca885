"""A phone's "last used" is when a code sent to it was last verified: the
challenge rows are the log of that, so a sign-in writes nothing to the phone."""

from __future__ import annotations

import pytest
from django.test import Client

from django_sms2fa.models import Challenge, Phone
from django_sms2fa.testing import verified_login

from .conftest import last_code, password_step, step_up

pytestmark = pytest.mark.django_db


def last_use(user):
    return Phone.objects.filter(user=user).with_last_use().get().last_used_at


def test_a_phone_never_used_shows_no_last_use(user):
    assert last_use(user) is None


def test_sign_in_and_step_up_are_the_phones_last_use(client, user, frozen_clock):
    password_step(client)
    client.post("/2fa/verify/", {"code": last_code()})
    signed_in_at = frozen_clock()
    assert last_use(user) == signed_in_at
    frozen_clock.advance(3600)
    step_up(client, "payout")
    assert last_use(user) == frozen_clock() != signed_in_at


def test_a_code_sent_but_not_entered_is_no_use(client, user, frozen_clock):
    password_step(client)
    assert Challenge.objects.filter(user=user).count() == 1
    assert last_use(user) is None


def test_the_admin_shows_the_last_use(client, user, staff_user, frozen_clock):
    password_step(client)
    client.post("/2fa/verify/", {"code": last_code()})
    admin = Client()
    verified_login(admin, staff_user)
    # The fake clock stands at 12:00 UTC on 26 November 2026.
    page = admin.get("/admin/sms2fa/phone/").content.decode()
    assert "Last used" in page and page.count("Nov. 26, 2026, noon") == 1
    detail = admin.get(f"/admin/sms2fa/phone/{Phone.objects.get(user=user).pk}/change/")
    assert "Nov. 26, 2026, noon" in detail.content.decode()
