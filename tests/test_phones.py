"""Phone parsing and masking."""

from __future__ import annotations

import pytest

from django_sms2fa.phones import InvalidPhoneNumber, mask, parse_phone


@pytest.mark.parametrize("raw", ["09171234567", "639171234567", "+639171234567", "+63 917 123 4567",
                                 "0917-123-4567", " 09171234567 "])
def test_one_number_in_every_spelling(raw):
    assert parse_phone(raw) == "+639171234567"


@pytest.mark.parametrize("raw", ["", "12345", "0917123456789", "abc", "+63 917", "0917\x001234567",
                                 "9" * 100, "0917-ABC-DEFG", "0917ABCDEFG", "+63 917 123 4567 ext. 8"])
def test_invalid_numbers_are_refused(raw):
    with pytest.raises(InvalidPhoneNumber):
        parse_phone(raw)


def test_mask_hides_all_but_country_code_and_last_four():
    assert mask("+639171234567") == "+63 ******4567"
    assert "917123" not in mask("+639171234567")
    assert mask("") == ""
