"""HTTP to IPROG: one ``requests`` adapter (its connection pools) per thread, a
total deadline per call, and errors mapped to ``SendError`` children with the
API token removed.

``requests`` timeouts bound each socket operation, not the call: a gateway that
drips one byte a second never trips them. Every call here also runs under a
watchdog that shuts the call's socket once ``deadline`` seconds have passed, so
no answer, however slow, holds a login longer than that.

IPROG's status and credits endpoints are GETs that take the token in the query
string. Such URLs are never logged: urllib3's request log line is scrubbed, and
no ``requests`` exception (which quotes the URL) leaves this module.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from ..exceptions import GatewayBadResponse, GatewayTimeout, GatewayUnavailable, SendError

DEFAULT_TIMEOUT = (3.05, 10.0)  # (connect, read) seconds, per socket operation
DEFAULT_DEADLINE = 15.0  # seconds for the whole call

TOKEN_IN_URL = re.compile(r"(api_token=)[^&\s\"']*")

_local = threading.local()


class _ScrubTokens(logging.Filter):
    """Blank ``api_token=`` values in urllib3's log lines (its request line quotes the URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                TOKEN_IN_URL.sub(r"\1[api_token]", a) if isinstance(a, str) else a for a in args
            )
        if isinstance(record.msg, str):
            record.msg = TOKEN_IN_URL.sub(r"\1[api_token]", record.msg)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_ScrubTokens())


def _watch_socket(sock: Any) -> None:
    watched = getattr(_local, "sockets", None)
    if watched is not None and sock is not None:
        watched.append(sock)


def _watched(pool: type[HTTPConnectionPool], connection: type) -> type[HTTPConnectionPool]:
    """``pool`` whose connections tell the running call which sockets it uses.

    Sockets, not connections, are kept: http.client drops a connection's
    ``sock`` once the headers of a ``Connection: close`` answer are read."""

    class WatchedConnection(connection):
        def connect(self) -> None:
            super().connect()
            _watch_socket(self.sock)

    class WatchedPool(pool):  # type: ignore[valid-type,misc]
        ConnectionCls = WatchedConnection

        def _get_conn(self, timeout: float | None = None) -> Any:
            conn = super()._get_conn(timeout)
            _watch_socket(getattr(conn, "sock", None))  # a kept-alive connection
            return conn

    return WatchedPool


_WATCHED_POOLS = {
    "http": _watched(HTTPConnectionPool, HTTPConnection),
    "https": _watched(HTTPSConnectionPool, HTTPSConnection),
}


class _DeadlineAdapter(HTTPAdapter):
    """An adapter whose pools tell the running call which connections it uses."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # An HTTP(S) proxy from the environment gets the same watched pools.
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


def _adapter() -> _DeadlineAdapter:
    # One per thread keeps TLS connections to IPROG alive between calls.
    if not hasattr(_local, "adapter"):
        _local.adapter = _DeadlineAdapter()
    return _local.adapter


#: What a requests session sends on every call.
_HEADERS = requests.utils.default_headers()

#: The variables requests consults when it trusts the environment: proxies and CA bundles.
_ENVIRONMENT = tuple(
    name for proxy in ("http", "https", "all", "no")
    for name in (f"{proxy}_proxy", f"{proxy.upper()}_PROXY")
) + ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_settings_cache: dict[tuple, dict[str, Any]] = {}


def _environment(url: str) -> dict[str, Any]:
    """The proxies and certificate bundle that requests would take from the
    environment for ``url``; computed again whenever any of those variables changes."""
    key = (urlsplit(url)[:2], tuple(os.environ.get(name) for name in _ENVIRONMENT))
    found = _settings_cache.get(key)
    if found is None:
        verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        found = {"proxies": requests.utils.get_environ_proxies(url), "verify": verify}
        if len(_settings_cache) > 64:  # environments come and go only in tests
            _settings_cache.clear()
        _settings_cache[key] = found
    return found


class _Watch:
    """One call under the watchdog: its deadline and the sockets it uses."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.ends_at = time.monotonic() + deadline
        self.sockets: list[Any] = []
        self.expired = False

    def __enter__(self) -> _Watch:
        _local.sockets = self.sockets
        _watchdog.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _local.sockets = None
        _watchdog.remove(self)


