"""Texts to a user go out in their language: a code in the language of the page
that asked for it, a notice or e-mail in the language the user last signed in with."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from django_sms2fa.models import Phone
from django_sms2fa.testing import code_from, verified_login

from .conftest import PASSWORD, last_code, password_step, wrong_code

pytestmark = pytest.mark.django_db

FIL_CODE = "ang iyong verification code sa Example"
FIL_NOTICE = "ang numero ng 2FA sign-in ng account mo ay"


def sign_in(language: str) -> Client:
    client = Client(headers={"accept-language": language})
    password_step(client)
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/whoami/").content == b"alice"
    return client


@pytest.mark.parametrize("language, words", [
    ("fil", FIL_CODE), ("en", "is your Example verification code"),
])
def test_the_code_sms_is_in_the_language_of_the_sign_in_page(user, sms_outbox, language, words):
    password_step(Client(headers={"accept-language": language}))
    [sms] = sms_outbox
    assert words in sms.body
    # The WebOTP line stays the last line, so browsers and code_from still find the code.
    assert sms.body.endswith(f"\n\n@testserver #{code_from(sms)}")


def test_a_step_up_code_follows_the_language_chosen_now(user, sms_outbox, frozen_clock):
    client = sign_in("en")
    frozen_clock.advance(61)
    client.post("/2fa/step-up/?purpose=payout&next=/payout/", {"send": "1"},
                headers={"accept-language": "fil"})
    assert FIL_CODE in sms_outbox[-1].body


def test_the_sign_in_keeps_the_language_on_the_phone(user):
    sign_in("fil")
    assert Phone.objects.get(user=user).language == "fil"
    sign_in("en")
    assert Phone.objects.get(user=user).language == "en"


def test_an_admin_reset_tells_the_old_phone_in_the_users_language(user, staff_user, sms_outbox,
                                                                  mailoutbox):
    sign_in("fil")
    admin = Client(headers={"accept-language": "en"})
    verified_login(admin, staff_user)
    phone = Phone.objects.get(user=user)
    sms_outbox.clear()
    admin.post("/admin/sms2fa/phone/", {"action": "reset_phones", "_selected_action": [phone.pk],
                                        "post": "yes"})
    [notice] = [sms for sms in sms_outbox if sms.to == phone.number]
    assert FIL_NOTICE in notice.body and "tinanggal" in notice.body
    # The phone is gone, its language is not: the mail to the user is in Filipino too.
    [mail] = mailoutbox
    assert mail.subject == "Tinanggal ang telepono ng iyong Example account"


def test_support_enrollment_keeps_the_language_and_tells_the_old_phone_in_it(user, sms_outbox):
    sign_in("fil")
    sms_outbox.clear()
    call_command("sms2fa_enroll", "alice", "09182222222", stdout=open("/dev/null", "w"))
    [notice] = sms_outbox
    assert FIL_NOTICE in notice.body
    assert "ginawang +63 ******2222 ng support" in notice.body
    assert Phone.objects.get(user=user).language == "fil"


def test_without_a_known_language_notices_use_language_code(user, settings, sms_outbox):
    settings.LANGUAGE_CODE = "fil"
    call_command("sms2fa_enroll", "alice", "09182222222", stdout=open("/dev/null", "w"))
    [notice] = sms_outbox
    assert FIL_NOTICE in notice.body


def test_the_lockout_email_is_in_the_users_language_not_the_attackers(user, settings, mailoutbox):
    settings.SMS2FA_LOCKOUT_FAILURES = 2
    sign_in("fil")
    attacker = Client(headers={"accept-language": "en"})
    password_step(attacker)
    for _ in range(2):
        attacker.post("/2fa/verify/", {"code": wrong_code(last_code())})
    [mail] = mailoutbox
    assert mail.subject == "Naka-block ang pag-sign in dahil sa mga maling code"
    assert "naka-block ang pag-sign in gamit ang code hanggang" in mail.body
    assert "palitan agad ang iyong password" in mail.body
    assert "\n" not in mail.subject and "{%" not in mail.body


def test_the_lockout_sms_is_in_the_users_language(user, settings, sms_outbox, mailoutbox):
    user.email = ""
    user.save()
    settings.SMS2FA_LOCKOUT_FAILURES = 2
    sign_in("fil")
    attacker = Client(headers={"accept-language": "en"})
    password_step(attacker)
    for _ in range(2):
        attacker.post("/2fa/verify/", {"code": wrong_code(last_code())})
    assert mailoutbox == []
    assert sms_outbox[-1].body.startswith("Example: Maraming maling code sa account mo")
    assert "naka-block ang sign-in gamit ang code hanggang" in sms_outbox[-1].body


def test_the_lockout_email_is_a_template_a_site_can_override(user, settings, mailoutbox, tmp_path):
    folder = tmp_path / "sms2fa" / "email"
    folder.mkdir(parents=True)
    (folder / "locked_out_subject.txt").write_text("Site subject\n")
    (folder / "locked_out_body.txt").write_text("Locked until {{ until|date:'H:i' }}.")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    settings.SMS2FA_LOCKOUT_FAILURES = 2
    client = Client()
    password_step(client)
    for _ in range(2):
        client.post("/2fa/verify/", {"code": wrong_code(last_code())})
    [mail] = mailoutbox
    assert mail.subject == "Site subject"
    assert mail.body.startswith("Locked until ")


@pytest.mark.parametrize("kind", ["browser", "app"])
def test_the_json_api_answers_and_sends_in_the_clients_language(user, sms_outbox, kind):
    from .api_client import ApiClient

    api = ApiClient(kind, Client(enforce_csrf_checks=True, headers={"accept-language": "fil"}))
    refused = api.post("auth/login", {"username": "alice", "password": "wrong"})
    assert refused["errors"][0]["message"].startswith("Ilagay ang tamang username at password")
    api.post("auth/login", {"username": "alice", "password": PASSWORD})
    assert FIL_CODE in sms_outbox[-1].body
    wrong = api.post("auth/code", {"code": wrong_code(last_code())})
    assert wrong["errors"][0]["message"].startswith("Mali ang code")
