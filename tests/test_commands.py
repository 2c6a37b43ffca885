"""manage.py sms2fa_enroll and the example project's demo commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from django_sms2fa.models import Phone, SecurityEvent

pytestmark = pytest.mark.django_db


def test_enroll_gives_a_confirmed_phone_and_is_logged(plain_user):
    out = StringIO()
    call_command("sms2fa_enroll", "bob", "0917 123 4567", stdout=out)
    phone = Phone.objects.get(user=plain_user)
    assert phone.number == "+639171234567"
    assert phone.confirmed
    assert "+63 ******4567" in out.getvalue()
    assert "9171234567" not in out.getvalue()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PHONE_SET_BY_ADMIN)
    assert event.user == plain_user
    assert "sms2fa_enroll" in event.detail


def test_enroll_replaces_the_old_phone_and_tells_the_old_number(user, sms_outbox):
    call_command("sms2fa_enroll", "alice", "+639181112222", stdout=StringIO())
    assert list(Phone.objects.filter(user=user).values_list("number", flat=True)) == ["+639181112222"]
    [notice] = sms_outbox
    assert notice.to == "+639171234567"
    assert "changed to +63 ******2222 by support" in notice.body


def test_enroll_with_the_same_number_sends_no_notice(user, sms_outbox):
    call_command("sms2fa_enroll", "alice", "0917 123 4567", stdout=StringIO())
    assert sms_outbox == []


def test_no_notice_goes_to_an_old_number_outside_the_allowed_regions(user, settings, sms_outbox):
    # alice's number was enrolled before the site stopped serving the Philippines.
    settings.SMS2FA_ALLOWED_REGIONS = ["US"]
    call_command("sms2fa_enroll", "alice", "+12015550123", stdout=StringIO())
    assert Phone.objects.get(user=user).number == "+12015550123"
    assert sms_outbox == []


def test_enroll_then_login_needs_the_code(client, plain_user, sms_outbox):
    call_command("sms2fa_enroll", "bob", "639171234567", stdout=StringIO())
    from .conftest import password_step

    assert password_step(client, username="bob")["Location"] == "/2fa/verify/"
    assert len(sms_outbox) == 1


@pytest.mark.parametrize("number", ["12345", "not a phone", "+63 917", "0917\x001234567"])
def test_enroll_rejects_bad_numbers(plain_user, number):
    with pytest.raises(CommandError, match="valid phone number"):
        call_command("sms2fa_enroll", "bob", number)
    assert not Phone.objects.exists()


def test_enroll_rejects_unknown_user(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("sms2fa_enroll", "nobody", "09171234567")
