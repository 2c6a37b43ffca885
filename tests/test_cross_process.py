"""The per-phone send limit is exact across processes: a burst of password logins
against ``example_project`` under gunicorn (4 sync workers, each with its own
database connection) sends at most ``SMS2FA_SEND_RATE_PHONE`` SMS to one number.

Runs only in the PostgreSQL + Redis pass (``.ci/run``): the workers share the
test database and cache, which SQLite's in-memory database cannot offer.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.db import connection

from django_sms2fa.models import Challenge, Phone, SecurityEvent
from django_sms2fa.phones import phone_key

from .conftest import PASSWORD, PHONE

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
LOGINS = 40
LIMIT = 5  # SMS2FA_SEND_RATE_PHONE's default, "5/10m"
ACCESS_FORMAT = "%(p)s %(m)s %(U)s %(s)s %(h)s"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def local_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: never a proxy from the environment
    return session


def free_port(family: int = socket.AF_INET, host: str = "127.0.0.1") -> int:
    with socket.socket(family) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match is not None, html[:500]
    return match.group(1)


class Gunicorn:
    def __init__(self, process: subprocess.Popen, base: str, log: Path, access_log: Path):
        self.process, self.base, self.log, self.access_log = process, base, log, access_log

    def output(self) -> str:
        return self.log.read_text() + self.access_log.read_text()

    def remote_addrs(self) -> set[str]:
        """The client addresses the server's socket gave, as in the access log."""
        return {line.split(" ")[4] for line in self.access_log.read_text().splitlines()}

    def served_by(self, method: str, path: str) -> Counter:
        """Worker pid -> number of ``method path`` requests in the access log."""
        pids: Counter = Counter()
        for line in self.access_log.read_text().splitlines():
            pid, m, p, _status, _remote = line.split(" ")
            if (m, p) == (method, path):
                pids[pid] += 1
        return pids


@pytest.fixture
def gunicorn(transactional_db, iprog, tmp_path):
    """example_project under gunicorn on the test database, Redis db 15 and the IPROG fake.

    Depends on ``transactional_db`` so that it stops before the database is flushed.
    """
    with serve_example(iprog, tmp_path) as server:
        yield server


@contextlib.contextmanager
def serve_example(
    iprog, tmp_path: Path, *, host: str = "127.0.0.1", settings: str = "tests.gunicorn_settings",
    workers: int = WORKERS,
) -> Iterator[Gunicorn]:
    """Serve example_project under gunicorn on ``host`` (``[...]`` for IPv6), a free port.

    The server is reached at http://127.0.0.1:PORT whatever ``host`` is.
    """
    family = socket.AF_INET6 if host.startswith("[") else socket.AF_INET
    port = free_port(family, host.strip("[]"))
    log, access_log = tmp_path / "gunicorn.log", tmp_path / "access.log"
    access_log.touch()
    env = {
        key: value for key, value in os.environ.items()
        if key.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
        PYTHONUNBUFFERED="1",
        NO_PROXY="127.0.0.1", no_proxy="127.0.0.1",
        SMS2FA_XPROC_DB_NAME=connection.settings_dict["NAME"],
        SMS2FA_XPROC_IPROG_URL=iprog.base_url,
        SMS2FA_XPROC_IPROG_TOKEN=iprog.token,
    )
    env.pop("SMS2FA_TEST_SERVICES", None)
    with open(log, "w") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn",
                "--bind", f"{host}:{port}",
                "--workers", str(workers), "--worker-class", "sync",
                # Django is loaded before the fork: every worker is ready at once.
                "--preload",
                "--timeout", "30", "--graceful-timeout", "5",
                "--access-logfile", str(access_log), "--access-logformat", ACCESS_FORMAT,
                "example_project.wsgi:application",
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Gunicorn(process, f"http://127.0.0.1:{port}", log, access_log)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, "gunicorn exited:\n" + server.output()
            booted = log.read_text().count("Booting worker with pid")
            if booted >= workers:
                try:
                    if local_session().get(server.base + "/accounts/login/", timeout=2).ok:
                        break
                except requests.ConnectionError:
                    pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + server.output())
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # our gunicorn's own process group
            process.wait(timeout=10)


def test_burst_of_logins_from_many_ips_across_workers_sends_exactly_the_per_phone_limit(
    gunicorn, iprog, django_user_model
):
    alice = django_user_model.objects.create_user("alice", "alice@example.com", PASSWORD)
    Phone.objects.create(user=alice, number=PHONE, confirmed=True)
    django_user_model.objects.create_user("mallory", "mallory@example.com", PASSWORD)
    # The same number as alice's, written another way: it is one phone, one key.
    call_command("sms2fa_enroll", "mallory", "0917 123 4567", stdout=io.StringIO())
    assert Phone.objects.get(user__username="mallory").number == PHONE

    login_url = gunicorn.base + "/accounts/login/"
    clients = []
    for i in range(LOGINS):
        session = local_session()
        # One trusted proxy: the last X-Forwarded-For entry is the client's address.
        session.headers["X-Forwarded-For"] = f"203.0.113.250, 198.51.100.{i + 1}"
        page = session.get(login_url, timeout=10)
        assert page.status_code == 200
        clients.append((session, csrf_token(page.text), "alice" if i % 2 else "mallory"))

    barrier = threading.Barrier(LOGINS)

    def log_in(i):
        session, token, username = clients[i]
        barrier.wait(timeout=20)
        return session.post(
            login_url,
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": login_url},
            allow_redirects=False,
            timeout=20,
        )

    with ThreadPoolExecutor(max_workers=LOGINS) as pool:
        responses = list(pool.map(log_in, range(LOGINS)))

    answers = Counter((r.status_code, r.headers.get("Location")) for r in responses)
    assert answers == {(302, "/2fa/verify/"): LOGINS}, gunicorn.output()

    # Exactly the limit reached the gateway, all of it to that one number.
    assert len(iprog.requests) == LIMIT
    assert [sent.phone for sent in iprog.outbox] == ["639171234567"] * LIMIT
    # The database agrees: five challenges for the phone, every other login
    # refused by the database's guard for that phone (and by nothing else).
    assert Challenge.objects.filter(phone_key=phone_key(PHONE)).count() == LIMIT
    assert Challenge.objects.filter(delivery=Challenge.Delivery.SENT).count() == LIMIT
    refused = SecurityEvent.objects.filter(
        kind__in=[SecurityEvent.Kind.SEND_RATE_LIMITED, SecurityEvent.Kind.SEND_REFUSED]
    )
    reasons = Counter(detail.split(":")[0] for detail in refused.values_list("detail", flat=True))
    assert sum(reasons.values()) == LOGINS - LIMIT, reasons
    # With the cooldown off, only the per-phone limit refuses: each send's time
    # is read under the phone's gate, so none looks older than the one before it.
    assert set(reasons) == {"SendRateLimited"}, reasons
    # Each client showed its own address, and the server took the one the proxy added.
    # (a challenge is the log entry of its send, a refusal is a security event)
    sent_ips = set(Challenge.objects.values_list("ip", flat=True))
    refused_ips = set(refused.values_list("ip", flat=True))
    assert sent_ips | refused_ips == {f"198.51.100.{i + 1}" for i in range(LOGINS)}
    # The logins really were served by several processes at once.
    assert len(gunicorn.served_by("POST", "/accounts/login/")) >= 2, gunicorn.output()