class _Watchdog:
    """One thread per process that shuts the sockets of every call past its
    deadline (a thread per call cost more than the rest of the call)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._watches: set[_Watch] = set()
        self._thread: threading.Thread | None = None
        self._wakes_at: float | None = None  # None: asleep until told

    def add(self, watch: _Watch) -> None:
        with self._changed:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sms2fa-deadline",
                                                daemon=True)
                self._thread.start()
            self._watches.add(watch)
            # Woken only if this deadline comes before the one it sleeps until:
            # a call that ends in time costs the thread nothing.
            if self._wakes_at is None or watch.ends_at < self._wakes_at:
                self._changed.notify()

    def remove(self, watch: _Watch) -> None:
        with self._changed:
            self._watches.discard(watch)

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                wait = None
                for watch in self._watches:
                    if now >= watch.ends_at:
                        watch.expired = True
                        # Keep cutting until the call gives up: a connection may still be opening.
                        for sock in list(watch.sockets):
                            try:
                                sock.shutdown(socket.SHUT_RDWR)
                            except OSError:
                                pass
                        left = 0.02
                    else:
                        left = watch.ends_at - now
                    wait = left if wait is None else min(wait, left)
                self._wakes_at = None if wait is None else now + wait
                self._changed.wait(wait)


_watchdog = _Watchdog()


def _after_fork() -> None:
    # A forked child has no watchdog thread, and its lock may have been copied held.
    global _watchdog
    _watchdog = _Watchdog()


os.register_at_fork(after_in_child=_after_fork)


@sensitive_variables("kwargs", "prepared")
def call(
    method: str,
    url: str,
    *,
    timeout: float | tuple[float, float],
    deadline: float,
    **kwargs: Any,
) -> requests.Response:
    """Make one request within ``deadline`` seconds, or raise a ``SendError``.

    Redirects are never followed: a 307/308 would carry the token to any host.
    """
    watch = _Watch(deadline)
    try:
        # Straight to the thread's adapter: requests' Session.request merges
        # cookies, hooks and settings that a call to IPROG never uses, at a
        # cost greater than the rest of the call. An adapter follows no redirect.
        prepared = requests.Request(method, url, headers=_HEADERS, **kwargs).prepare()
        with watch:
            response = _adapter().send(
                prepared, timeout=timeout, **_environment(url)
            )
            response.content  # noqa: B018 (the body, read within the deadline)
    except requests.RequestException as exc:
        failure = _failure(exc, watch)
    else:
        if not watch.expired:
            return response
        # Cut off mid-answer, http.client may still make a "response" of the part it read.
        response.close()
        failure = _failure(None, watch)
    # Raised outside the except block: the requests exception holds the
    # prepared request, token and all, and must not ride along as __context__.
    raise failure


def _failure(exc: requests.RequestException | None, watchdog: _Watch) -> SendError:
    """The SendError for a request that got no usable answer."""
    if watchdog.expired:
        return GatewayTimeout(f"IPROG did not answer within {watchdog.deadline:g} s")
    if isinstance(exc, requests.ConnectTimeout):
        return GatewayUnavailable("connection to IPROG timed out")
    if isinstance(exc, requests.Timeout):
        return GatewayTimeout("IPROG did not answer in time")
    if isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        # requests reports a read timeout during the body, or a connection
        # dropped after the request went out, as a ConnectionError: IPROG may
        # have queued the SMS, so these must not count as "not sent".
        reason = getattr(exc.args[0], "reason", exc.args[0]) if exc.args else None
        if isinstance(reason, ReadTimeoutError):
            return GatewayTimeout("IPROG did not answer in time")
        broken = isinstance(exc, requests.exceptions.ChunkedEncodingError)
        if broken or isinstance(reason, ProtocolError):
            return GatewayTimeout("IPROG broke the connection before answering")
        return GatewayUnavailable("could not connect to IPROG")
    return GatewayUnavailable("request to IPROG failed")


def json_object(
    response: requests.Response, unclear: Callable[[str, int], SendError]
) -> dict[str, Any]:
    """The answer's JSON object; anything else raises ``unclear(detail, status)``.

    A 3xx or 4xx is IPROG (or its front) saying it did not take the request:
    ``GatewayBadResponse``. A 5xx or an answer that is not a JSON object is
    unclear: what it means for the request is up to the caller.
    """
    status = response.status_code
    if 300 <= status < 500:
        raise GatewayBadResponse(f"IPROG answered HTTP {status}", status_code=status)
    if status >= 500:
        raise unclear(f"IPROG answered HTTP {status}", status)
    try:
        body = response.json()
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise unclear(f"IPROG answered HTTP {status} without a JSON object", status)
    return body


def message_text(message: Any) -> str:
    """IPROG's ``message``: a string, or a list of strings (Rails validation messages)."""
    if isinstance(message, list):
        return "; ".join(str(part) for part in message)
    return "" if message is None else str(message)
