"""Support commands: sms2fa_doctor, sms2fa_send_test, sms2fa_user; --help of every
command of this app. The gateway is the loopback fake IPROG."""

from __future__ import annotations

import getpass
import secrets
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from django_sms2fa import recovery
from django_sms2fa.lockout import locked_until
from django_sms2fa.models import Phone, SecurityEvent

from .conftest import last_code, password_step, wrong_code

pytestmark = pytest.mark.django_db

COMMANDS = ["sms2fa_cleanup", "sms2fa_delivery_status", "sms2fa_doctor", "sms2fa_send_test",
            "sms2fa_user"]


def run(name, *args):
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def fails(name, *args):
    out = StringIO()
    with pytest.raises(CommandError) as info:
        call_command(name, *args, stdout=out, stderr=StringIO())
    return info.value.returncode, str(info.value), out.getvalue()


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_its_exit_status(name, capsys):
    with pytest.raises(SystemExit) as info:
        call_command(name, "--help")
    assert info.value.code == 0
    assert "Exit status" in " ".join(capsys.readouterr().out.split())


# -- sms2fa_doctor -------------------------------------------------------------


def test_doctor_checks_the_token_and_prints_the_balance(iprog):
    iprog.credits[iprog.token] = 57
    out = run("sms2fa_doctor")
    assert "credits: 57" in out
    assert "IPROG token: set" in out
    assert "All good." in out
    assert iprog.token not in out
    assert iprog.requests[-1].path == "/api/v1/account/sms_credits"


def test_doctor_wrong_token_exits_2(iprog, settings):
    settings.SMS2FA_IPROG_API_TOKEN = secrets.token_hex(20)
    code, message, out = fails("sms2fa_doctor")
    assert code == 2
    assert "Invalid Token" in message and "API token" in message
    assert settings.SMS2FA_IPROG_API_TOKEN not in message + out


def test_doctor_gateway_down_exits_2(iprog):
    iprog.answer_http_error(502)
    code, message, _ = fails("sms2fa_doctor")
    assert (code, message) == (2, "The gateway could not be asked: IPROG answered HTTP 502.")


def test_doctor_low_credits_exits_3(iprog):
    iprog.credits[iprog.token] = 3
    code, message, _ = fails("sms2fa_doctor", "--min-credits", "10")
    assert (code, message) == (3, "Credits 3 are below 10.")


def test_doctor_configuration_error_exits_1(iprog, settings):
    settings.SMS2FA_IPROG_API_TOKEN = ""
    code, message, out = fails("sms2fa_doctor")
    assert code == 1
    assert "sms2fa.E005" in out
    assert iprog.requests == []


def test_doctor_with_a_sender_without_an_account(settings):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.LocmemSender"
    assert "credits: LocmemSender has no account to ask" in run("sms2fa_doctor")


def test_doctor_deploy_runs_the_production_checks(iprog, settings):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.ConsoleSender"
    settings.SMS2FA_SENDER_OPTIONS = {}
    code, _, out = fails("sms2fa_doctor", "--deploy")
    assert code == 1 and "sms2fa.E008" in out
    run("sms2fa_doctor")  # without --deploy the console sender is fine


# -- sms2fa_send_test ----------------------------------------------------------


def test_send_test_goes_through_iprog(iprog):
    out = run("sms2fa_send_test", "0917 123 4567")
    [sent] = iprog.outbox
    assert sent.phone == "639171234567"
    assert "gateway works" in sent.message
    assert f"message id {sent.message_id}" in out
    assert "+63 ******4567" in out and "9171234567" not in out


@pytest.mark.parametrize("fault, code, verdict", [
    (lambda f: f.answer_with({"status": 500, "message": ["Phone number is invalid"]}), 2,
     "not sent"),
    (lambda f: f.answer_http_error(502), 3, "may have been sent"),
    (lambda f: f.answer_slowly(), 3, "may have been sent"),
])
def test_send_test_exit_status_says_whether_it_may_have_gone(iprog, fault, code, verdict):
    fault(iprog)
    returned, message, _ = fails("sms2fa_send_test", "09171234567")
    assert returned == code
    assert message.endswith(f"{verdict}.")


def test_send_test_refuses_numbers_outside_the_regions(iprog):
    code, message, _ = fails("sms2fa_send_test", "+12015550123")
    assert code == 1
    assert iprog.requests == []


def test_send_test_counts_against_the_budget(iprog, settings):
    settings.SMS2FA_DAILY_SMS_BUDGET = 1
    run("sms2fa_send_test", "09171234567")
    code, message, _ = fails("sms2fa_send_test", "09171234567")
    assert code == 2 and message.startswith("BudgetExhausted")
    assert len(iprog.outbox) == 1


# -- sms2fa_user -----------------------------------------------------------------


def lock_out(client, settings):
    settings.SMS2FA_LOCKOUT_FAILURES = 2
    password_step(client)
    for _ in range(2):
        client.post("/2fa/verify/", {"code": wrong_code(last_code())})


def test_user_status_shows_phone_codes_and_lockout(client, user, settings):
    recovery.replace_codes(user, 10)
    lock_out(client, settings)
    out = run("sms2fa_user", "status", "alice")
    assert "phone: +63 ******4567" in out
    assert "recovery codes left: 10" in out
    assert f"locked until: {locked_until(user.pk):%Y-%m-%d %H:%M}" in out
    assert "codes today: 1 sent, 0 verified" in out
    assert "9171234567" not in out


def test_user_status_without_a_phone(plain_user):
    out = run("sms2fa_user", "status", "bob")
    assert "phone: none (2FA off)" in out and "locked until: not locked" in out


def test_user_unlock_is_recorded_with_the_actor(client, user, settings):
    lock_out(client, settings)
    run("sms2fa_user", "unlock", "alice", "--actor", "helpdesk ticket 42")
    assert locked_until(user.pk) is None
    event = SecurityEvent.objects.filter(kind="unlocked").get()
    assert event.user == user
    assert event.detail == "by helpdesk ticket 42 (manage.py sms2fa_user)"


def test_user_unlock_of_someone_not_locked_exits_3(user):
    assert fails("sms2fa_user", "unlock", "alice")[0] == 3
    assert not SecurityEvent.objects.filter(kind="unlocked").exists()


def test_user_reset_phone_uses_the_os_user_and_tells_the_old_number(user, sms_outbox):
    recovery.replace_codes(user, 10)
    run("sms2fa_user", "reset-phone", "alice")
    assert not Phone.objects.filter(user=user).exists()
    assert recovery.remaining(user.pk) == 0
    event = SecurityEvent.objects.get(kind="phone_reset_by_admin")
    assert event.detail == f"by OS user {getpass.getuser()} (manage.py sms2fa_user)"
    assert [sms.to for sms in sms_outbox] == ["+639171234567"]
    assert fails("sms2fa_user", "reset-phone", "alice")[0] == 3


def test_user_unknown_exits_1(db):
    code, message, _ = fails("sms2fa_user", "status", "nobody")
    assert code == 1 and "nobody" in message
