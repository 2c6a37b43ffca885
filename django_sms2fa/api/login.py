"""The second step of a login as JSON: start with the password, then the code,
a new code, a recovery code, the enrollment the policy may require, or cancel.

Each endpoint calls what the pages call (``flow``, ``recovery``, ``enrollment``):
the limits, lockout, budget, log and signals are theirs.
"""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from django.contrib import auth
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from .. import challenges, recovery
from ..challenges import Verification
from ..conf import app_settings
from ..enrollment import prepare_phone
from ..exceptions import LimitsUnavailable, ResendTooSoon, SecondStepRequired
from ..flow import (
    begin_second_step,
    check_login_code,
    complete_login,
    finish_enrollment,
    login_verify_limited,
    pending_user,
    resend_login_code,
    send_enrollment_code,
)
from ..limits import password_limited
from ..models import Challenge
from ..pending import PendingLogin
from ..phones import InvalidPhoneNumber
from ..remember import remember_browser
from . import tokens
from .base import ApiView
from .replies import (
    ApiError,
    Reply,
    bad_input,
    for_refusal,
    for_send_error,
    locked,
    no_pending_login,
    send_outcome,
    verify_rate_limited,
)


def pending_for(request: HttpRequest, phase: str) -> tuple[PendingLogin, Any]:
    """The pending login of this session and its user, in ``phase``; else ``ApiError``."""
    pending = PendingLogin.load(request.session)
    user = pending_user(pending) if pending is not None else None
    if pending is None or user is None:
        PendingLogin.clear(request.session)
        raise no_pending_login()
    if pending.phase != phase:
        expected = "code_required" if pending.phase == "code" else "enroll_required"
        raise ApiError(409, "wrong_step", _("This sign-in is at another step."), step=expected)
    return pending, user


@sensitive_variables("raw", "code")
def redeem_recovery_code(request: HttpRequest, user: Any, raw: str) -> int:
    """Use a recovery code of ``user`` (rate limit already counted); the codes left."""
    try:
        code = recovery.normalise(raw)
    except recovery.InvalidRecoveryCode:
        raise bad_input("recovery_code", "invalid_format",
                        _("Enter one of your recovery codes, like abcd-efgh-jkmn.")) from None
    result = recovery.redeem(user, code, request)
    if result.locked_until is not None:
        raise locked(result.locked_until, "recovery_code")
    if not result.ok:
        raise bad_input("recovery_code", "invalid_recovery_code",
                        _("That recovery code is not valid."))
    return result.remaining


def new_phone(user: Any, raw: str) -> Any:
    """``enrollment.prepare_phone``, a bad number as a 400 ``invalid_phone``."""
    try:
        return prepare_phone(user, raw)
    except InvalidPhoneNumber as exc:
        raise bad_input("phone_number", "invalid_phone", str(exc)) from None


def is_app(request: HttpRequest) -> bool:
    return isinstance(request.session, tokens.store_class())


def signed_in(request: HttpRequest) -> None:
    """After ``complete_login``: an app client's token session becomes a full one."""
    if is_app(request):
        tokens.signed_in(request.session)
        tokens.bind_phone(request.session, request.user.pk)


class SessionView(ApiView):
    """Where the flow stands (GET); sign out or give up (DELETE)."""

    def get(self, request: HttpRequest, data: dict) -> Reply:
        return Reply()

    def delete(self, request: HttpRequest, data: dict) -> Reply:
        auth.logout(request)  # deletes an app client's token session
        return Reply()


class LoginView(ApiView):
    """The password check; then the code goes out, as after the login page."""

    fields = {"username": str, "password": str}
    required = ("username", "password")

    @sensitive_variables("data")
    def post(self, request: HttpRequest, data: dict) -> Reply:
        if request.user.is_authenticated:
            raise ApiError(409, "already_authenticated", _("You are already signed in."))
        # This endpoint is the package's own password form: it must not be an
        # unlimited password-guessing oracle (users without a phone have no code).
        try:
            limited = password_limited(request, data["username"])
        except LimitsUnavailable as down:  # no password is checked without limits
            raise for_send_error(down) from None
        if limited:
            raise verify_rate_limited("password")
        form = AuthenticationForm(request, data=data)
        if not form.is_valid():
            raise ApiError(400, "invalid_credentials", _(
                "Please enter a correct username and password. Note that both fields may be "
                "case-sensitive."))
        if is_app(request):
            tokens.start(request.session)
        try:
            auth.login(request, form.get_user())
        except SecondStepRequired as held:
            pending, error = begin_second_step(request, held)
            if pending is None:
                raise no_pending_login() from None
            send_outcome(error)
            return Reply()
        if not request.user.is_authenticated:  # no SMS2FAMiddleware: the login was refused
            raise ApiError(403, "login_refused", _("Sign-in is not possible right now."))
        signed_in(request)
        return Reply()


