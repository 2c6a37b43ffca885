"""A site whose user model is keyed by UUID, with its own column names: the
login path's SQL (``statements``) must bind and compare such ids as the ORM
does. Runs tests/uuid_user_cases.py under tests.settings_uuid."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_login_path_with_a_uuid_user_model():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--ds=tests.settings_uuid", "tests/uuid_user_cases.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout
