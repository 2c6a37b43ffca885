"""django_sms2fa.testing on Django's own test runner, without pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN_WITHOUT_PYTEST = """
import sys

class NoPytest:
    def find_spec(self, name, path=None, target=None):
        if name == "pytest" or name.startswith(("pytest.", "_pytest")):
            raise ImportError("pytest is not installed on this site")

sys.meta_path.insert(0, NoPytest())
for name in [n for n in sys.modules if n == "pytest" or n.startswith(("pytest.", "_pytest"))]:
    del sys.modules[name]

import django
from django.conf import settings
from django.test.utils import get_runner

django.setup()
failures = get_runner(settings)(verbosity=2).run_tests(["tests.runner_cases"])
assert "pytest" not in sys.modules
sys.exit(1 if failures else 0)
"""


def test_verified_login_and_code_from_work_on_djangos_runner_without_pytest():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "SMS2FA_TEST_SERVICES": ""}
    result = subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_PYTEST], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ran 3 tests" in result.stderr
