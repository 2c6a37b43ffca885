"""Send through the IPROG SMS HTTP API (``POST {base}/sms_messages``).

IPROG answers most errors with HTTP 200 and ``{"status": 500, "message": ...}``
where ``message`` is a string or a list of strings, so success is judged from the
body alone: integer ``status`` 200 and a ``message_id``. A send is never retried:
IPROG has no idempotency key, so a retry after a timeout could send (and bill)
the SMS twice. The token travels only in the JSON body, never in a URL.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from django.views.decorators.debug import sensitive_variables
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from ..conf import app_settings
from ..exceptions import (
    GatewayBadResponse,
    GatewayRejected,
    GatewayTimeout,
    GatewayUnavailable,
    SendError,
)
from .base import SMS, BaseSender, SendResult

DEFAULT_TIMEOUT = (3.05, 10.0)  # (connect, read) seconds

_local = threading.local()


def _session() -> requests.Session:
    # One session per thread keeps TLS connections to IPROG alive between sends.
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


class IPROGSender(BaseSender):
    options = frozenset({"timeout", "sms_provider"})

    def __init__(
        self,
        *,
        timeout: float | tuple[float, float] | list[float] = DEFAULT_TIMEOUT,
        sms_provider: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if isinstance(timeout, list):  # from JSON-like settings
            connect, read = timeout
            timeout = (connect, read)
        self.timeout = timeout
        self.sms_provider = sms_provider
        self.api_token: str = app_settings.IPROG_API_TOKEN
        self.base_url: str = app_settings.IPROG_BASE_URL.rstrip("/")

    @sensitive_variables("payload")
    def send(self, message: SMS) -> SendResult:
        payload: dict[str, Any] = {
            "api_token": self.api_token,
            # IPROG's own form: country code without "+" (639171234567).
            "phone_number": message.to.lstrip("+"),
            "message": message.body,
        }
        if self.sms_provider is not None:
            payload["sms_provider"] = self.sms_provider
        body = self._post(f"{self.base_url}/sms_messages", payload)
        message_id = body.get("message_id")
        if body.get("status") == 200 and isinstance(message_id, str) and message_id:
            return SendResult(message_id=message_id[:64])
        raise GatewayRejected(
            self._scrub(_message_text(body.get("message"))) or "rejected without a reason",
            status_code=200,
            response=self._scrub_body(body),
        )

    @sensitive_variables("payload")
    def _post(self, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        # No redirects: a 307/308 would carry the token in the body to any host.
        try:
            response = _session().post(
                url, json=payload, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            failure = _failure(exc)
        else:
            return self._parse(response)
        # Raised outside the except block: the requests exception holds the
        # prepared request, token and all, and must not ride along as __context__.
        raise failure

    def _parse(self, response: requests.Response) -> dict[str, Any]:
        if response.status_code >= 500:
            raise GatewayUnavailable(
                f"IPROG answered HTTP {response.status_code}", status_code=response.status_code
            )
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            raise GatewayBadResponse(
                f"IPROG answered HTTP {response.status_code} without a JSON object",
                status_code=response.status_code,
            )
        return body

    def _scrub(self, text: str) -> str:
        if self.api_token:
            text = text.replace(self.api_token, "[api_token]")
        return text[:255]

    def _scrub_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return {k: self._scrub(str(v)) for k, v in body.items() if k != "message_status_link"}


def _failure(exc: requests.RequestException) -> SendError:
    """The SendError for a request that got no usable answer."""
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
        if isinstance(reason, ProtocolError):
            return GatewayTimeout("IPROG broke the connection before answering")
        return GatewayUnavailable("could not connect to IPROG")
    return GatewayUnavailable("request to IPROG failed")


def _message_text(message: Any) -> str:
    if isinstance(message, list):
        return "; ".join(str(part) for part in message)
    return "" if message is None else str(message)