class CodeView(ApiView):
    """Enter the code from the SMS; ``remember`` (browser clients, when
    ``SMS2FA_REMEMBER_DAYS`` is set) skips the code on this browser next time."""

    fields = {"code": str, "remember": bool}
    required = ("code",)

    @sensitive_variables("data")
    def post(self, request: HttpRequest, data: dict) -> Reply:
        pending, user = pending_for(request, "code")
        result = check_login_code(request, pending, user, data["code"])
        if not result.ok:
            raise for_refusal(result)
        phone = challenges.confirmed_phone(user.pk)
        complete_login(request, pending, user)
        signed_in(request)
        reply = Reply()
        if data.get("remember") and app_settings.REMEMBER_DAYS and phone and not is_app(request):
            reply.on_response = partial(remember_browser, request=request, user=user, phone=phone)
        return reply


class ResendView(ApiView):
    """Ask for a new code (after the cooldown)."""

    def post(self, request: HttpRequest, data: dict) -> Reply:
        pending, _user = pending_for(request, "code")
        outcome = resend_login_code(request, pending)
        if isinstance(outcome, Verification):
            raise for_refusal(outcome)
        if PendingLogin.load(request.session) is None:  # user or phone gone meanwhile
            raise no_pending_login()
        send_outcome(outcome)
        return Reply()


class CancelView(ApiView):
    def post(self, request: HttpRequest, data: dict) -> Reply:
        PendingLogin.clear(request.session)
        return Reply()


class RecoveryView(ApiView):
    """Sign in with a recovery code instead of the SMS code (a lost phone)."""

    fields = {"recovery_code": str}
    required = ("recovery_code",)

    @sensitive_variables("data", "code")
    def post(self, request: HttpRequest, data: dict) -> Reply:
        pending, user = pending_for(request, "code")
        if login_verify_limited(request, pending, user):
            raise verify_rate_limited("recovery_code")
        left = redeem_recovery_code(request, user, data["recovery_code"])
        complete_login(request, pending, user)
        signed_in(request)
        return Reply(data={"recovery_codes_left": left})


class EnrollPhoneView(ApiView):
    """The policy requires a phone this user lacks: send a code to the number given."""

    fields = {"phone_number": str}
    required = ("phone_number",)

    def post(self, request: HttpRequest, data: dict) -> Reply:
        pending, user = enrolling(request)
        wait = pending.cooldown_left()
        if wait:
            raise for_send_error(ResendTooSoon(wait))
        phone = new_phone(user, data["phone_number"])
        send_outcome(send_enrollment_code(request, pending, user, phone))
        return Reply()


class EnrollCodeView(ApiView):
    """The code sent to the new phone: it is confirmed and the login completes."""

    fields = {"code": str}
    required = ("code",)

    @sensitive_variables("data")
    def post(self, request: HttpRequest, data: dict) -> Reply:
        pending, user = enrolling(request)
        result = check_login_code(request, pending, user, data["code"])
        if not result.ok:
            raise for_refusal(result)
        codes = finish_enrollment(request, pending, user, cast(Challenge, result.challenge))
        complete_login(request, pending, user)
        signed_in(request)
        return Reply(data={"recovery_codes": codes})


def enrolling(request: HttpRequest) -> tuple[PendingLogin, Any]:
    pending, user = pending_for(request, "enroll")
    if challenges.confirmed_phone(user.pk) is not None:
        # A phone was confirmed since the password step: this login may not
        # replace it. Start over, and that phone gets the code.
        PendingLogin.clear(request.session)
        raise no_pending_login()
    return pending, user


__all__ = [
    "CancelView", "CodeView", "EnrollCodeView", "EnrollPhoneView", "LoginView",
    "RecoveryView", "ResendView", "SessionView",
]
