"""Recovery codes: shown once, hashed, single use (also in parallel)."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from django_sms2fa import recovery
from django_sms2fa.models import RecoveryCode, SecurityEvent

from .conftest import password_step, step_up
from .test_concurrency import run_in_parallel

pytestmark = pytest.mark.django_db


def new_codes(client) -> list[str]:
    step_up(client, "recovery_codes")
    page = client.post("/2fa/setup/recovery-codes/", follow=True)
    return re.findall(r"<code>([a-z0-9-]+)</code>", page.content.decode())


def test_codes_are_shown_once_and_stored_only_as_hashes(signed_in, user):
    codes = new_codes(signed_in)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {RecoveryCode._meta.db_table}")
        dump = str(cursor.fetchall())
    for code in codes:
        assert code.replace("-", "")[4:] not in dump
    assert b"<code>" not in signed_in.get("/2fa/setup/").content
    # A reload of the page that showed them neither shows them again nor makes a new set.
    again = signed_in.get("/2fa/setup/recovery-codes/new/")
    assert b"<code>" not in again.content and b"shown once" in again.content
    assert RecoveryCode.objects.filter(used_at__isnull=True).count() == 10


def test_sign_in_with_a_recovery_code_once(signed_in, user, client):
    codes = new_codes(signed_in)
    other = type(client)()
    password_step(other, next_url="/whoami/")
    page = other.post("/2fa/recovery/", {"recovery_code": codes[0].upper().replace("-", " ")},
                      follow=True)
    assert page.status_code == 200
    assert b"You have 9 recovery codes left." in page.content
    assert b'href="/whoami/"' in page.content
    assert other.get("/whoami/").content == b"alice"
    third = type(client)()
    password_step(third)
    page = third.post("/2fa/recovery/", {"recovery_code": codes[0]})
    assert b"not valid" in page.content
    assert third.get("/whoami/").content == b"anonymous"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RECOVERY_CODE_USED).count() == 1


def test_new_set_voids_the_old(signed_in, user, client):
    old = new_codes(signed_in)
    new_codes(signed_in)
    other = type(client)()
    password_step(other)
    other.post("/2fa/recovery/", {"recovery_code": old[1]})
    assert other.get("/whoami/").content == b"anonymous"


@pytest.mark.parametrize("raw", ["", "abcd", "abcd-efgh-jkm0", "١٢٣", "x" * 500, "abcd\x00efgh-jkmn"])
def test_malformed_recovery_codes_are_form_errors(client, user, raw):
    password_step(client)
    page = client.post("/2fa/recovery/", {"recovery_code": raw})
    assert b"recovery codes, like" in page.content or b"Null characters" in page.content
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.WRONG_RECOVERY_CODE).exists()


def test_wrong_recovery_codes_count_towards_lockout(client, user, settings):
    settings.SMS2FA_LOCKOUT_FAILURES = 3
    recovery.replace_codes(user, 10)
    password_step(client)
    for _ in range(3):
        page = client.post("/2fa/recovery/", {"recovery_code": "aaaa-bbbb-cccc"})
    assert b"blocked" in page.content


def test_step_up_with_a_recovery_code(signed_in, user):
    codes = new_codes(signed_in)
    url = "/2fa/step-up/?purpose=payout&next=/payout/"
    response = signed_in.post(url, {"recovery_code": codes[3]})
    assert response["Location"] == "/payout/"
    assert signed_in.get("/payout/").content == b"payout page"
    # The count left is said on the next page (Django's messages framework).
    page = signed_in.get("/2fa/setup/")
    assert b"You have 9 recovery codes left." in page.content


def test_recovery_codes_outlast_a_secret_key_rotation_with_fallbacks(user, settings):
    codes = [recovery.normalise(code) for code in recovery.replace_codes(user, 3)]
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-" + "k" * 50
    settings.SECRET_KEY_FALLBACKS = []
    assert not recovery.use(user.pk, codes[0])  # the pepper changed with the key
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert recovery.redeem(user, codes[0]).ok
    assert not recovery.redeem(user, codes[0]).ok  # still single use
    assert recovery.redeem(user, codes[1]).remaining == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_recovery_code_works_once_under_parallel_use(user):
    codes = recovery.replace_codes(user, 10)
    normalised = recovery.normalise(codes[0])
    results = run_in_parallel(lambda i: recovery.use(user.pk, normalised), count=8)
    assert results.count(True) == 1
    assert recovery.remaining(user.pk) == 9
