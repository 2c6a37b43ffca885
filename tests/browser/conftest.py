"""Fixtures for tests in a real browser: the example project served on an
ephemeral loopback port, headless Chromium from Debian (never a downloaded
browser), screenshots and an axe-core accessibility check.

Reusable by other browser tests (a fetch() page of the JSON API, say)::

    def test_x(site, page):
        user = site.create_user(phone=True)
        site.sign_in(page, user)
        page.goto(site.url("/2fa/setup/"))

These tests run only with ``SMS2FA_TEST_BROWSER=1`` (see tests/conftest.py).
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SMS2FA_SCREENSHOT_DIR") or ROOT / "docs" / "screenshots")
CHROMIUM = os.environ.get("SMS2FA_CHROMIUM", "/usr/bin/chromium")
PHONE_WIDTH = 390



@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list) -> None:
    """Every test in this folder is a ``browser`` test (left out unless SMS2FA_TEST_BROWSER=1)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SiteUser:
    username: str
    password: str
    phone: str | None

    @property
    def last4(self) -> str:
        return self.phone[-4:] if self.phone else ""


class DemoSite:
    """The example project running in a subprocess (``manage.py rundemo``) on its
    own SQLite file; the console sender prints each SMS to ``log``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.log = workdir / "server.log"
        self.env = {
            **os.environ,
            "DEMO_DB": str(workdir / "demo.sqlite3"),
            "DJANGO_SETTINGS_MODULE": "tests.browser.site_settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "PYTHONUNBUFFERED": "1",
        }
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._numbers = itertools.count(1)
        self.process: subprocess.Popen | None = None

    def start(self) -> DemoSite:
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "example_project/manage.py", "rundemo", f"127.0.0.1:{self.port}"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.2)
        pytest.fail("the example project did not start:\n" + self.log.read_text())

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def url(self, path: str) -> str:
        return self.base + path

    def manage(self, *args: str, stdin: str = "") -> str:
        """Run a management command of the served project, on its database."""
        done = subprocess.run(
            [sys.executable, "example_project/manage.py", *args], cwd=ROOT, env=self.env,
            input=stdin, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def create_user(self, *, phone: bool = True, staff: bool = False, superuser: bool = False,
                    language: str = "") -> SiteUser:
        """A new user (unique name and number), with a confirmed phone unless ``phone=False``."""
        n = next(self._numbers)
        user = SiteUser(f"user{n}", f"password-{n}-long", f"0917555{n:04d}" if phone else None)
        self.manage("shell", stdin=(
            "from django.contrib.auth import get_user_model\n"
            f"get_user_model().objects.create_user({user.username!r}, '{user.username}@example.com',"
            f" {user.password!r}, is_staff={staff or superuser}, is_superuser={superuser})\n"
        ))
        if user.phone:
            self.manage("sms2fa_enroll", user.username, user.phone)
        return user

    # The console sender prints "SMS to +63 ******1234", a rule, then the text.
    def codes_to(self, last4: str) -> list[str]:
        """The codes sent so far to the number ending in ``last4``, oldest first."""
        text = self.log.read_text()
        found = re.findall(rf"SMS to \+63 \*+{last4}\n-+\n(.*?)\n-+\n", text, flags=re.S)
        # Notices (a lockout, a changed phone) carry no code.
        codes = [re.search(r"#(\d+)\s*$", body) for body in found]
        return [code.group(1) for code in codes if code]

    def wait_code(self, user: SiteUser, count: int) -> str:
        """The ``count``-th code sent to ``user``'s phone, once it has been printed."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            codes = self.codes_to(user.last4)
            if len(codes) >= count:
                return codes[count - 1]
            time.sleep(0.05)
        pytest.fail(f"no code #{count} for {user.username}:\n" + self.log.read_text()[-3000:])

    def password_step(self, page: Any, user: SiteUser, login_path: str = "/accounts/login/") -> None:
        page.goto(self.url(login_path))
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", user.password)
        page.click("button[type=submit], input[type=submit]")
        # The click returns once the next page is committed; its deferred script
        # (the live countdown, which disables the resend button) runs before "load".
        page.wait_for_load_state("load")

    def password_step_and_code(self, page: Any, user: SiteUser) -> str:
        """The password step, then the code it sent; if the number's resend cooldown
        still runs (a sign-in moments ago), wait for the countdown and send one."""
        sent = len(self.codes_to(user.last4))
        self.password_step(page, user)
        if page.locator("input[name=code]").count() == 0:
            page.wait_for_function(
                "!document.querySelector('form.sms2fa-resend button').disabled", timeout=15000)
            page.click("form.sms2fa-resend button")
        return self.wait_code(user, sent + 1)

    def sign_in(self, page: Any, user: SiteUser) -> None:
        """Password and the SMS code, in the browser; ends on the page after sign-in."""
        sent = len(self.codes_to(user.last4))
        self.password_step(page, user)
        page.fill("input[name=code]", self.wait_code(user, sent + 1))
        page.click("form.sms2fa-code button[type=submit]")
        page.wait_for_load_state()


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[DemoSite]:
    demo = DemoSite(tmp_path_factory.mktemp("site")).start()
    try:
        yield demo
    finally:
        demo.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Never a loopback request through a proxy from the environment.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-proxy-server"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser) -> Iterator[Any]:
    """A page as wide as a phone (390 px), touch and all."""
    context = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 844}, device_scale_factor=1, is_mobile=True,
        has_touch=True, locale="en-US",
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    """Save the whole page as docs/screenshots/<name>.png (committed, kept small)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, animations="disabled",
                    caret="hide")


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts on the current page, as readable lines."""
    script = os.environ.get("SMS2FA_AXE_JS", "")
    assert script and Path(script).is_file(), (
        "SMS2FA_AXE_JS must name axe.min.js (npm install axe-core; .ci/run does it)"
    )
    page.add_script_tag(path=script)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"] if v["impact"] in impacts
    ]
