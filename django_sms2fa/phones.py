"""Parse and normalise phone numbers, and the one ``mask`` used everywhere."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .conf import app_settings

# No real phone number needs more characters than this, spaces and all.
MAX_INPUT_LENGTH = 40


class InvalidPhoneNumber(ValueError):
    """The input is not a valid phone number; the message is safe to show."""


def parse_phone(raw: str, region: str | None = None) -> str:
    """Return ``raw`` in E.164 form (``+639171234567``) or raise ``InvalidPhoneNumber``.

    Numbers without a country code are read in ``region`` (default
    ``SMS2FA_DEFAULT_REGION``), so ``09171234567``, ``639171234567`` and
    ``+63 917 123 4567`` are one number.
    """
    if len(raw) > MAX_INPUT_LENGTH or "\x00" in raw:
        raise InvalidPhoneNumber(_("Enter a valid phone number."))
    # phonenumbers reads letters as keypad digits ("0917-ABC-DEFG" is 0917-222-3334)
    # and drops an "ext" suffix: neither is a number a user means to receive SMS on.
    if any(unicodedata.category(char).startswith("L") for char in raw):
        raise InvalidPhoneNumber(_("Enter a valid phone number in digits only, without letters."))
    region = region or app_settings.DEFAULT_REGION
    candidates = [raw]
    digits = raw.strip()
    country = phonenumbers.country_code_for_region(region)
    # "639171234567" (country code without "+") is how IPROG and many users write it.
    if digits.isascii() and digits.isdigit() and digits.startswith(str(country)):
        candidates.insert(0, "+" + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidPhoneNumber(_("Enter a valid phone number."))


def mask(e164: str) -> str:
    """Show a phone number with all but its country code and last four digits hidden."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "*" * max(len(e164) - 4, 0) + e164[-4:]
    national = str(number.national_number)
    return f"+{number.country_code} " + "*" * max(len(national) - 4, 0) + national[-4:]


def phone_key(e164: str) -> str:
    """A keyed hash of a number: one key for all spellings, without storing the number."""
    key = hashlib.sha256(b"django_sms2fa.phones.key" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()
