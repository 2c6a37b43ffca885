"""The signed-in user's own pages: their phone, recovery codes, 2FA on and off."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .. import challenges, recovery, verification
from ..account import (
    CHANGE_PHONE,
    DISABLE,
    NEW_RECOVERY_CODES,
    PhoneReplaced,
    TwoFactorRequired,
    confirm_new_phone,
    turn_off,
)
from ..challenges import ENROLL, Outcome
from ..conf import app_settings
from ..decorators import StepUpRequiredMixin, step_up_response
from ..enrollment import PhoneConfirmedMeanwhile, prepare_phone
from ..exceptions import SendError
from ..forms import CodeForm, PasswordForm, PhoneForm
from ..policy import requires_2fa
from ..reauth import TooManyAttempts, confirm_password, is_recently_authenticated
from ..redirects import is_safe
from . import messages


@method_decorator(never_cache, name="dispatch")
class AccountView(LoginRequiredMixin, View):
    pass


class SetupView(AccountView):
    """Where a user sees and manages their two-factor sign-in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        return render(request, "sms2fa/setup.html", {
            "phone": challenges.confirmed_phone(user.pk),
            "recovery_codes_left": recovery.remaining(user.pk),
            "required": requires_2fa(user),
            "phone_form": PhoneForm(),
        })


@method_decorator(sensitive_post_parameters("phone_number"), name="dispatch")
class PhoneAddView(AccountView):
    """Enter a (new) number; changing an existing one needs a fresh code first."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and challenges.confirmed_phone(request.user.pk):
            refused = step_up_response(request, CHANGE_PHONE, None)
            if refused is not None:
                return refused
        elif request.user.is_authenticated and not is_recently_authenticated(request):
            # No phone to send a code to: the password again, as for a password change.
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('sms2fa:reauth')}?{query}")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "sms2fa/phone_add.html", {"phone_form": PhoneForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PhoneForm(request.POST)
        if not form.is_valid():
            return render(request, "sms2fa/phone_add.html", {"phone_form": form})
        phone = prepare_phone(request.user, form.cleaned_data["phone_number"])
        try:
            verification.send_code(request, ENROLL, user=request.user, phone=phone, _internal=True)
        except SendError as error:
            return render(request, "sms2fa/phone_add.html",
                          {"phone_form": form, "error": messages.for_send_error(error)})
        return HttpResponseRedirect(reverse("sms2fa:phone_confirm"))


@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class PhoneConfirmView(AccountView):
    """Enter the code sent to the new number; only then is it confirmed."""

    template_name = "sms2fa/phone_confirm.html"

    def render_page(
        self, form: CodeForm | None = None, error: str = "", status: int = 200
    ) -> HttpResponse:
        challenge = verification.current_challenge(self.request, ENROLL)
        refused = challenges.state(challenge, self.request.user.pk)
        if challenge is None:
            return HttpResponseRedirect(reverse("sms2fa:phone_add"))
        if not error and refused is not None:
            error = messages.for_refusal(refused)
        return render(self.request, self.template_name, {
            "form": form or CodeForm(),
            "challenge": challenge,
            "phone_masked": challenge.phone_masked,
            "can_verify": refused is None,
            "error": error or messages.for_delivery(challenge),
            "cooldown_left": verification.cooldown_left(self.request, ENROLL),
        }, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page()

    def post(self, request: HttpRequest) -> HttpResponse:
        challenge = verification.current_challenge(request, ENROLL)
        if "resend" in request.POST and challenge is not None and challenge.phone is not None:
            try:
                verification.send_code(request, ENROLL, user=request.user, phone=challenge.phone,
                                       _internal=True)
            except SendError as error:
                return self.render_page(error=messages.for_send_error(error))
            return HttpResponseRedirect(reverse("sms2fa:phone_confirm"))
        result = verification.check_code(request, ENROLL, request.POST.get("code", ""))
        if not result.ok:
            form = CodeForm(request.POST)
            form.is_valid()
            form.errors.pop("code", None)
            if result.outcome in (Outcome.WRONG, Outcome.MALFORMED):
                form.add_error("code", messages.for_refusal(result))
            status = 429 if result.outcome is Outcome.RATE_LIMITED else 200
            return self.render_page(form=form, status=status)
        try:
            codes = confirm_new_phone(request, result.challenge)
        except PhoneReplaced:
            return self.render_page(error=_("This number was replaced; enter it again."))
        except PhoneConfirmedMeanwhile:
            return step_up_response(request, CHANGE_PHONE, None) or self.render_page()
        if codes is not None:
            return render(request, "sms2fa/recovery_codes.html",
                          {"codes": codes, "next_url": reverse("sms2fa:setup")})
        return HttpResponseRedirect(reverse("sms2fa:setup"))


class DisableView(StepUpRequiredMixin, AccountView):
    """Turn two-factor sign-in off (needs a fresh code or a recovery code)."""

    step_up_purpose = DISABLE

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "sms2fa/confirm.html", {
            "title": _("Turn off two-factor sign-in"),
            "text": _("Your phone and recovery codes will be removed. Signing in will "
                      "need only your password."),
            "button": _("Turn off"),
        })

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            turn_off(request)
        except TwoFactorRequired:
            return render(request, "sms2fa/setup.html", {
                "phone": challenges.confirmed_phone(request.user.pk),
                "recovery_codes_left": recovery.remaining(request.user.pk),
                "required": True,
                "error": _("Two-factor sign-in is required for your account."),
            }, status=403)
        return HttpResponseRedirect(reverse("sms2fa:setup"))


class RecoveryCodesView(StepUpRequiredMixin, AccountView):
    """Replace the recovery codes with a new set, shown once."""

    step_up_purpose = NEW_RECOVERY_CODES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "sms2fa/confirm.html", {
            "title": _("New recovery codes"),
            "text": _("A new set replaces your current codes, which stop working."),
            "button": _("Create new codes"),
        })

    def post(self, request: HttpRequest) -> HttpResponse:
        if challenges.confirmed_phone(request.user.pk) is None:
            return HttpResponseRedirect(reverse("sms2fa:setup"))
        codes = recovery.replace_codes(request.user, app_settings.RECOVERY_CODE_COUNT, request)
        return render(request, "sms2fa/recovery_codes.html",
                      {"codes": codes, "next_url": reverse("sms2fa:setup")})


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ReauthView(AccountView):
    """Enter the password again before adding a first phone (``reauth.py``)."""

    template_name = "sms2fa/reauth.html"

    def next_url(self) -> str:
        next_url = self.request.GET.get("next", "")
        return next_url if next_url and is_safe(self.request, next_url) else reverse("sms2fa:setup")

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {"form": PasswordForm(), "next_url": self.next_url()}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PasswordForm(request.POST)
        context = {"form": form, "next_url": self.next_url()}
        if form.is_valid():
            try:
                if confirm_password(request, form.cleaned_data["password"]):
                    return HttpResponseRedirect(self.next_url())
                form.add_error("password", _("That is not your password."))
            except TooManyAttempts:
                context["error"] = _("Too many attempts. Please wait a few minutes and try again.")
                return render(request, self.template_name, context, status=429)
        return render(request, self.template_name, context)
