"""A server on a dual-stack socket sees its IPv4 clients as ``::ffff:a.b.c.d``.

The per-IP limits must still tell them apart: one IPv4 client using up its code
checks must not leave another IPv4 client's correct code answered 429.

Runs only in the PostgreSQL + Redis pass, under gunicorn (see
``test_cross_process.py``). The socket is bound to ``[::ffff:127.0.0.1]``: an
IPv6 socket taking IPv4 connections, which is what ``[::]`` does for IPv4
clients, kept on loopback; the clients connect from 127.0.0.2 and 127.0.0.3.
"""

from __future__ import annotations

import pytest
import requests
from requests.adapters import HTTPAdapter

from django_sms2fa.models import Challenge, Phone, SecurityEvent
from django_sms2fa.testing import code_from

from .conftest import PASSWORD
from .test_cross_process import csrf_token, serve_example

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VERIFY_RATE_IP = 5  # tests/gunicorn_dual_stack_settings.py
SEND_RATE_IP = 3


class FromAddress(HTTPAdapter):
    """Connect from a given loopback address (all of 127/8 is this host)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


class Browser:
    def __init__(self, base: str, address: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only: never a proxy from the environment
        self.session.mount("http://", FromAddress(address))

    def post(self, path: str, data: dict, page: str | None = None) -> requests.Response:
        url = self.base + (page or path)
        token = csrf_token(self.session.get(url, timeout=10).text)
        return self.session.post(
            self.base + path, data={**data, "csrfmiddlewaretoken": token},
            headers={"Referer": url}, allow_redirects=False, timeout=10,
        )

    def sign_in(self, username: str) -> requests.Response:
        return self.post("/accounts/login/", {"username": username, "password": PASSWORD})


@pytest.fixture
def dual_stack(iprog, tmp_path, transactional_db):
    with serve_example(
        iprog, tmp_path, host="[::ffff:127.0.0.1]",
        settings="tests.gunicorn_dual_stack_settings", workers=2,
    ) as server:
        yield server


def test_ipv4_clients_of_a_dual_stack_server_have_their_own_per_ip_limit(
    dual_stack, iprog, django_user_model
):
    for username, number in [("alice", "+639171234567"), ("mallory", "+639181234567")]:
        user = django_user_model.objects.create_user(username, f"{username}@example.com", PASSWORD)
        Phone.objects.create(user=user, number=number, confirmed=True)
    mallory = Browser(dual_stack.base, "127.0.0.2")
    alice = Browser(dual_stack.base, "127.0.0.3")

    # mallory spends her address's sends on password steps in fresh sessions...
    for _ in range(SEND_RATE_IP):
        Browser(dual_stack.base, "127.0.0.2").sign_in("mallory")
    assert len(iprog.outbox) == SEND_RATE_IP
    Browser(dual_stack.base, "127.0.0.2").sign_in("mallory")
    assert len(iprog.outbox) == SEND_RATE_IP

    # mallory spends her address's code checks on malformed codes. Her login has no
    # code (her address's sends are spent), so each check is sent back to the code
    # page, until the address's check limit answers 429.
    assert mallory.sign_in("mallory").headers["Location"] == "/2fa/verify/"
    answers = [mallory.post("/2fa/verify/", {"code": "abcdef"})
               for _ in range(VERIFY_RATE_IP + 1)]
    assert [(a.status_code, a.headers.get("Location")) for a in answers] == (
        [(302, "/2fa/verify/")] * VERIFY_RATE_IP + [(429, None)]
    )

    # alice, on another IPv4 address, still gets her SMS and gets in with her code.
    assert alice.sign_in("alice").headers["Location"] == "/2fa/verify/"
    assert len(iprog.outbox) == SEND_RATE_IP + 1
    code = code_from(type("SMS", (), {"body": iprog.outbox[-1].message}))
    assert iprog.outbox[-1].phone == "639171234567"
    answer = alice.post("/2fa/verify/", {"code": code})
    assert answer.status_code == 302, answer.text[:500]
    assert answer.headers["Location"] != "/2fa/verify/"
    assert Challenge.objects.filter(status=Challenge.Status.VERIFIED,
                                    user__username="alice").exists()

    # Both arrived as IPv4-mapped IPv6 addresses, and are logged as the IPv4 ones.
    assert {"::ffff:127.0.0.2", "::ffff:127.0.0.3"} <= dual_stack.remote_addrs()
    # (security events and challenges, each the log entry of its send)
    events = SecurityEvent.objects.exclude(ip=None)
    logged = set(events.values_list("ip", flat=True))
    logged |= set(Challenge.objects.exclude(ip=None).values_list("ip", flat=True))
    assert logged == {"127.0.0.2", "127.0.0.3"}
    for kind in (SecurityEvent.Kind.VERIFY_RATE_LIMITED, SecurityEvent.Kind.SEND_RATE_LIMITED):
        assert events.filter(kind=kind, ip="127.0.0.2").exists()
        assert not events.filter(kind=kind, ip="127.0.0.3").exists()
