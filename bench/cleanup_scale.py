"""How long ``manage.py sms2fa_cleanup`` takes on PostgreSQL with 1,000,000
expired challenges and 1,000,000 old security events (half of them pointing at
those challenges), next to 10,000 recent rows of each that must survive.

Target (issue 12): the 1,000,000 challenges deleted in < 60 s. Prints the
figures and "held" or "missed"; exit status 0 when held, 1 when missed or when
a recent row was lost. Needs a PostgreSQL server on 127.0.0.1:5432 (user
postgres); it creates and finally drops its own database (``--db``).

    python bench/cleanup_scale.py [--rows 1000000] [--batch-size 5000] [--db NAME]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from io import StringIO

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT_SECONDS = 60.0
RECENT = 10_000


def configure(db: str) -> None:
    import django
    from django.conf import settings

    sys.path.insert(0, ROOT)
    settings.configure(
        SECRET_KEY="bench-only", USE_TZ=True, DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django_sms2fa"],
        DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": db,
                               "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432"}},
    )
    django.setup()


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(statement)


CHALLENGES = """
INSERT INTO sms2fa_challenge (id, purpose, code_hash, session_ref, phone_key, to_confirmed,
    phone_masked, status, attempts, failures, max_attempts, created_at, expires_at, user_agent,
    delivery, gateway_message_id, gateway_error, gateway_status)
SELECT gen_random_uuid(), 'login', 'x', 's', md5(n::text), true, '+63 ******4567', 'verified',
    1, 0, 5, now() - %(age)s - n * interval '1 second',
    now() - %(age)s - n * interval '1 second' + interval '5 minutes', '', 'sent',
    %(prefix)s || n, '', ''
FROM generate_series(1, %(rows)s) AS n
"""

EVENTS = """
INSERT INTO sms2fa_securityevent (kind, challenge_id, phone_masked, user_agent, detail, created_at)
SELECT 'code_sent', CASE WHEN attempts_row %% 2 = 0 THEN id END, '+63 ******4567', '', '',
    created_at
FROM (SELECT id, created_at, row_number() OVER () AS attempts_row FROM sms2fa_challenge
      WHERE gateway_message_id LIKE %(prefix)s || '%%') AS sent
"""


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a local process, from /proc (Linux only)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(rows: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for age, count, prefix in (("interval '400 days'", rows, "iSms-o"),
                                   ("interval '1 hour'", RECENT, "iSms-r")):
            params = {"rows": count, "prefix": prefix}
            cursor.execute(CHALLENGES.replace("%(age)s", age), params)
            cursor.execute(EVENTS, params)
        cursor.execute("ANALYZE sms2fa_challenge; ANALYZE sms2fa_securityevent")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=20000)
    parser.add_argument("--db", default="sms2fa_bench_cleanup")
    args = parser.parse_args()

    admin_sql(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')  # left by a killed run
    admin_sql(f'CREATE DATABASE "{args.db}"')
    try:
        configure(args.db)
        from django.core.management import call_command
        from django.db import connection

        from django_sms2fa.models import Challenge, SecurityEvent

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        load(args.rows)
        print(f"loaded {args.rows:,} old + {RECENT:,} recent rows of each in "
              f"{time.perf_counter() - started:.1f} s (load average {os.getloadavg()[0]:.1f})",
              flush=True)
        out = StringIO()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        pg_cpu, py_cpu = cpu_seconds(backend), time.process_time()
        started = time.perf_counter()
        call_command("sms2fa_cleanup", "--batch-size", str(args.batch_size),
                     stdout=out, stderr=StringIO())
        seconds = time.perf_counter() - started
        pg_cpu, py_cpu = cpu_seconds(backend) - pg_cpu, time.process_time() - py_cpu
        print(out.getvalue().strip(), flush=True)
        left = (Challenge.objects.count(), SecurityEvent.objects.count())
        connection.close()
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    held = seconds < LIMIT_SECONDS and left == (RECENT, RECENT)
    # On a busy machine the wall time mostly measures waiting for a core; the CPU
    # time the work took is the figure to compare with the target there.
    print(f"CPU: PostgreSQL backend {pg_cpu:.1f} s, Python {py_cpu:.1f} s")
    print(f"cleanup of {args.rows:,} challenges and {args.rows:,} events: {seconds:.1f} s "
          f"(target < {LIMIT_SECONDS:.0f} s); recent rows left {left[0]:,} + {left[1]:,}: "
          f"{'held' if held else 'missed'} (load average {os.getloadavg()[0]:.1f})")
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
