"""A django-two-factor-auth SMS gateway that talks IPROG, like django-sms2fa's IPROGSender.

Same request (JSON {api_token, phone_number, message} to {base}/sms_messages),
same kind of keep-alive session per thread, same message text (the default
django-sms2fa template), so the gateway round trip costs both sites the same.
"""

import threading

import requests
from django.conf import settings

_local = threading.local()

MESSAGE = (
    "{code} is your Bench verification code. It expires in 5 min. "
    "Never share this code with anyone.\n\n@127.0.0.1 #{code}"
)


def _session():
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


class IPROGGateway:
    def send_sms(self, device, token):
        payload = {
            "api_token": settings.BENCH_IPROG_API_TOKEN,
            "phone_number": device.number.as_e164.lstrip("+"),
            "message": MESSAGE.format(code=token),
        }
        response = _session().post(
            settings.BENCH_IPROG_BASE_URL.rstrip("/") + "/sms_messages",
            json=payload,
            timeout=(3.05, 10.0),
        )
        body = response.json()
        if body.get("status") != 200 or not body.get("message_id"):
            raise RuntimeError(f"IPROG rejected the SMS: {body!r}")

    def make_call(self, device, token):
        raise NotImplementedError("the benchmark only sends SMS")
