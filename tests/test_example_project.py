"""The README's demo: ``manage.py rundemo`` serves a site where the seeded users
sign in with the code printed by the console sender."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def local_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # never through a proxy from the environment: loopback only
    return session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "DEMO_DB": str(tmp_path / "demo.sqlite3"), "PYTHONUNBUFFERED": "1",
           # This checkout's package, whatever checkout the editable install points at.
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # The example runs this checkout's package, not whichever one is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "example_project/manage.py", "rundemo", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                local_session().get(base + "/", timeout=1)
                break
            except requests.ConnectionError:
                assert server.poll() is None, log.read_text()
                time.sleep(0.2)
        else:
            pytest.fail("demo server did not start:\n" + log.read_text())
        yield base, log
    finally:
        server.terminate()
        server.wait(timeout=10)


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def code_in(log: Path, count: int) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        codes = re.findall(r"#(\d{6})\s*$", log.read_text(), flags=re.M)
        if len(codes) >= count:
            return codes[count - 1]
        time.sleep(0.05)
    pytest.fail("no code printed:\n" + log.read_text())


def sign_in(base, login_url, username, password, next_url):
    session = local_session()
    page = session.get(base + login_url)
    response = session.post(
        base + login_url,
        data={"username": username, "password": password, "next": next_url,
              "csrfmiddlewaretoken": csrf(page.text)},
        headers={"Referer": base + login_url},
    )
    return session, response


def test_demo_users_sign_in_with_the_printed_code(demo):
    base, log = demo
    session, response = sign_in(base, "/accounts/login/", "demo", "demo-password", "/")
    assert response.url == base + "/2fa/verify/"
    assert "+63 ******4567" in response.text
    assert "not signed in" in session.get(base + "/").text
    response = session.post(
        base + "/2fa/verify/",
        data={"code": code_in(log, 1), "csrfmiddlewaretoken": csrf(response.text)},
        headers={"Referer": base + "/2fa/verify/"},
    )
    assert "signed in as <strong>demo</strong>" in response.text

    admin, response = sign_in(base, "/admin/login/?next=/admin/", "admin", "admin-password", "/admin/")
    assert response.url == base + "/2fa/verify/"
    response = admin.post(
        base + "/2fa/verify/",
        data={"code": code_in(log, 2), "csrfmiddlewaretoken": csrf(response.text)},
        headers={"Referer": base + "/2fa/verify/"},
    )
    assert response.url == base + "/admin/"
    assert "Site administration" in response.text
