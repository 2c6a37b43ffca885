#!/usr/bin/env python
"""Full-login throughput of plain Django, django-sms2fa, django-two-factor-auth
and the floor of any SMS second step.

Run from the repository root::

    python bench/login_throughput.py

For each site (bench/sites/plain.py, sms2fa_site.py, twofactor_site.py,
floor_site.py) the script migrates and seeds a fresh SQLite file, serves the
site with gunicorn (2 sync workers) on 127.0.0.1, and drives it from a separate
load-client process whose threads each play virtual users: every login is a
fresh session that GETs the login page (CSRF), POSTs the password, reads the
code from the fake IPROG server, POSTs the code and follows the final redirect
to /home/, which must answer with the user's name. The SMS sites send their SMS
to the same fake IPROG HTTP server that this script runs on 127.0.0.1. Every
site runs ``--rounds`` times, interleaved, and the median run is reported.

Nothing talks to anything but 127.0.0.1; gunicorn and the temporary files are
removed even when a run fails. Exit status 1 if any login failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
PASSWORD = "bench-Correct-Horse-42"
SECRET_KEY = "bench-only-not-secret-" + "x" * 40
CODE_RE = re.compile(r"#(\d+)\s*$")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

SITES = {
    "plain": {
        "label": "plain Django (password only)",
        "settings": "bench.sites.plain",
    },
    "sms2fa": {
        "label": "django-sms2fa (SMS via IPROGSender)",
        "settings": "bench.sites.sms2fa_site",
    },
    "twofactor": {
        "label": "django-two-factor-auth 1.18 (SMS PhoneDevice)",
        "settings": "bench.sites.twofactor_site",
    },
    "floor": {
        "label": "floor: bare SMS step, no security",
        "settings": "bench.sites.floor_site",
    },
}


def username(i: int) -> str:
    return f"user{i:04d}"


def phone(i: int) -> str:
    """A valid Philippine mobile number in E.164, distinct for each user."""
    return f"+63917{i:07d}"


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment for child processes: no proxies, so 127.0.0.1 stays local."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


# --------------------------------------------------------------------------- fake IPROG


class FakeIPROG:
    """A threaded HTTP server on 127.0.0.1 that answers like IPROG's POST /sms_messages.

    It keeps, per phone number (IPROG form, no "+"), the code of the latest SMS
    and how many SMS that number has received; ``GET /latest?phone=...`` returns
    both, which is how the load client reads its code.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latest: dict[str, tuple[str, int]] = {}
        self.sent = 0
        self.rejected = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY the
            # second waits for the client's delayed ACK (~40 ms per SMS).
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if urlparse(self.path).path != "/api/v1/sms_messages":
                    return self.reply(404, {"status": 404, "message": "not found"})
                try:
                    body = json.loads(raw)
                    number = str(body["phone_number"])
                    match = CODE_RE.search(str(body["message"]))
                    ok = body.get("api_token") == "bench-token" and match is not None
                except (ValueError, KeyError, TypeError):
                    ok = False
                if not ok:
                    with fake.lock:
                        fake.rejected += 1
                    return self.reply(200, {"status": 500, "message": ["Invalid request."]})
                with fake.lock:
                    count = fake.latest.get(number, ("", 0))[1] + 1
                    fake.latest[number] = (match.group(1), count)
                    fake.sent += 1
                    seq = fake.sent
                self.reply(200, {
                    "status": 200,
                    "message": "SMS successfully queued for delivery.",
                    "message_id": f"iSms-{seq:06d}",
                    "message_status_link": "https://sms.iprogtech.com/api/v1/sms_messages/status",
                    "message_status_request_body": {"api_token": "[redacted]", "message_id": ""},
                    "sms_rate": 1.0,
                })

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != "/latest":
                    return self.reply(404, {})
                number = parse_qs(url.query).get("phone", [""])[0]
                with fake.lock:
                    code, count = fake.latest.get(number, ("", 0))
                self.reply(200, {"code": code, "count": count})

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def reset(self) -> None:
        with self.lock:
            self.latest.clear()
            self.sent = self.rejected = 0

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- seeding (child)


