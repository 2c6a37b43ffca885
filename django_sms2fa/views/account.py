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

from .. import challenges, flash, recovery, verification
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
from . import messages, notices


@method_decorator(never_cache, name="dispatch")
class AccountView(LoginRequiredMixin, View):
    def next_url(self) -> str:
        """Where to go once the phone is confirmed: a safe ``next`` (a step-up page
        that sent the user here) or the settings page."""
        url = self.request.GET.get("next", "")
        return url if url and is_safe(self.request, url) else reverse("sms2fa:setup")

    def with_next(self, name: str) -> str:
        url = self.request.GET.get("next", "")
        if url and is_safe(self.request, url):
            return f"{reverse(name)}?{urlencode({'next': url})}"
        return reverse(name)


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
        return self.render_page(PhoneForm())

    def render_page(self, form: PhoneForm, error: str = "") -> HttpResponse:
        return render(self.request, "sms2fa/phone_add.html", {
            "phone_form": form, "error": error, "action": self.with_next("sms2fa:phone_add"),
            "cancel_url": self.next_url(),
        })

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PhoneForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        phone = prepare_phone(request.user, form.cleaned_data["phone_number"])
        try:
            verification.send_code(request, ENROLL, user=request.user, phone=phone, _internal=True)
        except SendError as error:
            return self.render_page(form, messages.for_send_error(error))
        return HttpResponseRedirect(self.with_next("sms2fa:phone_confirm"))


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
            return HttpResponseRedirect(self.with_next("sms2fa:phone_add"))
        error = error or flash.take(self.request.session, "phone_error", "")
        if not error and refused is not None:
            error = messages.for_refusal(refused)
        return render(self.request, self.template_name, {
            "action": self.with_next("sms2fa:phone_confirm"),
            "add_url": self.with_next("sms2fa:phone_add"),
            "code_error": "" if refused else flash.take(self.request.session, "code_error", ""),
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
                flash.put(request.session, "phone_error", messages.for_send_error(error))
            return HttpResponseRedirect(self.with_next("sms2fa:phone_confirm"))
        result = verification.check_code(request, ENROLL, request.POST.get("code", ""))
        if not result.ok:
            if result.outcome is Outcome.WRONG:
                flash.put(request.session, "code_error", messages.for_refusal(result))
                return HttpResponseRedirect(self.with_next("sms2fa:phone_confirm"))
            form = CodeForm(request.POST)
            form.is_valid()
            form.errors.pop("code", None)
            if result.outcome is Outcome.MALFORMED:
                form.add_error("code", messages.for_refusal(result))
            status = 429 if result.outcome is Outcome.RATE_LIMITED else 200
            return self.render_page(form=form, status=status)
        try:
            codes = confirm_new_phone(request, result.challenge)
        except PhoneReplaced:
            return self.render_page(error=_("This number was replaced; enter it again."))
        except PhoneConfirmedMeanwhile:
            return step_up_response(request, CHANGE_PHONE, None) or self.render_page()
        notices.confirm(request, _("Your phone number is confirmed."))
        if codes is not None:
            return notices.show_new_codes(request, codes, self.next_url())
        return HttpResponseRedirect(self.next_url())


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
        notices.confirm(request, _("Two-factor sign-in is off."))
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
        notices.confirm(request, _("New recovery codes created. The old ones no longer work."))
        return notices.show_new_codes(request, codes, reverse("sms2fa:setup"))


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ReauthView(AccountView):
    """Enter the password again before adding a first phone (``reauth.py``)."""

    template_name = "sms2fa/reauth.html"

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
