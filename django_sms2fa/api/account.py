"""The signed-in user's two-factor settings as JSON: status, phone, recovery
codes, and step-up for a purpose. The same rules as the account pages: a
changed phone, turning 2FA off and new recovery codes each need a fresh
step-up for their purpose first (403 ``step_up_required``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from .. import challenges, recovery, session, verification
from ..account import (
    CHANGE_PHONE,
    DISABLE,
    NEW_RECOVERY_CODES,
    PhoneConfirmedMeanwhile,
    PhoneReplaced,
    TwoFactorRequired,
    confirm_new_phone,
    turn_off,
)
from ..challenges import ENROLL, Outcome, Verification
from ..conf import app_settings
from ..decorators import is_stepped_up
from ..exceptions import NoPhone, SendError
from ..limits import verify_limited
from ..policy import requires_2fa
from ..reauth import TooManyAttempts, confirm_password, is_recently_authenticated
from . import tokens
from .base import ApiView, challenge_info
from .login import is_app, new_phone, redeem_recovery_code
from .replies import (
    ApiError,
    Reply,
    bad_input,
    for_refusal,
    for_send_error,
    not_authenticated,
    verify_rate_limited,
)


def step_up_required(purpose: str) -> ApiError:
    return ApiError(403, "step_up_required",
                    _("Confirm with a new code first (step-up)."), purpose=purpose)


def rebind(request: HttpRequest) -> None:
    """This session changed the phone itself: it stays signed in (others end)."""
    if is_app(request):
        tokens.bind_phone(request.session, request.user.pk)


def code_sent(request: HttpRequest, purpose: str, challenge: Any) -> Reply:
    return Reply(data={"challenge": challenge_info(
        challenge, verification.cooldown_left(request, purpose))})


def send(request: HttpRequest, purpose: str, **kwargs: Any) -> Reply:
    """``verification.send_code``, its errors as ``ApiError`` (a timeout is no error)."""
    try:
        challenge = verification.send_code(request, purpose, user=request.user, **kwargs)
    except NoPhone:
        raise ApiError(409, "no_phone", _("Add a phone number first.")) from None
    except SendError as error:
        if not error.may_have_been_sent:
            raise for_send_error(error) from None
        return code_sent(request, purpose, verification.current_challenge(request, purpose))
    return code_sent(request, purpose, challenge)


class AccountView(ApiView):
    def run(self, request: HttpRequest) -> Reply:
        if not request.user.is_authenticated:
            return Reply(401, errors=[not_authenticated().error])
        return super().run(request)


class StatusView(AccountView):
    def get(self, request: HttpRequest, data: dict) -> Reply:
        user = request.user
        phone = challenges.confirmed_phone(user.pk)
        return Reply(data={
            "enabled": phone is not None,
            "phone": phone.masked if phone is not None else None,
            "required": requires_2fa(user),
            "recovery_codes_left": recovery.remaining(user.pk),
        })


class PhoneView(AccountView):
    """Add or change the phone (POST: a code goes to the new number), or turn
    two-factor sign-in off (DELETE)."""

    fields = {"phone_number": str, "password": str}
    required = ("phone_number",)

    def post(self, request: HttpRequest, data: dict) -> Reply:
        user = request.user
        if challenges.confirmed_phone(user.pk):
            if not is_stepped_up(request, CHANGE_PHONE):
                raise step_up_required(CHANGE_PHONE)
        elif not is_recently_authenticated(request):
            # A first phone: the password again, as on the account pages (reauth.py).
            self.confirm_password(request, data.get("password", ""))
        phone = new_phone(user, data["phone_number"])
        return send(request, ENROLL, phone=phone, _internal=True)

    def confirm_password(self, request: HttpRequest, password: str) -> None:
        if not password:
            raise ApiError(403, "password_required",
                           _("Enter your password again to add a phone."), field="password")
        try:
            if not confirm_password(request, password):
                raise ApiError(403, "invalid_credentials", _("That is not your password."),
                               field="password")
        except TooManyAttempts:
            raise verify_rate_limited("password") from None

    def delete(self, request: HttpRequest, data: dict) -> Reply:
        if not is_stepped_up(request, DISABLE):
            raise step_up_required(DISABLE)
        try:
            turn_off(request)
        except TwoFactorRequired:
            raise ApiError(403, "two_factor_required",
                           _("Two-factor sign-in is required for your account.")) from None
        rebind(request)
        return Reply()


class PhoneResendView(AccountView):
    def post(self, request: HttpRequest, data: dict) -> Reply:
        challenge = verification.current_challenge(request, ENROLL)
        if challenge is None or challenge.phone is None:
            raise ApiError(409, "no_code", _("Enter the new number first."))
        return send(request, ENROLL, phone=challenge.phone, _internal=True)


class PhoneConfirmView(AccountView):
    fields = {"code": str}
    required = ("code",)

    @sensitive_variables("data")
    def post(self, request: HttpRequest, data: dict) -> Reply:
        result = verification.check_code(request, ENROLL, data["code"])
        if not result.ok:
            raise for_refusal(result)
        try:
            codes = confirm_new_phone(request, result.challenge)
        except PhoneReplaced:
            raise for_refusal(Verification(Outcome.NOT_FOUND)) from None
        except PhoneConfirmedMeanwhile:
            raise step_up_required(CHANGE_PHONE) from None
        rebind(request)
        return Reply(data={"recovery_codes": codes})


class RecoveryCodesView(AccountView):
    """A new set of recovery codes, replacing the old (shown in this answer only)."""

    def post(self, request: HttpRequest, data: dict) -> Reply:
        if not is_stepped_up(request, NEW_RECOVERY_CODES):
            raise step_up_required(NEW_RECOVERY_CODES)
        if challenges.confirmed_phone(request.user.pk) is None:
            raise ApiError(409, "no_phone", _("Add a phone number first."))
        codes = recovery.replace_codes(request.user, app_settings.RECOVERY_CODE_COUNT, request)
        return Reply(data={"recovery_codes": codes})


def _purpose(value: str) -> str:
    try:
        verification._check_purpose(value, internal=False)
    except ValueError:
        raise bad_input("purpose", "invalid_purpose", _("Unknown step-up purpose.")) from None
    return value


class StepUpSendView(AccountView):
    fields = {"purpose": str}
    required = ("purpose",)

    def post(self, request: HttpRequest, data: dict) -> Reply:
        return send(request, _purpose(data["purpose"]))


class StepUpView(AccountView):
    """A fresh code, or a recovery code, for a purpose: that purpose is stepped up."""

    fields = {"purpose": str, "code": str, "recovery_code": str}
    required = ("purpose",)

    @sensitive_variables("data")
    def post(self, request: HttpRequest, data: dict) -> Reply:
        purpose = _purpose(data["purpose"])
        if ("code" in data) == ("recovery_code" in data):
            raise bad_input("code", "required", _("Send either code or recovery_code."))
        if "code" in data:
            result = verification.check_code(request, purpose, data["code"])
            if not result.ok:
                raise for_refusal(result)
        else:
            self.use_recovery_code(request, purpose, data["recovery_code"])
        return Reply(data={"purpose": purpose, "valid_for": app_settings.STEP_UP_MAX_AGE})

    def use_recovery_code(self, request: HttpRequest, purpose: str, raw: str) -> None:
        if verify_limited(request, str(request.user.pk)):
            raise verify_rate_limited("recovery_code")
        redeem_recovery_code(request, request.user, raw)
        session.mark_step_up(request.session, purpose, request.user)
