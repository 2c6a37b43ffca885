"""SQL probe of the benchmark: the statements and write transactions of one request.

Outermost middleware of every benchmark site. It does nothing unless the process
runs with ``BENCH_PROBE_DIR`` set and the request carries an ``X-Bench-Probe``
header, which only the script's probe logins send (after the measured window,
one at a time). For such a request it records every SQL statement the request
runs (Django's session and auth included, through ``connection.execute_wrapper``),
which transaction each belongs to and the CPU time the worker's thread spent in
the middleware chain below it, and appends one JSON line per request to
``BENCH_PROBE_DIR/probe-<pid>.jsonl``.

A statement outside ``atomic()`` runs in autocommit mode: its own transaction.
Inside, the outermost ``atomic()`` block it runs in is its transaction; blocks
are numbered by wrapping ``Atomic.__enter__`` (only when probing is enabled).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time

from django.db import connection, transaction

PROBE_DIR = os.environ.get("BENCH_PROBE_DIR", "")
_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)
_blocks = itertools.count(1)

if PROBE_DIR:
    _enter = transaction.Atomic.__enter__

    def _numbered_enter(self):  # type: ignore[no-untyped-def]
        conn = transaction.get_connection(self.using)
        if not conn.in_atomic_block:
            conn.bench_block = next(_blocks)
        return _enter(self)

    transaction.Atomic.__enter__ = _numbered_enter


class SQLProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tag = request.headers.get("X-Bench-Probe") if PROBE_DIR else None
        if tag is None:
            return self.get_response(request)
        started = time.time()
        cpu = time.thread_time()
        statements: list[dict] = []
        autocommit = itertools.count(-1, -1)

        def record(execute, sql, params, many, context):
            write = _WRITE.match(sql)
            statements.append({
                "sql": sql[:160],
                "write": write.group(2) if write else "",
                "txn": (getattr(connection, "bench_block", 0) if connection.in_atomic_block
                        else next(autocommit)),
            })
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = self.get_response(request)
        cpu_ms = (time.thread_time() - cpu) * 1000
        with open(os.path.join(PROBE_DIR, f"probe-{os.getpid()}.jsonl"), "a") as fh:
            fh.write(json.dumps({"tag": tag, "at": started, "method": request.method, "path": request.path,
                                 "status": response.status_code, "cpu_ms": cpu_ms,
                                 "statements": statements}) + "\n")
        return response
