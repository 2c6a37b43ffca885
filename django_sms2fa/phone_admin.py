"""Support actions on a user's phone, recorded in the security log."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from . import clock, events, phone_mail
from .enrollment import notify, validate_number, void_codes
from .models import Phone, SecurityEvent


def set_confirmed_phone(user: Any, raw_number: str, *, actor: str) -> Phone:
    """Give ``user`` ``raw_number`` as their confirmed phone, replacing any other;
    a replaced confirmed number is told by SMS, as when the user changes it.

    Raises ``InvalidPhoneNumber`` for a number that does not parse, is not a
    mobile number or is outside ``SMS2FA_ALLOWED_REGIONS``.
    """
    number = validate_number(raw_number)
    now = clock.now()
    with transaction.atomic():
        old = Phone.objects.filter(user=user, confirmed=True).first()
        Phone.objects.filter(user=user).delete()
        void_codes(user, keep=number)
        # The user's language stays with the account when support swaps the number.
        phone = Phone.objects.create(
            user=user, number=number, confirmed=True, confirmed_at=now,
            language=old.language if old is not None else "",
        )
        events.record(
            SecurityEvent.Kind.PHONE_SET_BY_ADMIN, user=user, phone_masked=phone.masked,
            detail=f"by {actor}"[:255],
        )
    if old is not None and old.number != number:
        notify(old, None, new=phone, by_support=True)
    phone_mail.tell_user(
        user, phone_mail.ADDED if old is None else phone_mail.CHANGED, phone=phone.masked,
        old_phone=old.masked if old is not None else "", by=actor,
    )
    return phone
