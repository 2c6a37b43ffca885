"""IPROG's OTP mode (``POST {base}/otp/send_otp``): IPROG makes the code and
sends it under its OTP sender name.

IPROG answers with the code in clear (``data.otp_code``). It is handed to the
caller once, in a ``GeneratedCode`` that ``challenges`` hashes at once; it is
never stored, logged, put in an error or shown. Verification stays local, with
every limit of plain SMS: IPROG's ``verify_otp`` is never called. A message
without a code (a notice of a phone change, a test SMS) goes out as plain SMS.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.views.decorators.debug import sensitive_variables

from ..conf import app_settings
from ..exceptions import GatewayUnclear
from .base import SMS, GeneratedCode, SendResult
from .iprog import REFUSALS, IPROGSender

#: What IPROG replaces with its code in ``message``.
PLACEHOLDER = ":otp"


class IPROGOTPSender(IPROGSender):
    """Same options as ``IPROGSender``."""

    generates_code = True

    @sensitive_variables("payload", "body", "data", "otp", "message")
    def send(self, message: SMS) -> SendResult:
        if not message.code:
            return super().send(message)
        payload: dict[str, Any] = {
            "api_token": self.api_token,
            "phone_number": message.to.lstrip("+"),
            "message": message.body.replace(message.code, PLACEHOLDER),
            # IPROG counts whole minutes; ours may be shorter, never longer.
            "expires_in_minutes": max(1, math.ceil(app_settings.CODE_LIFETIME / 60)),
        }
        body = self._post("otp/send_otp", payload)
        data = body.get("data")
        otp = data.get("otp_code") if isinstance(data, dict) else None
        length = app_settings.CODE_LENGTH
        if body.get("status") == "success" and isinstance(otp, str):
            if re.fullmatch(rf"[0-9]{{{length}}}", otp):
                return GeneratedCode(code=otp)
            # Sent, most likely, but with a code our form cannot take.
            raise GatewayUnclear(f"IPROG's code is not {length} digits",
                                 status_code=200, response=self._scrub_body(body))
        if body.get("status") in REFUSALS:
            self._reject(body)
        raise GatewayUnclear(
            "IPROG's answer neither confirms nor refuses the SMS; it may have been queued",
            status_code=200, response=self._scrub_body(body),
        )

    def _scrub_body(self, body: dict[str, Any]) -> dict[str, Any]:
        # ``data`` holds the code and the text with the code in it.
        return super()._scrub_body({k: v for k, v in body.items() if k != "data"})
