"""Property-based tests of the normalisers and parsers (hypothesis)."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from django_sms2fa import recovery
from django_sms2fa.codes import InvalidCodeFormat, normalise_code
from django_sms2fa.phones import InvalidPhoneNumber, mask, parse_phone

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
digits6 = st.text(alphabet="0123456789", min_size=6, max_size=6)
separators = st.sampled_from([" ", "-", "\u2013", "\u2212", "\u3000", "\t"])


@given(st.text(max_size=200))
def test_normalise_code_returns_six_ascii_digits_or_refuses(raw):
    try:
        code = normalise_code(raw, 6)
    except InvalidCodeFormat:
        return
    assert len(code) == 6 and all(c in "0123456789" for c in code)


@given(digits6, st.lists(st.tuples(st.integers(0, 6), separators), max_size=4), st.booleans())
def test_any_spacing_or_width_of_a_code_normalises_to_it(code, cuts, wide):
    raw = code.translate(FULL_WIDTH) if wide else code
    for position, sep in sorted(cuts, reverse=True):
        raw = raw[:position] + sep + raw[position:]
    assert normalise_code(raw, 6) == code


@given(digits6, st.characters(blacklist_categories=("Zs", "Cc", "Pd"),
                              blacklist_characters="0123456789０１２３４５６７８９"))
def test_a_code_with_any_other_character_is_refused(code, intruder):
    candidate = code[:3] + intruder + code[3:]
    try:
        normalised = normalise_code(candidate, 6)
    except InvalidCodeFormat:
        return
    # Only characters that NFKC folds away entirely (or into separators) may pass:
    # never one that folds into a digit without being a decimal digit (², ①).
    assert normalised == code
    assert not any(c.isdigit() for c in unicodedata.normalize("NFKC", intruder))


@given(st.text(max_size=60))
@settings(max_examples=300)
def test_parse_phone_returns_e164_or_refuses(raw):
    try:
        number = parse_phone(raw)
    except InvalidPhoneNumber:
        return
    assert number.startswith("+") and number[1:].isascii() and number[1:].isdigit()
    assert parse_phone(number) == number  # idempotent


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.sampled_from(
    ["0917{}", "63917{}", "+63917{}", "+63 917 {}", "0917-{}"]))
def test_every_spelling_of_a_ph_mobile_is_one_number(rest, spelling):
    subscriber = rest[:7]
    raw = spelling.format(subscriber)
    try:
        number = parse_phone(raw)
    except InvalidPhoneNumber:
        return
    assert number == "+63917" + subscriber
    assert mask(number).endswith(subscriber[-4:]) and subscriber[:3] not in mask(number)[:-4]


@given(st.text(max_size=80))
def test_recovery_normalise_returns_alphabet_or_refuses(raw):
    try:
        code = recovery.normalise(raw)
    except recovery.InvalidRecoveryCode:
        return
    assert len(code) == 12 and set(code) <= set(recovery.ALPHABET)


@given(st.text(alphabet=recovery.ALPHABET, min_size=12, max_size=12), st.booleans())
def test_recovery_codes_survive_case_and_dashes(code, upper):
    shown = recovery.format_code(code)
    typed = shown.upper() if upper else shown.replace("-", " ")
    assert recovery.normalise(typed) == code
