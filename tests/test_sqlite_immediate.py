"""On SQLite in IMMEDIATE mode (what Django documents for concurrent use) a
transaction holds the database's write lock from BEGIN, so the gates take no
row there (``gates.lock``). The limits must still be exact when processes
race: here 8 processes on one SQLite file, released together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def race(tmp_path: Path, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "SMS2FA_TEST_SERVICES"}
    env.update(SMS2FA_TEST_SQLITE_FILE=str(tmp_path / "race.sqlite3"),
               DJANGO_SETTINGS_MODULE="tests.settings", **settings)
    done = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_race"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_racing_processes_get_exactly_the_limits(tmp_path):
    seen = race(tmp_path)
    # One phone, one purpose: the resend cooldown lets exactly one code out.
    assert Counter(seen["same_purpose"]) == {"sent": 1, "ResendTooSoon": 7}
    # One phone, eight purposes: SMS2FA_SEND_RATE_PHONE ("5/10m") lets five out.
    assert Counter(seen["many_purposes"]) == {"sent": 5, "SendRateLimited": 3}
    assert seen["rows"] == {"alice": 1, "carol": 5}
    # Eight wrong codes at once with SMS2FA_LOCKOUT_FAILURES = 5: five count, the
    # fifth locks the user out, and the three after it find the lockout.
    assert seen["wrong_events"] == 5 and seen["lockouts"] == 1
    assert Counter(seen["wrongs"]) == {"wrong": 4, "locked": 4}
