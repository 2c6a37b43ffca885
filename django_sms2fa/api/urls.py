"""URL patterns of the JSON API, included by ``django_sms2fa.urls``: every
endpoint for both client kinds, ``.../api/browser/v1/...`` and ``.../api/app/v1/...``."""

from __future__ import annotations

from django.db import transaction
from django.urls import path, register_converter

from . import account, login, openapi


class ClientConverter:
    regex = "browser|app"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ClientConverter, "sms2fa_client")

# (path under api/<client>/v1/, view, URL name): openapi.py documents each.
ENDPOINTS = [
    ("auth/session", login.SessionView, "api_session"),
    ("auth/login", login.LoginView, "api_login"),
    ("auth/code", login.CodeView, "api_code"),
    ("auth/code/resend", login.ResendView, "api_resend"),
    ("auth/cancel", login.CancelView, "api_cancel"),
    ("auth/recovery", login.RecoveryView, "api_recovery"),
    ("auth/enroll/phone", login.EnrollPhoneView, "api_enroll_phone"),
    ("auth/enroll/code", login.EnrollCodeView, "api_enroll_code"),
    ("account/status", account.StatusView, "api_status"),
    ("account/phone", account.PhoneView, "api_phone"),
    ("account/phone/resend", account.PhoneResendView, "api_phone_resend"),
    ("account/phone/confirm", account.PhoneConfirmView, "api_phone_confirm"),
    ("account/recovery-codes", account.RecoveryCodesView, "api_recovery_codes"),
    ("account/step-up/send", account.StepUpSendView, "api_step_up_send"),
    ("account/step-up", account.StepUpView, "api_step_up"),
]

# Like the pages, each endpoint counts attempts in short transactions of its own.
urlpatterns = [
    path(f"api/<sms2fa_client:client>/v1/{route}",
         transaction.non_atomic_requests(view.as_view()), name=name)
    for route, view, name in ENDPOINTS
] + [path("api/openapi.json", openapi.OpenAPIView.as_view(), name="openapi")]
