"""receivers.connect() puts our user_logged_in receiver before every other one.

Signal has no ordering API, so connect() reorders ``Signal.receivers`` and clears
``sender_receivers_cache``, private attributes of Django. These tests fail the day
Django changes them: a receiver connected *before* ours must still not see a login
that is held for its code.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.signals import user_logged_in

from django_sms2fa import receivers
from django_sms2fa.testing import code_from

from .conftest import PASSWORD


@pytest.fixture
def early_receiver():
    """A receiver connected before ours, as one of an app listed earlier would be."""
    calls = []

    def spy(sender, user, **kwargs):
        calls.append(user.get_username())

    user_logged_in.disconnect(dispatch_uid=receivers.DISPATCH_UID)
    user_logged_in.connect(spy, dispatch_uid="test-early-receiver")
    receivers.connect()
    yield calls
    user_logged_in.disconnect(dispatch_uid="test-early-receiver")


def test_ours_is_first_for_any_sender(early_receiver, django_user_model):
    live = user_logged_in._live_receivers(django_user_model)
    sync_receivers = live[0] if isinstance(live, tuple) else live
    assert sync_receivers[0] is receivers.hold_login


def test_an_earlier_receiver_sees_only_the_verified_login(client, user, sms_outbox, early_receiver):
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert early_receiver == []
    client.post("/2fa/verify/", {"code": code_from(sms_outbox[-1])})
    assert early_receiver == ["alice"]


def test_connecting_twice_keeps_one_receiver(early_receiver):
    receivers.connect()
    ours = [r for r in user_logged_in.receivers if r[0][0] == receivers.DISPATCH_UID]
    assert len(ours) == 1
