"""A loopback fake of the IPROG SMS API.

It follows what is known of IPROG (the team's IPROG API notes, section 9). It
serves ``POST /api/v1/sms_messages``, ``POST /api/v1/sms_messages/send_bulk``,
``GET /api/v1/sms_messages/status``, ``GET /api/v1/account/sms_credits`` and
the OTP pair ``POST /api/v1/otp/send_otp`` and ``verify_otp`` (see
``iprog_fake_otp``); every other path answers 404. Params are merged like Rails
does (query string, then a JSON or form body over it); each endpoint answers
with its own ``status`` type (integer 200/500 on ``sms_messages``, the strings
``"success"``/``"error"`` on account and OTP), failures as HTTP 200. It listens
on 127.0.0.1 only. Faults are switched on with ``answer_*``, ``hang_up`` and
``redirect_to``, apply to every endpoint and stay on until ``heal()``;
``refused_base_url`` is a URL where nothing listens.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .iprog_fake_otp import OTPEndpoints

HOST = "127.0.0.1"
SEND_PATH = "/api/v1/sms_messages"
BULK_PATH = "/api/v1/sms_messages/send_bulk"
STATUS_PATH = "/api/v1/sms_messages/status"
CREDITS_PATH = "/api/v1/account/sms_credits"
PHONE_FORMAT = re.compile(r"(?:09|639|\+639)\d{9}")
ID_CHARS = string.ascii_letters + string.digits

QUEUED = "SMS successfully queued for delivery."
BULK_QUEUED = (
    "Your bulk SMS messages have been successfully added to the queue and will be processed shortly."
)
ACCOUNT_FOUND = "Account found."
INVALID_TOKEN = "Invalid Token"
INAPPROPRIATE = "Your input contains inappropriate language."
ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>{code}</title></head>"
    "<body><h1>{code}</h1><p>We're sorry, but something went wrong.</p></body></html>"
)


class _Server(HTTPServer):
    def thread_target(self) -> None:
        # A short poll makes ``stop()`` quick; the default waits up to half a second.
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.02)


@dataclass(frozen=True)
class Received:
    """One request as it reached the fake, recorded before it is answered."""

    method: str
    path: str
    query_string: str
    query: dict[str, str]
    headers: dict[str, str]
    content_type: str
    body: bytes
    #: What the IPROG app sees: the query string with the JSON or form body over it.
    params: dict[str, Any]

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query_string}" if self.query_string else self.path

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Accepted:
    """A message the fake queued (and charged for)."""

    phone: str
    message: str
    message_id: str
    params: dict[str, Any]
    token_in_query: bool
    request: Received


class IPROGFake(OTPEndpoints):
    """The fake IPROG service; ``token`` is an account it knows, with ``credits``."""

    def __init__(self, *, credits: float = 100) -> None:
        self.token = secrets.token_hex(20)
        #: Balance (``load_balance``) of each known api_token.
        self.credits: dict[str, float] = {self.token: credits}
        self.requests: list[Received] = []
        self.outbox: list[Accepted] = []
        self.sms_rate: float = 1
        # Not documented by IPROG: the wording is a guess, so tests may change it.
        self.insufficient_credits_message = "Insufficient credits. Please load your account."
        # The content filter caught long multi-line texts; one line of ~200 chars passed.
        self.filter_min_lines = 4
        self.filter_min_length = 160
        #: How long a slow answer is held at most if the test never releases it.
        self.slow_limit = 5.0
        self._fault: Callable[[Received], Response] | None = None
        self._answer_lost: Callable[[Request, Response], Response] | None = None
        self._release = threading.Event()
        self._lock = threading.Lock()
        #: ``message_status`` the status endpoint reports, by message id ("pending" if absent).
        self.statuses: dict[str, str] = {}
        #: The status endpoint's answer for an id it never issued (IPROG's is unknown).
        self.unknown_id_answer: Any = {"status": 500, "message": "Message not found"}
        #: The credits endpoint's answer for an unknown token (IPROG's is unknown).
        self.credits_invalid_token_answer: Any = {"status": "error", "message": INVALID_TOKEN}
        self._unlistened: socket.socket | None = None
        self._server = _Server(host=HOST, port=0, threaded=True)
        routes = [
            (SEND_PATH, "POST", self._queue),
            (BULK_PATH, "POST", self._queue_bulk),
            (STATUS_PATH, "GET", self._status),
            (CREDITS_PATH, "GET", self._credits),
            *self.otp_routes(),
        ]
        for path, method, endpoint in routes:
            self._server.expect_request(path, method=method).respond_with_handler(
                self._serving(endpoint)
            )
        self._server.expect_request(re.compile(".*")).respond_with_handler(self._not_found)
        self.otp_init()

    # -- lifecycle --------------------------------------------------------

    def start(self) -> IPROGFake:
        self._server.start()
        return self

    def stop(self) -> None:
        """Release any held answer, stop serving, and re-raise errors of the fake itself."""
        self._release.set()
        if self._server.is_running():
            self._server.stop()
        if self._unlistened is not None:
            self._unlistened.close()
        self._server.check_handler_errors()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self._server.port}/api/v1"

    @property
    def refused_base_url(self) -> str:
        """A base URL on a port that is bound (so nothing else takes it) but not listening."""
        if self._unlistened is None:
            self._unlistened = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._unlistened.bind((HOST, 0))
        return f"http://{HOST}:{self._unlistened.getsockname()[1]}/api/v1"

    # -- test hooks -------------------------------------------------------

    def add_token(self, token: str, credits: float = 100) -> None:
        self.credits[token] = credits

    def answer_http_error(self, status: int = 502) -> None:
        """Answer every request with an HTML error page and this HTTP status."""
        page = ERROR_PAGE.format(code=status)
        self._fault = lambda received: Response(page, status=status, content_type="text/html")

    def answer_not_json(self) -> None:
        """Answer HTTP 200 with an HTML page, as a captive portal or maintenance page would."""
        page = "<html><body>Scheduled maintenance. Back soon.</body></html>"
        self._fault = lambda received: Response(page, status=200, content_type="text/html")

    def answer_with(self, body: Any, status: int = 200) -> None:
        """Answer every request with this JSON value, whatever was sent."""
        self._fault = lambda received: _json(body, status)

    def answer_raw(self, body: bytes, status: int = 200, content_type: str = "application/json") -> None:
        """Answer every request with these bytes (an empty body, truncated JSON, ...)."""
        self._fault = lambda received: Response(body, status=status, content_type=content_type)

    def redirect_to(self, location: str, status: int = 307) -> None:
        self._fault = lambda received: Response("", status=status, headers={"Location": location})

    def answer_slowly(self, *, partial: bool = False) -> None:
        """Queue sends as usual but hold each answer until ``release()`` (or ``slow_limit``).

        With ``partial`` the status line, headers and the first bytes of the body
        go out at once and only the rest is held.
        """
        self._answer_lost = self._hold_partly if partial else self._hold

    def hang_up(self, *, partial: bool = False) -> None:
        """Queue sends as usual, then close the connection before (or halfway into) the answer."""
        self._answer_lost = self._cut_partly if partial else self._cut

    def answer_dripping(self, interval: float = 0.1, *, headers: bool = False) -> None:
        """Answer as usual but one byte every ``interval`` seconds: the body only, or
        with ``headers`` the status line and headers too. No single read waits long,
        so only a deadline on the whole call ends it."""
        self._answer_lost = lambda request, answer: self._drip(request, answer, interval, headers)

    def set_status(self, message_id: str, status: str) -> None:
        self.statuses[message_id] = status

    def release(self) -> None:
        self._release.set()

    def heal(self) -> None:
        self._fault = None
        self._answer_lost = None

    # -- the API ----------------------------------------------------------

    def _receive(self, request: Request) -> Received:
        query = request.args.to_dict()
        params: dict[str, Any] = dict(query)
        content_type = request.mimetype
        body = request.get_data()
        if content_type == "application/json" and body:
            parsed = json.loads(body)  # a ValueError here becomes a 400 below
            if isinstance(parsed, dict):
                params.update(parsed)
        elif content_type == "application/x-www-form-urlencoded":
            params.update(request.form.to_dict())
        received = Received(
            method=request.method,
            path=request.path,
            query_string=request.query_string.decode("latin-1"),
            query=query,
            headers=dict(request.headers),
            content_type=request.content_type or "",
            body=body,
            params=params,
        )
        with self._lock:
            self.requests.append(received)
        return received

    def _not_found(self, request: Request) -> Response:
        try:
            self._receive(request)
        except ValueError:
            pass
        return Response(ERROR_PAGE.format(code=404), status=404, content_type="text/html")

    def _serving(self, endpoint: Callable[[Received], Response]) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            try:
                received = self._receive(request)
            except ValueError:  # Rails answers a body it cannot parse with 400
                return Response(ERROR_PAGE.format(code=400), status=400, content_type="text/html")
            if self._fault is not None:
                return self._fault(received)
            answer = endpoint(received)
            if self._answer_lost is not None:
                return self._answer_lost(request, answer)
            return answer

        return handler

    # -- answers that never arrive whole -----------------------------------

    def _hold(self, request: Request, answer: Response) -> Response:
        self._release.wait(self.slow_limit)
        return answer

    def _hold_partly(self, request: Request, answer: Response) -> Response:
        body = answer.get_data()

        def chunks():
            yield body[:10]
            self._release.wait(self.slow_limit)
            yield body[10:]

        return Response(chunks(), status=answer.status_code, content_type=answer.content_type)

    def _cut(self, request: Request, answer: Response) -> Response:
        _drop_connection(request)
        return Response("")

    def _cut_partly(self, request: Request, answer: Response) -> Response:
        body = answer.get_data()

        def chunks():
            yield body[:10]
            _drop_connection(request)

        return Response(chunks(), status=answer.status_code, content_type=answer.content_type)

    def _drip(self, request: Request, answer: Response, interval: float, headers: bool) -> Response:
        body = answer.get_data()
        if not headers:
            def chunks():
                for index in range(len(body)):
                    if self._release.wait(interval):
                        yield body[index:]
                        return
                    yield body[index:index + 1]

            return Response(chunks(), status=answer.status_code, content_type=answer.content_type)
        raw = (f"HTTP/1.1 {answer.status}\r\nContent-Type: {answer.content_type}\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
        sock = request.environ["werkzeug.socket"]
        try:
            for index in range(len(raw)):
                if self._release.wait(interval):
                    break
                sock.sendall(raw[index:index + 1])
        except OSError:
            pass  # the client gave up
        _drop_connection(request)
        return Response("")

    @staticmethod
    def _answer(body: Any, status: int = 200) -> Response:
        return _json(body, status)

    @staticmethod
    def _text(value: Any) -> str:
        return _text(value)

    @staticmethod
    def _phone_ok(phone: str) -> bool:
        return PHONE_FORMAT.fullmatch(phone) is not None

    def _token(self, received: Received) -> str | None:
        token = received.params.get("api_token")
        return token if isinstance(token, str) and token in self.credits else None

    def _queue(self, received: Received) -> Response:
        token = self._token(received)
        if token is None:
            return _json({"status": 500, "message": INVALID_TOKEN})
        params = received.params
        phone, message = _text(params.get("phone_number")), _text(params.get("message"))
        errors = self._refusals(phone, message)
        if errors:
            return _json({"status": 500, "message": errors})
        with self._lock:
            if self.credits[token] < self.sms_rate:
                return _json({"status": 500, "message": [self.insufficient_credits_message]})
            message_id = self._accept(token, phone, message, received)
        link = f"http://{HOST}:{self._server.port}{STATUS_PATH}?" + urlencode(
            {"api_token": token, "message_id": message_id}
        )
        return _json({
            "status": 200,
            "message": QUEUED,
            "message_id": message_id,
            "message_status_link": link,
            "message_status_request_mode": "GET",
            "sms_rate": self.sms_rate,
        })

    def _refusals(self, phone: str, message: str) -> list[str]:
        errors = _validation_errors(phone, message)
        if not errors and self._inappropriate(message):
            errors = [INAPPROPRIATE]
        return errors

    def _accept(self, token: str, phone: str, message: str, received: Received) -> str:
        """Charge ``token`` and queue one message; call with ``_lock`` held."""
        self.credits[token] -= self.sms_rate
        message_id = self._new_message_id()
        self.outbox.append(Accepted(
            phone=phone, message=message, message_id=message_id, params=received.params,
            token_in_query="api_token" in received.query, request=received,
        ))
        return message_id

    def _queue_bulk(self, received: Received) -> Response:
        token = self._token(received)
        if token is None:
            return _json({"status": 500, "message": INVALID_TOKEN})
        message = _text(received.params.get("message"))
        phones = [p.strip() for p in _text(received.params.get("phone_number")).split(",")]
        errors = sorted({e for phone in phones for e in self._refusals(phone, message)})
        if errors:
            return _json({"status": 500, "message": errors})
        with self._lock:
            if self.credits[token] < self.sms_rate * len(phones):
                return _json({"status": 500, "message": [self.insufficient_credits_message]})
            ids = [self._accept(token, phone, message, received) for phone in phones]
        return _json({"status": 200, "message": BULK_QUEUED, "message_ids": ",".join(ids)})

    def _status(self, received: Received) -> Response:
        token = self._token(received)
        if token is None:
            return _json({"status": 500, "message": INVALID_TOKEN})
        message_id = received.params.get("message_id")
        known = {sent.message_id for sent in self.outbox if sent.params.get("api_token") == token}
        if message_id not in known:
            return _json(self.unknown_id_answer)
        return _json({"status": 200, "message_status": self.statuses.get(message_id, "pending")})

    def _credits(self, received: Received) -> Response:
        token = self._token(received)
        if token is None:
            return _json(self.credits_invalid_token_answer)
        balance = self.credits[token]
        return _json({
            "status": "success",
            "message": ACCOUNT_FOUND,
            "data": {"load_balance": int(balance) if balance == int(balance) else balance},
        })

    def _inappropriate(self, message: str) -> bool:
        lines = message.splitlines()
        return len(lines) >= self.filter_min_lines and len(message) >= self.filter_min_length

    def _new_message_id(self) -> str:
        used = {sent.message_id for sent in self.outbox}
        while True:
            message_id = "iSms-" + "".join(secrets.choice(ID_CHARS) for _ in range(6))
            if message_id not in used:
                return message_id


def _drop_connection(request: Request) -> None:
    try:
        request.environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the client has gone already


def _text(value: Any) -> str:
    # Rails turns a JSON number into the string column's text.
    if isinstance(value, bool) or value is None:
        return ""
    return str(value) if isinstance(value, (str, int)) else ""


def _validation_errors(phone: str, message: str) -> list[str]:
    errors = []
    if not phone.strip():
        errors.append("Phone number can't be blank")
    elif not PHONE_FORMAT.fullmatch(phone):
        errors.append("Phone number is invalid")
    if not message.strip():
        errors.append("Message can't be blank")
    return errors


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json; charset=utf-8")
