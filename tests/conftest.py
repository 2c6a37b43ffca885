from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest
from django.core.cache import cache
from django.test import Client

from django_sms2fa import clock
from django_sms2fa.models import Phone
from django_sms2fa.senders import outbox
from django_sms2fa.testing import code_from, verified_login

from . import settings

PASSWORD = "correct horse battery staple"
PHONE = "+639171234567"


def pytest_collection_modifyitems(config, items):
    """Leave out ``postgres`` tests unless the run is on PostgreSQL (``.ci/run``), and
    ``browser`` tests unless ``SMS2FA_TEST_BROWSER=1`` (they need Debian's chromium)."""
    left_out = set() if "postgres" in settings.SERVICES else {"postgres"}
    if os.environ.get("SMS2FA_TEST_BROWSER") != "1":
        left_out.add("browser")
    if not left_out:
        return
    kept = [item for item in items
            if not any(item.get_closest_marker(name) for name in left_out)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self) -> None:
        self.current = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def _clean_state():
    outbox.clear()
    cache.clear()
    yield
    outbox.clear()


@pytest.fixture
def frozen_clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(clock, "now", fake)
    return fake


@pytest.fixture
def user(django_user_model):
    user = django_user_model.objects.create_user("alice", "alice@example.com", PASSWORD)
    Phone.objects.create(user=user, number=PHONE, confirmed=True)
    return user


@pytest.fixture
def staff_user(django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    Phone.objects.create(user=user, number="+639181234567", confirmed=True)
    return user


@pytest.fixture
def plain_user(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", PASSWORD)


@pytest.fixture
def admin_client(staff_user):
    """A client signed in as ``staff_user`` (root) through the real second step."""
    client = Client()
    verified_login(client, staff_user)
    return client


def last_code() -> str:
    assert outbox, "no SMS was sent"
    return code_from(outbox[-1])


def password_step(client, username="alice", password=PASSWORD, next_url=None, url="/accounts/login/"):
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post(url, data)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**len(code):0{len(code)}d}"


@pytest.fixture
def iprog(settings, monkeypatch):
    """A running IPROG fake (``tests/iprog_fake.py``) that ``IPROGSender`` is set up to use."""
    from .iprog_fake import IPROGFake

    # The fake is on 127.0.0.1: no proxy from the environment may carry the traffic elsewhere.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    fake = IPROGFake().start()
    settings.SMS2FA_SENDER = "django_sms2fa.senders.IPROGSender"
    settings.SMS2FA_IPROG_BASE_URL = fake.base_url
    settings.SMS2FA_IPROG_API_TOKEN = fake.token
    settings.SMS2FA_SENDER_OPTIONS = {"timeout": [1, 0.5], "deadline": 3}
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def signed_in(client, user):
    """``client`` signed in as ``user`` (alice) through the real second step."""
    password_step(client)
    client.post("/2fa/verify/", {"code": last_code()})
    assert client.get("/whoami/").content == b"alice"
    outbox.clear()
    return client


def step_up(client, purpose, next_url="/home/"):
    """Ask for and enter a step-up code for ``purpose``; return the final response."""
    url = f"/2fa/step-up/?purpose={purpose}&next={next_url}"
    client.post(url, {"send": "1"})
    return client.post(url, {"code": last_code()})


@pytest.fixture(params=["browser", "app"])
def api(request):
    """A JSON API client of each kind (``tests/api_client.py``)."""
    from .api_client import ApiClient

    return ApiClient(request.param)


def reenter_password(client, password=PASSWORD):
    """Enter the password again, as adding a first phone asks (``sms2fa:reauth``)."""
    response = client.post("/2fa/setup/password/", {"password": password})
    assert response.status_code == 302, response.content[:300]
    return response
