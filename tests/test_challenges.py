"""Expiry, replay, attempt limits, lockout and binding of challenges."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import SESSION_KEY

from django_sms2fa.models import Challenge, SecurityEvent
from django_sms2fa.senders import outbox

from .conftest import PASSWORD, last_code, password_step, wrong_code

pytestmark = pytest.mark.django_db


def signed_in(client) -> bool:
    return client.get("/whoami/").content != b"anonymous"


def test_code_expires_after_its_lifetime(client, user, frozen_clock):
    password_step(client)
    code = last_code()
    frozen_clock.advance(301)
    response = client.post("/2fa/verify/", {"code": code}, follow=True)
    assert b"expired" in response.content
    assert not signed_in(client)


def test_code_just_before_expiry_works(client, user, frozen_clock):
    password_step(client)
    frozen_clock.advance(299)
    client.post("/2fa/verify/", {"code": last_code()})
    assert signed_in(client)


def test_pending_login_times_out(client, user, frozen_clock, settings):
    settings.SMS2FA_CODE_LIFETIME = 3600
    password_step(client)
    code = last_code()
    frozen_clock.advance(601)
    response = client.post("/2fa/verify/", {"code": code})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not signed_in(client)


def test_code_cannot_be_replayed(client, user):
    password_step(client)
    code = last_code()
    client.post("/2fa/verify/", {"code": code})
    client.post("/accounts/logout/")
    # A new login has a new challenge; the old code is spent.
    password_step(client)
    response = client.post("/2fa/verify/", {"code": code}, follow=True)
    assert not signed_in(client)
    assert b"That code is not right" in response.content


def test_replayed_pending_session_cannot_use_a_spent_code(client, user):
    password_step(client)
    code = last_code()
    stolen_cookie = client.cookies["sessionid"].value
    session_data = dict(client.session)
    client.post("/2fa/verify/", {"code": code})
    assert signed_in(client)
    # Restore the pre-verification session state in a fresh session store entry.
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    for key, value in session_data.items():
        store[key] = value
    store.create()
    other = client_class_for(client)()
    other.cookies["sessionid"] = store.session_key
    assert stolen_cookie != store.session_key
    other.post("/2fa/verify/", {"code": code})
    assert other.get("/whoami/").content == b"anonymous"


def client_class_for(client):
    return type(client)


def test_attempts_are_limited_per_challenge(client, user):
    password_step(client)
    code = last_code()
    for _ in range(5):
        client.post("/2fa/verify/", {"code": wrong_code(code)})
    response = client.post("/2fa/verify/", {"code": code}, follow=True)
    assert not signed_in(client)
    assert b"Too many wrong codes" in response.content
    challenge = Challenge.objects.get()
    assert challenge.attempts == 5
    assert challenge.status == Challenge.Status.FAILED


def test_wrong_code_tells_attempts_left(client, user):
    password_step(client)
    response = client.post("/2fa/verify/", {"code": wrong_code(last_code())})
    # Post/redirect/get: a reload of the answer posts no code again.
    assert response["Location"] == "/2fa/verify/"
    page = client.get("/2fa/verify/")
    assert b"That code is not right. 4 attempts left." in page.content
    assert b"4 attempts left" not in client.get("/2fa/verify/").content  # said once


def test_malformed_input_uses_no_attempt(client, user):
    password_step(client)
    for raw in ["abc", "", "1" * 5000, "١٢٣٤٥٦", "12\x003456"]:
        response = client.post("/2fa/verify/", {"code": raw})
        assert response.status_code == 200
        assert b"digits only" in response.content or b"Null characters" in response.content
    assert Challenge.objects.get().attempts == 0


def test_normalised_input_is_accepted(client, user):
    password_step(client)
    code = last_code()
    spaced = f"{code[:3]} {code[3:]}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    client.post("/2fa/verify/", {"code": spaced})
    assert signed_in(client)


def test_resend_does_not_reset_attempts(client, user, frozen_clock):
    password_step(client)
    for _ in range(3):
        client.post("/2fa/verify/", {"code": wrong_code(last_code())})
    frozen_clock.advance(61)
    client.post("/2fa/resend/")
    assert len(outbox) == 2
    response = client.post("/2fa/verify/", {"code": wrong_code(last_code())}, follow=True)
    assert b"That code is not right. 1 attempt left." in response.content


def test_resend_has_a_cooldown_and_supersedes_the_old_code(client, user, frozen_clock):
    password_step(client)
    first = last_code()
    response = client.post("/2fa/resend/")
    assert response["Location"] == "/2fa/verify/"  # a reload re-posts nothing
    assert len(outbox) == 1
    page = client.get("/2fa/verify/").content
    assert b'You can send a new code in <span class="sms2fa-clock">1:00</span>' in page
    assert page.count(b"new code in") == 1
    frozen_clock.advance(61)
    client.post("/2fa/resend/")
    assert len(outbox) == 2
    second = last_code()
    if first != second:
        client.post("/2fa/verify/", {"code": first})
        assert not signed_in(client)
    client.post("/2fa/verify/", {"code": second})
    assert signed_in(client)


def test_resend_is_post_only(client, user):
    password_step(client)
    assert client.get("/2fa/resend/").status_code == 405
    assert len(outbox) == 1


def test_code_is_bound_to_its_session(client, user, frozen_clock):
    other = type(client)()
    password_step(client)
    frozen_clock.advance(61)
    password_step(other)
    first_code, second_code = outbox[0], outbox[1]
    from django_sms2fa.testing import code_from

    if code_from(first_code) != code_from(second_code):
        other.post("/2fa/verify/", {"code": code_from(first_code)})
        assert other.get("/whoami/").content == b"anonymous"
    client.post("/2fa/verify/", {"code": code_from(first_code)})
    assert signed_in(client)


def test_code_is_bound_to_its_user(client, user, django_user_model):
    from django_sms2fa.models import Phone
    from django_sms2fa.testing import code_from

    mallory = django_user_model.objects.create_user("mallory", password=PASSWORD)
    Phone.objects.create(user=mallory, number="+639181111111", confirmed=True)
    attacker = type(client)()
    password_step(client)  # alice's code goes to alice's phone
    password_step(attacker, username="mallory")
    alice_code = code_from(outbox[0])
    mallory_code = code_from(outbox[1])
    if alice_code != mallory_code:
        attacker.post("/2fa/verify/", {"code": alice_code})
        assert attacker.get("/whoami/").content == b"anonymous"


def test_lockout_across_challenges(client, user, settings, frozen_clock):
    settings.SMS2FA_LOCKOUT_FAILURES = 7
    for _ in range(2):
        frozen_clock.advance(61)
        password_step(client)
        for _ in range(5):
            client.post("/2fa/verify/", {"code": wrong_code(last_code())})
        client.post("/2fa/cancel/")
    sent = len(outbox)
    password_step(client)
    assert len(outbox) == sent  # no SMS for a locked-out user
    page = client.get("/2fa/verify/")
    assert b"blocked" in page.content
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT).count() == 1


def test_lockout_ends(client, user, settings, frozen_clock):
    settings.SMS2FA_LOCKOUT_FAILURES = 5
    password_step(client)
    for _ in range(5):
        client.post("/2fa/verify/", {"code": wrong_code(last_code())})
    client.post("/2fa/cancel/")
    frozen_clock.advance(901)
    password_step(client)
    client.post("/2fa/verify/", {"code": last_code()})
    assert signed_in(client)


def test_user_deactivated_during_pending_step_is_refused(client, user):
    password_step(client)
    user.is_active = False
    user.save()
    response = client.post("/2fa/verify/", {"code": last_code()})
    assert response["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session


def test_password_changed_during_pending_step_is_refused(client, user):
    password_step(client)
    user.set_password("a new password entirely")
    user.save()
    response = client.post("/2fa/verify/", {"code": last_code()})
    assert response["Location"] == "/accounts/login/"
    assert not signed_in(client)


def test_logout_wipes_the_pending_step(client, user):
    password_step(client)
    code = last_code()
    client.post("/accounts/logout/")
    response = client.post("/2fa/verify/", {"code": code})
    assert response["Location"] == "/accounts/login/"
    assert not signed_in(client)


def test_cancel_wipes_the_pending_step(client, user):
    password_step(client)
    code = last_code()
    client.post("/2fa/cancel/")
    client.post("/2fa/verify/", {"code": code})
    assert not signed_in(client)


def test_no_plaintext_code_in_database_session_or_logs(client, user, caplog):
    from django.contrib.sessions.models import Session
    from django.db import connection

    caplog.set_level(logging.DEBUG)
    password_step(client)
    code = last_code()
    client.post("/2fa/verify/", {"code": wrong_code(code)})
    client.post("/2fa/verify/", {"code": code})
    assert code not in caplog.text
    for session in Session.objects.all():
        decoded = str(session.get_decoded())
        assert code not in decoded
        assert PASSWORD not in decoded
        assert "9171234567" not in decoded  # no phone number
    with connection.cursor() as cursor:
        for model in (Challenge, SecurityEvent):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")
            for row in cursor.fetchall():
                assert not any(code in str(value) for value in row), row


@pytest.mark.parametrize(
    "next_url, landing",
    [
        ("/whoami/?a=1", "/whoami/?a=1"),
        ("https://evil.example/", "/home/"),
        ("//evil.example/", "/home/"),
        ("http://testserver/whoami/", "http://testserver/whoami/"),
        ("javascript:alert(1)", "/home/"),
        ("/\\evil.example", "/home/"),
    ],
)
def test_next_is_validated(client, user, next_url, landing):
    password_step(client, next_url=next_url)
    response = client.post("/2fa/verify/", {"code": last_code()})
    assert response["Location"] == landing


def test_test_client_login_of_a_phone_user_is_refused_until_verified(client, user):
    client.force_login(user)
    assert client.get("/whoami/").content == b"anonymous"


def test_verified_login_helper_signs_in(client, user):
    from django_sms2fa.testing import verified_login

    verified_login(client, user)
    assert client.get("/whoami/").content == b"alice"


def test_test_client_login_of_plain_user_works(client, plain_user):
    client.force_login(plain_user)
    assert client.get("/whoami/").content == b"bob"
    assert client.get("/whoami/").content == b"bob"


def test_verify_page_without_pending_login_redirects(client, user):
    assert client.get("/2fa/verify/")["Location"] == "/accounts/login/"
    assert client.post("/2fa/verify/", {"code": "123456"})["Location"] == "/accounts/login/"


def test_verify_rate_limit(client, user, settings):
    settings.SMS2FA_VERIFY_RATE_USER = "3/m"
    password_step(client)
    for _ in range(3):
        assert client.post("/2fa/verify/", {"code": "abc"}).status_code == 200
    response = client.post("/2fa/verify/", {"code": last_code()})
    assert response.status_code == 429
    assert not signed_in(client)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.VERIFY_RATE_LIMITED).exists()


def test_send_rate_limit_per_user(client, user, settings):
    settings.SMS2FA_SEND_RATE_USER = "2/h"
    settings.SMS2FA_RESEND_COOLDOWN = 0
    for _ in range(4):
        password_step(type(client)())
    assert len(outbox) == 2
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SEND_RATE_LIMITED).count() == 2


def test_broken_rate_limit_cache_fails_closed(client, user, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "broken": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    settings.RATELIMIT_USE_CACHE = "broken"
    password_step(client)
    assert outbox == []
    page = client.get("/2fa/verify/")
    assert page.status_code == 200
    assert b"We cannot send codes right now" in page.content
    # Nor is any code checked without its limits.
    response = client.post("/2fa/verify/", {"code": "123456"})
    assert response.status_code == 429
    assert not signed_in(client)


def test_paced_guessing_is_locked_out_too(client, user, settings, frozen_clock):
    """Failures count from the last success, not within a window an attacker can wait out."""
    settings.SMS2FA_LOCKOUT_FAILURES = 6
    for _ in range(3):
        frozen_clock.advance(3600)
        password_step(client)
        for _ in range(2):
            client.post("/2fa/verify/", {"code": wrong_code(last_code())})
        client.post("/2fa/cancel/")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT).count() == 1


def test_success_resets_the_failure_count(client, user, settings, frozen_clock):
    settings.SMS2FA_LOCKOUT_FAILURES = 4
    password_step(client)
    for _ in range(3):
        client.post("/2fa/verify/", {"code": wrong_code(last_code())})
    client.post("/2fa/verify/", {"code": last_code()})
    client.post("/accounts/logout/")
    frozen_clock.advance(61)
    password_step(client)
    for _ in range(3):
        client.post("/2fa/verify/", {"code": wrong_code(last_code())})
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT).exists()


def test_repeated_lockouts_last_longer(client, user, settings, frozen_clock):
    from django_sms2fa.lockout import locked_until

    settings.SMS2FA_LOCKOUT_FAILURES = 2
    lengths = []
    for _ in range(3):
        password_step(client)
        for _ in range(2):
            client.post("/2fa/verify/", {"code": wrong_code(last_code())})
        client.post("/2fa/cancel/")
        until = locked_until(user.pk)
        lengths.append((until - frozen_clock.current).total_seconds())
        frozen_clock.current = until
        frozen_clock.advance(1)
    assert lengths == [900, 1800, 3600]