def seed_main(site: str, users: int) -> None:
    """Migrate the fresh SQLite file and create the users (and their phones/devices)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    password_hash = os.environ["BENCH_PASSWORD_HASH"]
    created = User.objects.bulk_create(
        [User(username=username(i), email=f"{username(i)}@example.com", password=password_hash)
         for i in range(users)]
    )
    created = list(User.objects.order_by("username"))
    assert len(created) == users
    if site == "sms2fa":
        from django_sms2fa.models import Phone

        now = timezone.now()
        Phone.objects.bulk_create(
            [Phone(user=u, number=phone(i), confirmed=True, confirmed_at=now)
             for i, u in enumerate(created)]
        )
    elif site == "twofactor":
        from django_otp.util import random_hex
        from two_factor.plugins.phonenumber.models import PhoneDevice

        PhoneDevice.objects.bulk_create(
            [PhoneDevice(user=u, name="default", number=phone(i), method="sms",
                         key=random_hex(), confirmed=True)
             for i, u in enumerate(created)]
        )
    call_command("check", verbosity=0)


# --------------------------------------------------------------------------- load client (child)


class LoginFailed(Exception):
    pass


def client_main(args: argparse.Namespace) -> None:
    import requests

    base = args.url
    fake = args.fake
    site = args.site
    t0 = time.monotonic()
    warm_end = t0 + args.warmup
    end = warm_end + args.duration
    results: list[tuple[float, float, bool, str]] = []  # start, end, ok, error
    results_lock = threading.Lock()

    def expect(response, status: int, what: str, location: str | None = None) -> None:
        if response.status_code != status:
            raise LoginFailed(f"{what}: HTTP {response.status_code} (expected {status})")
        if location is not None and response.headers.get("Location") != location:
            raise LoginFailed(f"{what}: redirect to {response.headers.get('Location')!r}, "
                              f"expected {location!r}")

    def csrf(response, what: str) -> str:
        match = CSRF_RE.search(response.text)
        if match is None:
            raise LoginFailed(f"{what}: no csrfmiddlewaretoken in the page")
        return match.group(1)

    def vu(index: int) -> None:
        http = requests.Session()
        http.trust_env = False
        probing = args.probe > 0
        gateway = requests.Session()
        gateway.trust_env = False
        mine = list(range(index, args.users, args.clients))
        seen: dict[int, int] = {}
        turn = 0

        def read_code(i: int) -> str:
            number = phone(i).lstrip("+")
            body = gateway.get(f"{fake}/latest", params={"phone": number}, timeout=10).json()
            if body["count"] != seen.get(i, 0) + 1:
                raise LoginFailed(f"expected SMS #{seen.get(i, 0) + 1} for {number}, "
                                  f"gateway has #{body['count']}")
            seen[i] = body["count"]
            return body["code"]

        def finish(i: int) -> None:
            page = http.get(base + "/home/", allow_redirects=False, timeout=30)
            expect(page, 200, "GET /home/")
            if page.text != username(i):
                raise LoginFailed(f"/home/ says {page.text[:40]!r}, not {username(i)!r}")

        def password_post(i: int):
            page = http.get(base + "/accounts/login/", timeout=30)
            expect(page, 200, "GET login")
            return http.post(base + "/accounts/login/", allow_redirects=False, timeout=30, data={
                "csrfmiddlewaretoken": csrf(page, "login page"),
                "username": username(i), "password": PASSWORD,
            })

        def code_post(i: int, code_page) -> None:
            if 'name="code"' not in code_page.text:
                raise LoginFailed("the password step did not lead to the code page")
            done = http.post(base + "/2fa/verify/", allow_redirects=False, timeout=30, data={
                "csrfmiddlewaretoken": csrf(code_page, "code page"), "code": read_code(i),
            })
            expect(done, 302, "POST code", "/home/")

        def login_plain(i: int) -> None:
            expect(password_post(i), 302, "POST password", "/home/")
            finish(i)

        def login_sms2fa(i: int) -> None:
            expect(password_post(i), 302, "POST password", "/2fa/verify/")
            # A browser follows the redirect to the code page.
            step = http.get(base + "/2fa/verify/", allow_redirects=False, timeout=30)
            expect(step, 200, "GET /2fa/verify/")
            code_post(i, step)
            finish(i)

        def login_floor(i: int) -> None:
            step = password_post(i)
            expect(step, 200, "POST password")  # answers with the code form itself
            code_post(i, step)
            finish(i)

        def login_twofactor(i: int) -> None:
            page = http.get(base + "/account/login/", timeout=30)
            expect(page, 200, "GET login")
            step = http.post(base + "/account/login/", allow_redirects=False, timeout=30, data={
                "csrfmiddlewaretoken": csrf(page, "login page"),
                "login_view-current_step": "auth",
                "auth-username": username(i), "auth-password": PASSWORD,
            })
            expect(step, 200, "POST password")
            if 'name="token-otp_token"' not in step.text:
                raise LoginFailed("the password step did not lead to the token step")
            done = http.post(base + "/account/login/", allow_redirects=False, timeout=30, data={
                "csrfmiddlewaretoken": csrf(step, "token page"),
                "login_view-current_step": "token",
                "token-otp_token": read_code(i),
            })
            expect(done, 302, "POST token", "/home/")
            finish(i)

        login = {"plain": login_plain, "sms2fa": login_sms2fa, "twofactor": login_twofactor,
                 "floor": login_floor}[site]
        while True:
            start = time.monotonic()
            if (start >= end and not probing) or (probing and turn >= args.probe):
                return
            i = mine[turn % len(mine)]
            turn += 1
            http.cookies.clear()  # every login starts a fresh Django session
            if probing:  # each request of this login is recorded by bench/sites/probe.py
                http.headers["X-Bench-Probe"] = str(turn)
                if site != "plain":  # the measured window sent this phone SMS already
                    seen[i] = gateway.get(f"{fake}/latest", params={"phone": phone(i).lstrip("+")},
                                          timeout=10).json()["count"]
            error = ""
            try:
                login(i)
            except LoginFailed as exc:
                error = str(exc)
            except Exception as exc:  # connection errors, bad JSON ...
                error = f"{type(exc).__name__}: {exc}"
            if error and site != "plain":
                # Keep this user's SMS count in step with the fake for the next try.
                try:
                    number = phone(i).lstrip("+")
                    seen[i] = gateway.get(f"{fake}/latest", params={"phone": number},
                                          timeout=10).json()["count"]
                except Exception:
                    pass
            with results_lock:
                results.append((start, time.monotonic(), not error, error))

    if args.probe:
        # Probe logins: one at a time, after the measured window, users from the top.
        warm_end, end = t0, float("inf")
        vu(0)
        json.dump({"probe_ok": all(r[2] for r in results),
                   "errors": [r[3] for r in results if not r[2]]}, sys.stdout)
        return
    threads = [threading.Thread(target=vu, args=(n,), daemon=True) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.warmup + args.duration + 120)

    measured = [r for r in results if warm_end <= r[1] <= end]
    ok = [r for r in measured if r[2]]
    errors = [r[3] for r in results if not r[2]]
    json.dump({
        "logins": len(ok),
        "seconds": args.duration,
        "latencies": sorted(r[1] - r[0] for r in ok),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "total_attempts": len(results),
        "total_ok": sum(1 for r in results if r[2]),
        "client_cpu": time.process_time(),
    }, sys.stdout)


# --------------------------------------------------------------------------- orchestration (parent)

_children: list[subprocess.Popen] = []
_tempdirs: list[str] = []
_databases: list[str] = []


def _pg_admin(sql: str) -> None:
    """Run one statement on the local PostgreSQL server's maintenance database."""
    import psycopg

    with psycopg.connect(host=HOST, port=5432, user="postgres", dbname="postgres",
                         autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def create_database(name: str) -> None:
    _databases.append(name)
    _pg_admin(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    try:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        if name in _databases:
            _databases.remove(name)


def _cleanup(keep_tempdirs: bool = False) -> None:
    for proc in list(_children):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # its own session: gunicorn + its workers
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
        if proc in _children:
            _children.remove(proc)
    for name in list(_databases):
        try:
            drop_database(name)
        except Exception as exc:  # the server went away: say so, never hide it
            print(f"could not drop the benchmark database {name}: {exc}", file=sys.stderr)
    if keep_tempdirs:
        return
    for path in list(_tempdirs):
        shutil.rmtree(path, ignore_errors=True)
        _tempdirs.remove(path)


def _on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _own_cpu() -> float:
    """CPU seconds of this process (the fake IPROG server's threads run here)."""
    times = os.times()
    return times.user + times.system


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def worker_cpu_seconds(master_pid: int) -> float:
    """User+system CPU seconds of gunicorn's worker processes (children of the master)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    try:
        with open(f"/proc/{master_pid}/task/{master_pid}/children") as fh:
            pids = fh.read().split()
    except OSError:
        return float("nan")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all processes on this machine have used since boot (/proc/stat)."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    # user nice system idle iowait irq softirq steal ...: everything but idle and iowait
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


def wait_until_up(url: str, proc: subprocess.Popen, log: str, timeout: float = 30) -> None:
    import requests

    deadline = time.monotonic() + timeout
    http = requests.Session()
    http.trust_env = False
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{tail(log)}")
        try:
            if http.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout}s:\n{tail(log)}")


def tail(path: str, lines: int = 30) -> str:
    try:
        with open(path, errors="replace") as fh:
            return "".join(fh.readlines()[-lines:])
    except OSError:
        return ""


def run_site(name: str, args: argparse.Namespace, fake: FakeIPROG, password_hash: str,
             profile_dir: str | None) -> dict:
    site = SITES[name]
    tmp = tempfile.mkdtemp(prefix=f"sms2fa-bench-{name}-")
    _tempdirs.append(tmp)
    probe_dir = os.path.join(tmp, "probe")
    os.mkdir(probe_dir)
    database = f"sms2fa_bench_{name}_{uuid.uuid4().hex[:12]}"
    if args.db == "postgres":
        create_database(database)
    env = clean_env({
        "DJANGO_SETTINGS_MODULE": site["settings"],
        "BENCH_DB": args.db,
        "BENCH_DB_NAME": database,
        "BENCH_PROBE_DIR": probe_dir,
        "BENCH_DB_PATH": os.path.join(tmp, "db.sqlite3"),
        "BENCH_IPROG_BASE_URL": f"{fake.base}/api/v1",
        "BENCH_SECRET_KEY": SECRET_KEY,
        "BENCH_PASSWORD_HASH": password_hash,
        "BENCH_FAST_HASHER": "1" if args.fast_hasher else "0",
    })
    t = time.monotonic()
    seed = subprocess.run(
        [sys.executable, __file__, "_seed", name, "--users", str(args.users)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    if seed.returncode != 0:
        raise RuntimeError(f"seeding {name} failed:\n{seed.stdout}\n{seed.stderr}")
    seed_seconds = time.monotonic() - t

    port = free_port()
    log = os.path.join(tmp, "gunicorn.log")
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", "2", "--worker-class", "sync",
        "--bind", f"{HOST}:{port}",
        "--error-logfile", log, "--log-level", "warning",
        "--chdir", REPO,
    ]
    if profile_dir is not None:
        env["BENCH_PROFILE_DIR"] = profile_dir
        command += ["--config", "python:bench.sites.gunicorn_profile"]
    command.append("bench.sites.wsgi:application")
    server = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _children.append(server)
    base = f"http://{HOST}:{port}"
    login_path = "/account/login/" if name == "twofactor" else "/accounts/login/"
    wait_until_up(base + login_path, server, log)

    fake.reset()
    cpu_before = worker_cpu_seconds(server.pid)
    busy_before, own_before, wall_before = machine_busy_seconds(), _own_cpu(), time.monotonic()
    client = subprocess.Popen(
        [sys.executable, __file__, "_client", name, "--url", base, "--fake", fake.base,
         "--users", str(args.users), "--clients", str(args.clients),
         "--warmup", str(args.warmup), "--duration", str(args.duration)],
        cwd=REPO, env=clean_env({}), start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    _children.append(client)
    out, err = client.communicate(timeout=args.warmup + args.duration + 150)
    _children.remove(client)
    cpu_after = worker_cpu_seconds(server.pid)
    busy_after, own_after, wall_after = machine_busy_seconds(), _own_cpu(), time.monotonic()
    if client.returncode != 0:
        raise RuntimeError(f"load client for {name} failed ({client.returncode}):\n{err}")
    result = json.loads(out)
    result["server_cpu_per_login_ms"] = (
        1000 * (cpu_after - cpu_before) / result["total_ok"] if result["total_ok"] else float("nan")
    )
    # CPU that processes other than this benchmark's used meanwhile: a busy machine
    # makes the figures worthless, so the table shows it.
    ours = (cpu_after - cpu_before) + result["client_cpu"] + (own_after - own_before)
    result["foreign_cores"] = max(0.0, ((busy_after - busy_before) - ours)
                                  / (wall_after - wall_before))
    result["client_cpu_per_login_ms"] = (
        1000 * result["client_cpu"] / result["total_ok"] if result["total_ok"] else float("nan")
    )
    result["sms_sent"] = fake.sent
    result["sms_rejected"] = fake.rejected
    result["seed_seconds"] = seed_seconds

    # Probe logins, one at a time, after the measured window: what each request
    # runs in SQL (bench/sites/probe.py records it inside the workers).
    if args.probe_logins:
        probe = subprocess.run(
            [sys.executable, __file__, "_client", name, "--url", base, "--fake", fake.base,
             "--users", str(args.users), "--clients", "1", "--probe", str(args.probe_logins)],
            cwd=REPO, env=clean_env({}), capture_output=True, text=True, timeout=300,
        )
        if probe.returncode != 0 or not json.loads(probe.stdout)["probe_ok"]:
            raise RuntimeError(f"probe logins of {name} failed:\n{probe.stdout}\n{probe.stderr}")
        result["sql"] = read_probe(name, probe_dir)

    # Stop gunicorn now (profiles are written by the workers on exit).
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    _children.remove(server)
    server_log = tail(log, 40)
    if result["errors"] or "Traceback" in server_log or "Error" in server_log:
        result["server_log"] = server_log
    if args.db == "postgres":
        drop_database(database)
    shutil.rmtree(tmp, ignore_errors=True)
    _tempdirs.remove(tmp)
    return result


#: The requests of one login, in order, per site.
STEPS = {
    "plain": ["GET login", "POST password", "GET home"],
    "sms2fa": ["GET login", "POST password", "GET code page", "POST code", "GET home"],
    "twofactor": ["GET login", "POST password", "POST code", "GET home"],
    "floor": ["GET login", "POST password", "POST code", "GET home"],
}
_SESSION_OR_USER = re.compile(r'"(django_session|auth_user)"')


def read_probe(name: str, probe_dir: str) -> dict:
    """Per step of a login: SQL statements, those on django-sms2fa's tables, its
    write transactions and the request's CPU time in Django; the median over the
    probe logins."""
    records = []
    for filename in os.listdir(probe_dir):
        with open(os.path.join(probe_dir, filename)) as fh:
            records += [json.loads(line) for line in fh]
    logins: dict[str, list[dict]] = {}
    for record in sorted(records, key=lambda r: r["at"]):
        logins.setdefault(record["tag"], []).append(record)
    steps = STEPS[name]
    per_step: dict[str, dict[str, list[float]]] = {
        step: {"statements": [], "ours": [], "our_writes": [], "beyond_session_user": [],
               "cpu_ms": []}
        for step in steps}
    for requests_ in logins.values():
        if len(requests_) != len(steps):
            raise RuntimeError(f"probe of {name}: {len(requests_)} requests in a login, "
                               f"expected {len(steps)}")
        for step, record in zip(steps, requests_, strict=True):
            statements = record["statements"]
            ours = [s for s in statements if "sms2fa_" in s["sql"]]
            write_txns = {s["txn"] for s in statements if s["write"].startswith("sms2fa_")}
            beyond = [s for s in statements if not _SESSION_OR_USER.search(s["sql"])]
            for key, value in (("statements", len(statements)), ("ours", len(ours)),
                               ("our_writes", len(write_txns)),
                               ("beyond_session_user", len(beyond)),
                               ("cpu_ms", record["cpu_ms"])):
                per_step[step][key].append(value)
    return {step: {key: statistics.median(values) for key, values in figures.items()}
            for step, figures in per_step.items()}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def sms2fa_revision() -> str:
    """The commit of the checkout, and whether django_sms2fa/ differs from it."""
    def git(*command: str) -> str:
        try:
            return subprocess.run(["git", *command], cwd=REPO, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown revision (not a git checkout)"
    dirty = git("status", "--porcelain", "--", "django_sms2fa")
    return f"commit {commit}" + (" + uncommitted changes in django_sms2fa/" if dirty else "")


def measure_code_hashing(rounds: int) -> dict:
    """Median seconds per hash_code / check_code call, in this process."""
    from django_sms2fa.codes import check_code, hash_code

    binding = f"{uuid.uuid4()}:1:login"
    code = "123456"
    for _ in range(10):
        encoded = hash_code(code, binding)
        check_code(encoded, code, binding)
    hash_times, check_times = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        encoded = hash_code(code, binding)
        hash_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert check_code(encoded, code, binding)
        check_times.append(time.perf_counter() - t)
    wrong = []
    for _ in range(max(10, rounds // 4)):
        t = time.perf_counter()
        assert not check_code(encoded, "654321", binding)
        wrong.append(time.perf_counter() - t)
    return {
        "hash": statistics.median(hash_times),
        "check": statistics.median(check_times),
        "check_wrong": statistics.median(wrong),
        "rounds": rounds,
    }


def measure_password_check(rounds: int = 5) -> tuple[str, float]:
    from django.contrib.auth.hashers import check_password, identify_hasher, make_password

    encoded = make_password(PASSWORD)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        assert check_password(PASSWORD, encoded)
        times.append(time.perf_counter() - t)
    hasher = identify_hasher(encoded)
    detail = hasher.algorithm
    if hasattr(hasher, "iterations"):
        detail += f", {hasher.iterations:,} iterations"
    return detail, statistics.median(times)


PROFILE_FOCUS = {
    "plain": ("django/contrib/auth",),
    "sms2fa": ("django_sms2fa",),
    "twofactor": ("two_factor", "django_otp", "formtools", "iprog_gateway"),
}


def report_profile(name: str, profile_dir: str, logins: int) -> None:
    """Where a worker's (wall-clock) time goes, per login, from the merged cProfile stats."""
    import pstats

    files = [os.path.join(profile_dir, f) for f in sorted(os.listdir(profile_dir))]
    if not files or not logins:
        print("  (no profile was written)")
        return
    stats = pstats.Stats(*files)
    rows = [(ct, tt, nc, filename, line, func)
            for (filename, line, func), (cc, nc, tt, ct, callers) in stats.stats.items()]

    def where(filename: str, line: int, func: str) -> str:
        if filename.startswith(REPO):
            filename = os.path.relpath(filename, REPO)
        else:
            filename = filename.split("site-packages/")[-1]
        return f"{filename}:{line}({func})"

    def total(predicate) -> tuple[float, int]:
        picked = [r for r in rows if predicate(r)]
        return sum(r[0] for r in picked), sum(r[2] for r in picked)

    wsgi, requests_ = total(lambda r: r[3].endswith("django/core/handlers/wsgi.py")
                            and r[5] == "__call__")
    _, queries = total(lambda r: r[3].endswith("django/db/backends/utils.py")
                       and r[5] == "_execute")
    print(f"  cProfile (wall clock) of both gunicorn workers, {logins} logins: "
          f"{1000 * wsgi / logins:.1f} ms of Django request time, "
          f"{requests_ / logins:.1f} requests and {queries / logins:.1f} SQL statements per login")
    print(f"    {'ms/login':>9} {'own ms':>7} {'calls/login':>11}  function")
    focus = PROFILE_FOCUS.get(name, ())
    shown = sorted((r for r in rows if any(f in r[3] for f in focus)), reverse=True)[:22]
    for ct, tt, nc, filename, line, func in shown:
        print(f"    {1000 * ct / logins:9.2f} {1000 * tt / logins:7.2f} {nc / logins:11.2f}  "
              f"{where(filename, line, func)}")
    print("  heaviest functions by own time:")
    for ct, tt, nc, filename, line, func in sorted(rows, key=lambda r: r[1], reverse=True)[:12]:
        print(f"    {1000 * ct / logins:9.2f} {1000 * tt / logins:7.2f} {nc / logins:11.2f}  "
              f"{where(filename, line, func)}")


def report_sql(names: list[str], results: dict) -> None:
    """Statements per request of a login (probe logins; median over them)."""
    print("\nSQL per login (probe logins after the measured window, one at a time, median; "
          "statements / of them on sms2fa_ tables / sms2fa write transactions, "
          "then the request's CPU time in Django):")
    for name in names:
        sql = results[name].get("sql")
        if not sql:
            continue
        total = sum(step["statements"] for step in sql.values())
        cpu = sum(step["cpu_ms"] for step in sql.values())
        cells = ", ".join(f"{step} {f['statements']:g}/{f['ours']:g}/{f['our_writes']:g}"
                          f" {f['cpu_ms']:.1f} ms" for step, f in sql.items())
        print(f"  {name:<10} {total:g} statements, {cpu:.1f} ms: {cells}")


def _median_ratio(runs: dict, ours: str, theirs: str, key: str) -> tuple[float, list[float]]:
    paired = [a[key] / b[key] for a, b in zip(runs[ours], runs[theirs], strict=True) if b[key]]
    return (statistics.median(paired) if paired else float("nan")), paired


def report_targets(names: list[str], runs: dict, results: dict,
                   args: argparse.Namespace) -> None:
    """Issue 9's targets, each with its figure and whether it holds."""
    if "sms2fa" not in names:
        return
    rows: list[tuple[str, str, bool]] = []

    def target(what: str, figure: str, held: bool) -> None:
        rows.append((what, figure, held))

    def rounds(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    if args.fast_hasher:
        if "twofactor" in names:
            ratio, paired = _median_ratio(runs, "sms2fa", "twofactor", "rate")
            target(">= 1.15x django-two-factor-auth (logins/s, median of per-round ratios)",
                   f"{ratio:.2f}x (rounds {rounds(paired)})", ratio >= 1.15)
        if "floor" in names:
            ratio, paired = _median_ratio(runs, "sms2fa", "floor", "rate")
            target(">= 0.70x the floor (logins/s, median of per-round ratios)",
                   f"{ratio:.2f}x (rounds {rounds(paired)})", ratio >= 0.70)
    elif "floor" in names:
        ratio, paired = _median_ratio(runs, "sms2fa", "floor", "rate")
        target(">= 0.95x the floor with the default hasher (median of per-round ratios)",
               f"{ratio:.2f}x (rounds {rounds(paired)})", ratio >= 0.95)
    if "floor" in names:
        ratio, paired = _median_ratio(runs, "sms2fa", "floor", "server_cpu_per_login_ms")
        target("server CPU per login <= 1.6x the floor's (median of per-round ratios)",
               f"{ratio:.2f}x (rounds {rounds(paired)})", ratio <= 1.6)
    sql = results["sms2fa"].get("sql")
    if sql:
        total = sum(step["statements"] for step in sql.values())
        target("SQL statements per full login <= 24", f"{total:g}", total <= 24)
        floor_sql = results.get("floor", {}).get("sql")
        if floor_sql:
            ours, floor = sql["POST code"]["statements"], floor_sql["POST code"]["statements"]
            target("code POST: at most 4 statements more than the floor's",
                   f"{ours:g} against {floor:g} (+{ours - floor:g})", ours - floor <= 4)
        page = sql["GET code page"]
        target("GET of the code page: no query beyond the session and the user",
               f"{page['beyond_session_user']:g} other statement(s), {page['ours']:g} on sms2fa_"
               " tables", page["beyond_session_user"] == 0 and page["ours"] == 0)
        for step in ("POST password", "POST code"):
            writes = sql[step]["our_writes"]
            target(f"{step}: at most one write transaction of django-sms2fa",
                   f"{writes:g}", writes <= 1)
    print(f"\nTargets of issue 9 ({args.db}"
          + (", --fast-hasher" if args.fast_hasher else ", default hasher") + "):")
    for what, figure, held in rows:
        print(f"  [{'HOLDS' if held else 'MISSED'}] {what}: {figure}")


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0,
                        help="measured seconds per site (default 15)")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds of load before measuring (default 3)")
    parser.add_argument("--clients", type=int, default=6,
                        help="concurrent virtual users (threads) in the load client (default 6)")
    parser.add_argument("--users", type=int, default=200, help="seeded users (default 200)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of every site, interleaved; the median is shown (default 3)")
    parser.add_argument("--sites", default="plain,sms2fa,twofactor,floor",
                        help="comma-separated subset of plain,sms2fa,twofactor,floor")
    parser.add_argument("--hash-rounds", type=int, default=200,
                        help="argon2 hash_code/check_code calls to time (default 200)")
    parser.add_argument("--fast-hasher", action="store_true",
                        help="DIAGNOSTIC: MD5 password hasher instead of Django's default PBKDF2")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite",
                        help="a fresh SQLite file per run (default), or a fresh database on the"
                        " local PostgreSQL server (127.0.0.1:5432, user postgres), dropped after")
    parser.add_argument("--probe-logins", type=int, default=11,
                        help="logins after each measured window whose SQL and CPU are recorded"
                        " (default 11)")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile the gunicorn workers and print where the time goes")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.sites.split(",") if n.strip()]
    unknown = set(names) - set(SITES)
    if unknown:
        parser.error(f"unknown site(s): {', '.join(sorted(unknown))}")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    sys.path.insert(0, REPO)

    from django.conf import settings

    settings.configure(
        SECRET_KEY=SECRET_KEY, USE_TZ=True,
        PASSWORD_HASHERS=(["django.contrib.auth.hashers.MD5PasswordHasher"]
                          if args.fast_hasher else
                          ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]),
    )
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    started = time.monotonic()
    print(f"django-sms2fa under test: {sms2fa_revision()}")
    print(f"Machine: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; "
          f"Django {django.get_version()}")
    hasher, password_seconds = measure_password_check()
    print(f"Password hasher: {hasher}; check_password {password_seconds * 1000:.1f} ms "
          f"(median of 5, in this process)"
          + ("  [DIAGNOSTIC --fast-hasher]" if args.fast_hasher else ""))
    hashing = measure_code_hashing(args.hash_rounds)
    print(f"django_sms2fa argon2id code hashing (in this process, median of "
          f"{hashing['rounds']} calls): hash_code {hashing['hash'] * 1000:.2f} ms, "
          f"check_code {hashing['check'] * 1000:.2f} ms (wrong code "
          f"{hashing['check_wrong'] * 1000:.2f} ms)")
    # The same users (names, password hash) in every site's database.
    password_hash = make_password(PASSWORD)
    database = ("fresh PostgreSQL database (local server)" if args.db == "postgres"
                else "fresh SQLite (WAL) file")
    print(f"Each site: gunicorn, 2 sync workers, {database}, LocMemCache, "
          f"{args.users} users; load client: {args.clients} threads in a separate process, "
          f"{args.warmup:g} s warm-up + {args.duration:g} s measured; {args.rounds} round(s).\n")

    fake = FakeIPROG()
    fake.start()
    runs: dict[str, list[dict]] = {name: [] for name in names}
    profile_dirs: dict[str, str] = {}
    failed = False
    try:
        for round_no in range(args.rounds):
            # Each round starts with another site, so that a slow spell of the
            # (shared) machine does not always fall on the same one.
            order = names[round_no % len(names):] + names[:round_no % len(names)]
            for name in order:
                print(f"  round {round_no + 1}/{args.rounds}: {SITES[name]['label']} ...",
                      flush=True)
                profile_dir = None
                if args.profile and round_no == 0:
                    profile_dir = tempfile.mkdtemp(prefix=f"sms2fa-bench-prof-{name}-")
                    _tempdirs.append(profile_dir)
                    profile_dirs[name] = profile_dir
                run = run_site(name, args, fake, password_hash, profile_dir)
                run["rate"] = run["logins"] / run["seconds"]
                runs[name].append(run)
    finally:
        fake.stop()
        _cleanup(keep_tempdirs=True)  # profiles are read below; the finally below removes them
    # Per site, the round with the median rate stands for it in the table.
    results = {name: sorted(runs[name], key=lambda r: r["rate"])[(len(runs[name]) - 1) // 2]
               for name in names}

    try:
        print()
        header = (f"{'site':<48} {'logins/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
                  f"{'errors':>7} {'logins':>7} {'server CPU':>11} {'client CPU':>11} {'other load':>11}")
        print(header)
        print("-" * len(header))
        for name in names:
            r = results[name]
            rate = r["rate"]
            print(f"{SITES[name]['label']:<48} {rate:9.1f} "
                  f"{percentile(r['latencies'], 0.5) * 1000:8.0f} "
                  f"{percentile(r['latencies'], 0.95) * 1000:8.0f} "
                  f"{sum(run['errors'] for run in runs[name]):7d} {r['logins']:7d} "
                  f"{r['server_cpu_per_login_ms']:8.1f} ms "
                  f"{r['client_cpu_per_login_ms']:8.1f} ms {r['foreign_cores']:6.2f} CPUs")
        print("-" * len(header))
        if args.rounds > 1:
            print(f"(each row: the median of {args.rounds} interleaved runs by logins/s; errors:"
                  " all runs)")
            for name in names:
                print(f"  {name:<10} logins/s per run: "
                      + ", ".join(f"{run['rate']:.1f}" for run in runs[name]))
        for ours, theirs in (("sms2fa", "twofactor"), ("sms2fa", "plain"), ("sms2fa", "floor"),
                             ("floor", "twofactor")):
            if ours in runs and theirs in runs and results[theirs]["rate"]:
                paired = [a["rate"] / b["rate"]
                          for a, b in zip(runs[ours], runs[theirs], strict=False) if b["rate"]]
                print(f"ratio {ours + ' / ' + theirs + ':':<20} "
                      f"{results[ours]['rate'] / results[theirs]['rate']:.2f}x of the medians"
                      + (f"; per round {', '.join(f'{x:.2f}' for x in paired)}"
                         if args.rounds > 1 else ""))
        if not args.fast_hasher:
            ceiling = (os.cpu_count() or 1) / password_seconds
            print(f"password-hash ceiling: {os.cpu_count()} CPUs / {password_seconds * 1000:.1f} ms"
                  f" per check_password = {ceiling:.1f} logins/s for any site on this machine")
        print("\nlogins/s = successful full logins completed in the measured window / its length;"
              "\nlatency = one full login (all its requests) as the client saw it, queueing"
              " included;\nserver / client CPU = CPU time of the 2 gunicorn workers / of the load"
              " client process,\nper successful login (warm-up included); other load = CPUs"
              " busy with processes\nthat are not part of the benchmark during the run"
              " (should be ~0).")
        print("Second step: django-sms2fa = its IPROGSender; django-two-factor-auth = its SMS"
              " method\n(PhoneDevice, method 'sms') through bench/sites/iprog_gateway.py; both"
              " POST to the same\nfake IPROG server on 127.0.0.1 and the client reads the code"
              " from it.")
        print("Requests per login: plain 3 (GET login, POST password, GET /home/); django-sms2fa"
              " 5\n(+ GET /2fa/verify/ after the redirect, POST code); two-factor-auth and floor 4"
              " (their\npassword POST answers with the code form directly).")
        print("floor = the least any SMS second step costs on this stack (bench/sites/"
              "floor_urls.py:\ncode kept in the session, one gateway call, no hashing, limits or"
              " log): not a product.")
        print("Caveats: LocMemCache (per worker) instead of Redis;"
              + (" SQLite instead of PostgreSQL;" if args.db == "sqlite" else "")
              + "\nthe load client shares the same CPUs as the server.")
        if args.probe_logins:
            report_sql(names, results)
        report_targets(names, runs, results, args)
        busiest = max(run["foreign_cores"] for name in names for run in runs[name])
        if busiest > 0.1:
            print(f"\nWARNING: processes outside the benchmark used up to {busiest:.2f} CPUs during"
                  " the run,\nso the logins/s and latencies above are unreliable; the CPU per login"
                  " still holds.\nRun again on an idle machine.")
        for name in names:
            for r in runs[name]:
                if r["errors"]:
                    failed = True
                    print(f"\nFAILED: {r['errors']} login(s) of {SITES[name]['label']} failed: "
                          f"{r['error_samples']}")
                if r.get("server_log"):
                    print(f"\ngunicorn log of {name}:\n{r['server_log']}")
                if name != "plain" and r["sms_sent"] < r["total_attempts"] - r["errors"]:
                    print(f"note: {name}: {r['sms_sent']} SMS for {r['total_attempts']} logins")
        for name, directory in profile_dirs.items():
            print(f"\nProfile of {SITES[name]['label']}:")
            report_profile(name, directory, runs[name][0]["total_ok"])
        print(f"\nTotal time {time.monotonic() - started:.0f} s.")
    finally:
        _cleanup()
    if failed:
        print("The benchmark FAILED: some logins did not complete.")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(argv)
    finally:
        _cleanup()  # gunicorn, the load client and every temporary file, whatever happened


def _child_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("role")
    parser.add_argument("site", choices=sorted(SITES))
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--url")
    parser.add_argument("--fake")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=0)
    parser.add_argument("--duration", type=float, default=0)
    parser.add_argument("--probe", type=int, default=0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_seed":
        seed_main(_child_args(sys.argv[1:]).site, _child_args(sys.argv[1:]).users)
    elif len(sys.argv) > 1 and sys.argv[1] == "_client":
        client_main(_child_args(sys.argv[1:]))
    else:
        sys.exit(main())
