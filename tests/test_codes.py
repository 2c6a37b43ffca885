"""Codes: generation, normalisation, keyed argon2id hashing."""

from __future__ import annotations

from collections import Counter

import pytest

from django_sms2fa.codes import (
    MAX_INPUT_LENGTH,
    InvalidCodeFormat,
    check_code,
    generate_code,
    hash_code,
    normalise_code,
)


def test_generated_codes_are_six_ascii_digits_and_spread_over_all_digits():
    codes = [generate_code(6) for _ in range(2000)]
    assert all(len(c) == 6 and c.isascii() and c.isdigit() for c in codes)
    counts = Counter("".join(codes))
    assert set(counts) == set("0123456789")
    # 12,000 digits: each digit expected 1,200 times; a biased generator falls far outside.
    assert all(1000 < n < 1400 for n in counts.values())


@pytest.mark.parametrize(
    "raw",
    ["123456", " 123456 ", "123 456", "123-456", "12 34 56", "１２３４５６", "１２３ー４５６", "123\u2013456"],
)
def test_spaces_dashes_and_full_width_digits_are_accepted(raw):
    assert normalise_code(raw, 6) == "123456"


@pytest.mark.parametrize(
    "raw",
    ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "۱۲۳۴۵۶", "१२३४५६", "12\x003456", "123.456",
     "+123456", "x" * (MAX_INPUT_LENGTH + 1), "1" * 10_000,
     # NFKC folds these into digits, but they are not decimal digits.
     "12345\u00b2", "\u00b9\u00b2\u00b3\u2074\u2075\u2076", "\u2460\u2461\u2462\u2463\u2464\u2465",
     "\u2081\u2082\u2083\u2084\u2085\u2086", "\u2474\u2475\u2476\u2477\u2478\u2479", "123\u248b56"],
)
def test_anything_else_is_rejected(raw):
    with pytest.raises(InvalidCodeFormat):
        normalise_code(raw, 6)


def test_hash_is_argon2id_with_its_own_salt_and_never_the_code():
    first, second = hash_code("123456", "b"), hash_code("123456", "b")
    assert first.startswith("$argon2id$")
    assert first != second
    assert "123456" not in first


def test_check_accepts_only_the_code_for_its_binding():
    encoded = hash_code("123456", "challenge-1")
    assert check_code(encoded, "123456", "challenge-1")
    assert not check_code(encoded, "123457", "challenge-1")
    assert not check_code(encoded, "123456", "challenge-2")
    assert not check_code("not a hash", "123456", "challenge-1")


def test_hash_depends_on_secret_key(settings):
    encoded = hash_code("123456", "b")
    settings.SECRET_KEY = "another-secret"
    assert not check_code(encoded, "123456", "b")


def test_fallback_keys_are_tried_only_when_asked(settings):
    """Recovery codes ask for SECRET_KEY_FALLBACKS; short-lived SMS codes do not,
    so that a wrong guess costs one argon2 pass, not one per key."""
    encoded = hash_code("123456", "b")
    settings.SECRET_KEY_FALLBACKS = ["older-secret", settings.SECRET_KEY]
    settings.SECRET_KEY = "another-secret"
    assert not check_code(encoded, "123456", "b")
    assert check_code(encoded, "123456", "b", with_fallbacks=True)
    assert not check_code(encoded, "123457", "b", with_fallbacks=True)


def test_one_time_codes_cost_64_kib_and_recovery_codes_2_mib():
    assert hash_code("123456", "c:1:login").startswith("$argon2id$v=19$m=64,t=1,p=1$")
    kept = hash_code("abcdefgh", "recovery:1:wxyz", long_lived=True)
    assert kept.startswith("$argon2id$v=19$m=2048,t=1,p=1$")
    assert check_code(kept, "abcdefgh", "recovery:1:wxyz")


def test_a_code_hashed_at_the_former_cost_still_checks():
    # Codes sent before the upgrade (2 MiB) stay valid for the rest of their life.
    earlier = hash_code("123456", "c:1:login", long_lived=True)
    assert check_code(earlier, "123456", "c:1:login")
    assert not check_code(earlier, "654321", "c:1:login")
