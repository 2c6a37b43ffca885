"""Support actions on a user's phone, recorded in the security log."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from . import clock, events
from .models import Phone, SecurityEvent
from .enrollment import validate_number


def set_confirmed_phone(user: Any, raw_number: str, *, actor: str) -> Phone:
    """Give ``user`` ``raw_number`` as their confirmed phone, replacing any other.

    Raises ``InvalidPhoneNumber`` for a number that does not parse, is not a
    mobile number or is outside ``SMS2FA_ALLOWED_REGIONS``.
    """
    number = validate_number(raw_number)
    now = clock.now()
    with transaction.atomic():
        Phone.objects.filter(user=user).delete()
        phone = Phone.objects.create(user=user, number=number, confirmed=True, confirmed_at=now)
        events.record(
            SecurityEvent.Kind.PHONE_SET_BY_ADMIN, user=user, phone_masked=phone.masked,
            detail=f"by {actor}"[:255],
        )
    return phone
