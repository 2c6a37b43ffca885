"""Send through the IPROG SMS HTTP API (``POST {base}/sms_messages``).

IPROG answers most errors with HTTP 200 and ``{"status": 500, "message": ...}``
where ``message`` is a string or a list of strings, so success is judged from the
body alone: integer ``status`` 200 and a string ``message_id``. Only an explicit
refusal (a ``status`` of 500 or ``"error"``, or a 3xx/4xx) means "not sent";
any other answer may hide a queued SMS and raises ``GatewayUnclear``. A send is
never retried: IPROG has no idempotency key, so a retry after a timeout could
send (and bill) the SMS twice. The token travels in the JSON body of a send; the
status and credits GETs must put it in the query string, and those URLs are
never logged or quoted in an error.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from django.views.decorators.debug import sensitive_variables

from ..conf import app_settings
from ..exceptions import GatewayBadResponse, GatewayRejected, GatewayUnclear, SendError
from . import iprog_http
from .base import SMS, BaseSender, SendResult
from .iprog_http import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, TOKEN_IN_URL, message_text

#: ``status`` values by which IPROG refuses a request outright.
REFUSALS = (500, "500", "error")


class IPROGSender(BaseSender):
    """Options: ``timeout`` (connect, read) per socket operation, ``deadline``
    for a whole call in seconds, ``sms_provider`` (IPROG's 0, 1 or 2)."""

    options = frozenset({"timeout", "deadline", "sms_provider"})

    def __init__(
        self,
        *,
        timeout: float | tuple[float, float] | list[float] = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        sms_provider: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if isinstance(timeout, list):  # from JSON-like settings
            connect, read = timeout
            timeout = (connect, read)
        self.timeout = timeout
        self.deadline = float(deadline)
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
        body = self._post("sms_messages", payload)
        message_id = body.get("message_id")
        if body.get("status") == 200 and isinstance(message_id, str) and message_id.strip():
            return SendResult(message_id=message_id[:64])
        if body.get("status") in REFUSALS:
            self._reject(body)
        raise GatewayUnclear(
            "IPROG's answer neither confirms nor refuses the SMS; it may have been queued",
            status_code=200, response=self._scrub_body(body),
        )

    def credit_balance(self) -> Decimal:
        """The account's ``load_balance`` (``GET {base}/account/sms_credits``)."""
        body = self._get("account/sms_credits", {})
        data = body.get("data")
        balance = data.get("load_balance") if isinstance(data, dict) else None
        if body.get("status") != "success":
            self._reject(body)
        try:
            amount = Decimal(str(balance)) if _is_number(balance) else None
        except InvalidOperation:
            amount = None
        if amount is not None and amount.is_finite():
            return amount
        raise GatewayBadResponse("IPROG's credits answer has no load_balance",
                                 status_code=200, response=self._scrub_body(body))

    def message_status(self, message_id: str) -> str:
        """IPROG's ``message_status`` of a sent message, e.g. ``"pending"``,
        ``"completed"`` (handed to the carrier), ``"delivered"`` or ``"failed"``."""
        body = self._get("sms_messages/status", {"message_id": message_id})
        status = body.get("message_status")
        if body.get("status") == 200 and isinstance(status, str) and status.strip():
            return status.strip().lower()[:32]
        self._reject(body)

    # -- plumbing ---------------------------------------------------------

    @sensitive_variables("payload")
    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = iprog_http.call(
            "POST", f"{self.base_url}/{path}", json=payload,
            timeout=self.timeout, deadline=self.deadline,
        )
        return iprog_http.json_object(response, self._unclear)

    @sensitive_variables("params")
    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        params = {"api_token": self.api_token, **params}
        response = iprog_http.call(
            "GET", f"{self.base_url}/{path}", params=params,
            timeout=self.timeout, deadline=self.deadline,
        )
        return iprog_http.json_object(response, self._unclear)

    @staticmethod
    def _unclear(detail: str, status: int) -> SendError:
        return GatewayUnclear(detail, status_code=status)

    def _reject(self, body: dict[str, Any]) -> NoReturn:
        """Raise ``GatewayRejected`` with IPROG's reason, the token removed."""
        raise GatewayRejected(
            self._scrub(message_text(body.get("message"))) or "refused without a reason",
            status_code=200, response=self._scrub_body(body),
        )

    def _scrub(self, text: str) -> str:
        if self.api_token:
            text = text.replace(self.api_token, "[api_token]")
        return TOKEN_IN_URL.sub(r"\1[api_token]", text)[:255]

    def _scrub_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return {k: self._scrub(str(v)) for k, v in body.items() if k != "message_status_link"}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)
