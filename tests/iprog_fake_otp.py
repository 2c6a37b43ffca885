"""The fake IPROG's OTP endpoints, ``POST /api/v1/otp/send_otp`` and ``verify_otp``.

As the team's IPROG notes (section 6) describe them: IPROG generates the code
(6 digits here, ``otp_length``), puts it in ``message`` where ``:otp`` stands (or
in its default text), keeps one code per number (a new send replaces the old),
and answers ``status: "success"`` with the code in ``data.otp_code``, or
``status: "error"``. The clock (``now``) and the next code (``next_otp``) can be
set by a test; ``verify_failure_http`` sets the HTTP status of a failed verify
(200 by default; IPROG's real one is unknown).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

OTP_SEND_PATH = "/api/v1/otp/send_otp"
OTP_VERIFY_PATH = "/api/v1/otp/verify_otp"
DEFAULT_OTP_MESSAGE = (
    "Your OTP code is :otp. It is valid for 5 minutes. Do not share this code with anyone."
)
OTP_SENT = "OTP sent successfully."
MANILA = timezone(timedelta(hours=8))


class OTPEndpoints:
    """Mixed into ``IPROGFake``; uses its tokens, credits, lock and outbox."""

    def otp_init(self) -> None:
        self.otp_length = 6
        #: The code the next send_otp generates, if a test wants to know it in advance.
        self.next_otp: str | None = None
        self.verify_failure_http = 200
        self.clock_offset = timedelta()
        #: Pending codes by number (last 10 digits): [code, expires_at, confirmed].
        self.otps: dict[str, list[Any]] = {}

    def otp_routes(self) -> list[tuple[str, str, Any]]:
        return [(OTP_SEND_PATH, "POST", self._send_otp), (OTP_VERIFY_PATH, "POST", self._verify_otp)]

    def now(self) -> datetime:
        return datetime.now(MANILA) + self.clock_offset

    def advance(self, seconds: float) -> None:
        self.clock_offset += timedelta(seconds=seconds)

    def _otp_error(self, message: str, status: int = 200) -> Any:
        return self._answer({"status": "error", "message": message}, status)

    def _send_otp(self, received: Any) -> Any:
        token = self._token(received)
        if token is None:
            return self._otp_error("Invalid token")
        params = received.params
        phone = self._text(params.get("phone_number"))
        if not self._phone_ok(phone):
            return self._otp_error(
                "Invalid phone number format. Philippine mobile numbers must be in format: "
                "09XXXXXXXXX or +639XXXXXXXXX (11 digits total)"
            )
        try:
            minutes = int(params.get("expires_in_minutes") or 5)
        except (TypeError, ValueError):
            return self._otp_error("Expires in minutes is not a number")
        template = self._text(params.get("message")) or DEFAULT_OTP_MESSAGE
        code = self.next_otp or "".join(secrets.choice("0123456789") for _ in range(self.otp_length))
        self.next_otp = None
        text = template.replace(":otp", code)
        expires_at = self.now() + timedelta(minutes=minutes)
        with self._lock:
            if self.credits[token] < self.sms_rate:
                return self._otp_error(self.insufficient_credits_message)
            self._accept(token, phone, text, received)
            self.otps[phone[-10:]] = [code, expires_at, False]
        return self._answer({
            "status": "success",
            "message": OTP_SENT,
            "data": {
                "otp_code": code,
                "otp_code_expires_at": expires_at.isoformat(timespec="milliseconds"),
                "otp_code_confirmed": False,
                "phone_number": phone,
                "message": text,
            },
        })

    def _verify_otp(self, received: Any) -> Any:
        if self._token(received) is None:
            return self._otp_error("Invalid token")
        phone = self._text(received.params.get("phone_number"))
        otp = self._text(received.params.get("otp"))
        failed = self.verify_failure_http
        with self._lock:
            pending = self.otps.get(phone[-10:]) if phone else None
            if pending is None:
                return self._otp_error("No OTP found for this phone number.", failed)
            code, expires_at, confirmed = pending
            if confirmed:
                return self._otp_error("OTP code has already been used.", failed)
            if self.now() >= expires_at:
                return self._otp_error("OTP code has expired.", failed)
            if not secrets.compare_digest(code, otp):
                return self._otp_error("Invalid OTP code.", failed)
            pending[2] = True
        return self._answer({"status": "success", "message": "OTP verified successfully."})
