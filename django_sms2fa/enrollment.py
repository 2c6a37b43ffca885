"""Add, confirm, change and remove a user's phone: the only writer of phones
outside the support command."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from . import clock, events, language, phone_mail, signals
from .conf import app_settings
from .models import Challenge, Phone, RecoveryCode, SecurityEvent
from .notices import notify
from .phones import InvalidPhoneNumber, parse_phone, phone_key

_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def validate_number(raw: str) -> str:
    """E.164 form of a number that may be enrolled, or ``InvalidPhoneNumber`` saying why not."""
    number = parse_phone(raw)
    parsed = phonenumbers.parse(number, None)
    region = phonenumbers.region_code_for_number(parsed)
    if region not in app_settings.ALLOWED_REGIONS:
        raise InvalidPhoneNumber(
            gettext_lazy("Numbers from this country cannot receive our codes.")
        )
    if phonenumbers.number_type(parsed) not in _MOBILE_TYPES:
        raise InvalidPhoneNumber(gettext_lazy("Enter a mobile number that can receive SMS."))
    return number


def prepare_phone(user: Any, raw_number: str) -> Phone:
    """An unconfirmed phone for ``user`` (replacing other unconfirmed ones), to be
    confirmed by the code sent to it."""
    number = validate_number(raw_number)
    with transaction.atomic():
        Phone.objects.filter(user=user, confirmed=False).delete()
        return Phone.objects.create(user=user, number=number, confirmed=False)


class PhoneConfirmedMeanwhile(Exception):
    """The user got a confirmed phone that this confirmation may not replace."""


def confirm_phone(
    phone: Phone, request: HttpRequest | None = None, *, may_replace: bool = False
) -> Phone:
    """Make ``phone`` the user's confirmed phone, replacing (and notifying) the old one.

    Replacing a confirmed phone needs ``may_replace``: the caller's proof (a fresh
    step-up) that the holder of the old phone agrees.
    """
    user = phone.user
    with transaction.atomic():
        old = Phone.objects.select_for_update().filter(user=user, confirmed=True).first()
        if old is not None and not may_replace:
            raise PhoneConfirmedMeanwhile()
        Phone.objects.filter(user=user).exclude(pk=phone.pk).delete()
        void_codes(user, keep=phone.number)
        phone.confirmed = True
        phone.confirmed_at = clock.now()
        if request is not None:  # the user's own confirmation: keep their language
            phone.language = language.of_request()
        phone.save(update_fields=["confirmed", "confirmed_at", "language"])
    if old is None:
        events.record(SecurityEvent.Kind.PHONE_ADDED, user=user, request=request,
                      phone_masked=phone.masked)
        signals.phone_added.send(Phone, user=user, phone=phone, request=request)
        phone_mail.tell_user(user, phone_mail.ADDED, phone=phone.masked, request=request)
        return phone
    phone_mail.tell_user(user, phone_mail.CHANGED, phone=phone.masked, old_phone=old.masked,
                         request=request)
    events.record(SecurityEvent.Kind.PHONE_CHANGED, user=user, request=request,
                  phone_masked=phone.masked, detail=f"was {old.masked}")
    signals.phone_changed.send(
        Phone, user=user, phone=phone, old_phone_masked=old.masked, request=request
    )
    if old.number != phone.number:
        notify(old, request, new=phone)
    return phone


def remove_phone(user: Any, request: HttpRequest | None = None, *, by: str = "") -> None:
    """Turn two-factor sign-in off for ``user``: phones and recovery codes go."""
    with transaction.atomic():
        old = Phone.objects.filter(user=user, confirmed=True).first()
        Phone.objects.filter(user=user).delete()
        void_codes(user)
        RecoveryCode.objects.filter(user=user).delete()
    kind = SecurityEvent.Kind.PHONE_RESET_BY_ADMIN if by else SecurityEvent.Kind.PHONE_REMOVED
    events.record(kind, user=user, request=request, phone_masked=old.masked if old else "",
                  detail=f"by {by}" if by else "")
    signals.phone_removed.send(Phone, user=user, by_admin=bool(by), request=request)
    if old is not None:
        phone_mail.tell_user(user, phone_mail.REMOVED, old_phone=old.masked, by=by,
                             request=request, language_code=old.language)
        notify(old, request)


def void_codes(user: Any, keep: str | None = None) -> None:
    """End the user's pending codes sent to any number but ``keep``: a code on a
    phone that no longer guards the account must not complete a login."""
    pending = Challenge.objects.filter(user=user, status=Challenge.Status.PENDING)
    if keep is not None:
        pending = pending.exclude(phone_key=phone_key(keep))
    pending.update(status=Challenge.Status.CANCELLED)
