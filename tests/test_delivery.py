"""Delivery status: ``manage.py sms2fa_delivery_status`` and the challenge admin's
action ask the fake IPROG what became of sent codes and record it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from django_sms2fa.models import Challenge
from django_sms2fa.testing import verified_login

from .conftest import password_step

pytestmark = pytest.mark.django_db


def logins(django_user_model, count):
    """``count`` users whose login code went out through the fake IPROG."""
    from django_sms2fa.models import Phone

    from .conftest import PASSWORD

    for index in range(count):
        user = django_user_model.objects.create_user(f"user{index}", password=PASSWORD)
        Phone.objects.create(user=user, number=f"+63917000{index:04d}", confirmed=True)
        password_step(Client(), username=user.username)
    return list(Challenge.objects.order_by("created_at"))


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("sms2fa_delivery_status", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args):
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("sms2fa_delivery_status", *args, stdout=StringIO(), stderr=err)
    return info.value, err.getvalue()


def test_command_records_each_messages_status(iprog, django_user_model):
    first, second, third = logins(django_user_model, 3)
    iprog.set_status(first.gateway_message_id, "delivered")
    iprog.set_status(second.gateway_message_id, "failed")
    out, err = run()
    assert "delivered: 1" in out and "failed: 1" in out and "pending: 1" in out
    assert "asked: 3/3 (100%) done" in err
    statuses = dict(Challenge.objects.values_list("pk", "gateway_status"))
    assert statuses == {first.pk: "delivered", second.pk: "failed", third.pk: "pending"}
    assert Challenge.objects.filter(gateway_status_at__isnull=True).count() == 0


def test_command_leaves_final_statuses_alone_unless_asked(iprog, django_user_model):
    first, second = logins(django_user_model, 2)
    iprog.set_status(first.gateway_message_id, "delivered")
    run()
    asked = len(iprog.requests)
    run()
    assert len(iprog.requests) == asked + 1  # only the pending one again
    run("--all")
    assert len(iprog.requests) == asked + 3


def test_command_skips_old_and_unsent_challenges(iprog, django_user_model, frozen_clock):
    logins(django_user_model, 1)
    frozen_clock.advance(3 * 3600)
    iprog.answer_with({"status": 500, "message": "Account suspended"})
    password_step(Client(), username="user0")  # refused: no message id to ask about
    iprog.heal()
    assert Challenge.objects.filter(gateway_message_id="").count() == 1
    requests_before = len(iprog.requests)
    out, _ = run("--hours", "2")
    assert len(iprog.requests) == requests_before
    assert "Recorded the status of 0 message(s)." in out
    run("--hours", "4")
    assert len(iprog.requests) == requests_before + 1


def test_command_exit_status_when_the_gateway_is_down(iprog, django_user_model):
    logins(django_user_model, 3)
    iprog.answer_http_error(503)
    error, _ = run_failing()
    assert error.returncode == 2
    assert str(error) == "Stopped: IPROG answered HTTP 503; 3 message(s) left without a status."
    assert Challenge.objects.exclude(gateway_status="").count() == 0


def test_command_exit_status_when_ids_are_unknown(iprog, django_user_model):
    first, second = logins(django_user_model, 2)
    iprog.unknown_id_answer = {"status": 500, "message": "Message not found"}
    iprog.outbox.pop(0)  # IPROG forgot the first message
    error, err = run_failing()
    assert error.returncode == 3
    assert f"{first.gateway_message_id}: the gateway refused to tell (Message not found)" in err
    assert Challenge.objects.get(pk=second.pk).gateway_status == "pending"


def test_command_refuses_a_sender_that_cannot_tell(settings, user):
    settings.SMS2FA_SENDER = "django_sms2fa.senders.LocmemSender"
    error, _ = run_failing()
    assert error.returncode == 1
    assert "cannot tell" in str(error)


def test_command_token_never_printed(iprog, django_user_model):
    logins(django_user_model, 1)
    out, err = run()
    assert iprog.token not in out + err


def test_admin_action_records_the_status(iprog, django_user_model, staff_user, client):
    first, second = logins(django_user_model, 2)
    iprog.set_status(first.gateway_message_id, "delivered")
    verified_login(client, staff_user)
    response = client.post("/admin/sms2fa/challenge/", {
        "action": "ask_delivery_status", "_selected_action": [first.pk, second.pk],
    }, follow=True)
    assert response.status_code == 200
    assert b"Recorded the delivery status of 2 message(s). delivered: 1, pending: 1" in response.content
    assert Challenge.objects.get(pk=first.pk).gateway_status == "delivered"
    page = client.get(f"/admin/sms2fa/challenge/{first.pk}/change/")
    assert b"delivered" in page.content


def test_admin_action_reports_a_gateway_that_is_down(iprog, django_user_model, staff_user, client):
    [challenge] = logins(django_user_model, 1)
    iprog.answer_slowly()
    verified_login(client, staff_user)
    response = client.post("/admin/sms2fa/challenge/", {
        "action": "ask_delivery_status", "_selected_action": [challenge.pk],
    }, follow=True)
    assert b"The gateway could not be asked: IPROG did not answer in time" in response.content
    assert iprog.token.encode() not in response.content
