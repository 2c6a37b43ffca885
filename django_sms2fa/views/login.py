"""The second step of a login: enter the code (or a recovery code), ask for a new
one, enroll a phone when the policy requires one, or give up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .. import challenges, flash, recovery
from ..challenges import Outcome
from ..conf import app_settings
from ..enrollment import prepare_phone
from ..flow import (
    check_login_code,
    complete_login,
    finish_enrollment,
    known_state,
    login_verify_limited,
    pending_challenge,
    pending_user,
    resend_login_code,
    send_enrollment_code,
)
from ..forms import CodeForm, PhoneForm, RecoveryCodeForm
from ..pending import PendingLogin
from ..redirects import is_safe
from ..remember import remember_browser
from . import messages, notices


@method_decorator(
    [never_cache, sensitive_post_parameters("code", "recovery_code", "phone_number")],
    name="dispatch",
)
class PendingLoginView(View):
    """Base of the second-step views: only for a session with a pending login."""

    template_name = "sms2fa/verify.html"
    phase = "code"
    pending: PendingLogin
    user: Any  # the site's user model; None on a page rendered from the session
    #: A code POST reads its challenge with the user (one query for both).
    challenge: Any = None
    #: Its GET renders from the session alone: the POST that follows checks the user.
    get_from_session = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        pending = PendingLogin.load(request.session)
        if pending is None or not self.load_user(request, pending):
            PendingLogin.clear(request.session)
            return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))
        if self.pending.phase != self.phase:
            name = "sms2fa:verify" if self.pending.phase == "code" else "sms2fa:login_enroll"
            return HttpResponseRedirect(reverse(name))
        return super().dispatch(request, *args, **kwargs)

    def load_user(self, request: HttpRequest, pending: PendingLogin) -> bool:
        """Keep the pending login and its user; False if the user may no longer sign in."""
        self.pending, self.user = pending, None
        if request.method == "GET" and self.get_from_session:
            return True
        if request.method == "POST" and "code" in request.POST:
            self.challenge = pending_challenge(pending, with_user=True)
        self.user = pending_user(pending, self.challenge)
        return self.user is not None

    def context(
        self, form: CodeForm | None = None, error: str = "", *, from_session: bool = False
    ) -> dict[str, Any]:
        """What the page shows of the current code; ``from_session``: as far as
        the session knows, without a query (the GET after the password POST)."""
        if from_session:
            challenge: Any = self.pending.known_code()
            refused = known_state(self.pending)
        else:
            challenge = pending_challenge(self.pending)
            refused = challenges.state(challenge, self.pending.user_id)
        error = error or self.pending.notice
        code_error = "" if refused else flash.take(self.request.session, "code_error", "")
        # Before any code is sent, the enrollment page shows its phone form instead.
        if not error and refused is not None and (
            challenge is not None or refused.outcome is Outcome.LOCKED or self.phase == "code"
        ):
            error = messages.for_refusal(refused)
        return {
            "form": form or CodeForm(offer_remember=True),
            "code_error": code_error,
            "challenge": challenge,
            "phone_masked": challenge.phone_masked if challenge else "",
            "lifetime_minutes": max(1, app_settings.CODE_LIFETIME // 60),
            "error": error or messages.for_delivery(challenge),
            "can_verify": refused is None,
            "cooldown_left": self.pending.cooldown_left(),
            "can_resend": refused is None
            or refused.outcome in (Outcome.EXPIRED, Outcome.NOT_FOUND),
            # Spent or locked: the one way on is a new sign-in (a locked user waits first).
            "start_again": refused is not None and refused.outcome is Outcome.EXHAUSTED,
            "has_recovery_codes": self.pending.has_recovery_codes,
        }

    def render_step(self, status: int = 200, **kwargs: Any) -> HttpResponse:
        return render(self.request, self.template_name, self.context(**kwargs), status=status)

    def finish(self, next_url: str) -> str:
        """Complete the login; the validated ``next`` to go on to."""
        complete_login(self.request, self.pending, self.user)
        if not is_safe(self.request, next_url):
            next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
        return next_url

    def rate_limited(self) -> bool:
        return login_verify_limited(self.request, self.pending, self.user)


class VerifyView(PendingLoginView):
    get_from_session = True

    def get(self, request: HttpRequest) -> HttpResponse:
        # What every login goes through after its password POST: rendered from
        # the session alone; the code POST asks the database.
        return render(request, self.template_name, self.context(from_session=True))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CodeForm(request.POST, offer_remember=True)
        # Rate limit, challenge state and input format are all checked before
        # the code reaches argon2 (flow.check_login_code, shared with the JSON API).
        result = check_login_code(request, self.pending, self.user, request.POST.get("code", ""),
                                  self.challenge)
        if result.outcome is Outcome.RATE_LIMITED:
            return self.render_step(
                status=429, error=_("Too many attempts. Please wait a few minutes and try again.")
            )
        if result.outcome is Outcome.MALFORMED:
            form.is_valid()
            return self.render_step(form=form)
        if result.ok:
            form.is_valid()
            remember_phone = None
            if form.cleaned_data.get("remember"):
                remember_phone = challenges.confirmed_phone(self.user.pk)
            response = HttpResponseRedirect(self.finish(self.pending.next_url))
            notices.confirm(request, _("You are signed in."))
            if remember_phone is not None:
                remember_browser(response, request, self.user, remember_phone)
            return response
        if result.outcome is Outcome.WRONG:
            flash.put(request.session, "code_error", messages.for_refusal(result))
        # Post/redirect/get: a reload shows the new state and re-posts no code.
        return HttpResponseRedirect(reverse("sms2fa:verify"))


class ResendView(PendingLoginView):
    """Always answers with a redirect to the code page, which says what happened
    (the new code, the seconds left, a refusal kept in the pending login)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        # A refusal is kept in the pending login, a cooldown is counted down on
        # the code page: nothing to say here.
        resend_login_code(request, self.pending)
        return HttpResponseRedirect(reverse("sms2fa:verify"))


@method_decorator(never_cache, name="dispatch")
class CancelView(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        pending = PendingLogin.load(request.session)
        if pending is not None:
            challenges.cancel(user_id=pending.user_id, purpose=challenges.LOGIN,
                              nonce=pending.nonce)
        PendingLogin.clear(request.session)
        return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))


class RecoveryLoginView(PendingLoginView):
    """Sign in with a recovery code instead of the SMS code (a lost phone)."""

    template_name = "sms2fa/recovery_login.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": RecoveryCodeForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RecoveryCodeForm(request.POST)
        if self.rate_limited():
            error = _("Too many attempts. Please wait a few minutes and try again.")
            return render(request, self.template_name, {"form": form, "error": error}, status=429)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        result = recovery.redeem(self.user, form.cleaned_data["recovery_code"], request)
        if not result.ok:
            form.add_error("recovery_code", messages.for_recovery_failure(result))
            return render(request, self.template_name, {"form": form})
        next_url = self.finish(self.pending.next_url)
        query = urlencode({"next": next_url})
        return HttpResponseRedirect(f"{reverse('sms2fa:recovery_used')}?{query}")


class LoginEnrollView(PendingLoginView):
    """The policy requires a phone this user lacks: confirm one before the login ends."""

    template_name = "sms2fa/login_enroll.html"
    phase = "enroll"

    def enrolled_meanwhile(self) -> bool:
        """The user got a confirmed phone since the password step: this login may
        not replace it. It must start over, and then the phone gets the code."""
        return challenges.confirmed_phone(self.user.pk) is not None

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_enroll()

    def render_enroll(self, status: int = 200, **kwargs: Any) -> HttpResponse:
        context = self.context(form=kwargs.get("code_form"), error=kwargs.get("error", ""))
        context["phone_form"] = kwargs.get("phone_form") or PhoneForm()
        context["form"] = kwargs.get("code_form") or CodeForm()
        return render(self.request, self.template_name, context, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.enrolled_meanwhile():
            PendingLogin.clear(request.session)
            return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))
        if "phone_number" in request.POST:
            return self.send_to_new_phone()
        form = CodeForm(request.POST)
        result = check_login_code(request, self.pending, self.user, request.POST.get("code", ""),
                                  self.challenge)
        if result.outcome is Outcome.RATE_LIMITED:
            return self.render_enroll(
                status=429, error=_("Too many attempts. Please wait a few minutes and try again.")
            )
        challenge = result.challenge
        replaced = challenge is not None and challenge.phone is None
        if result.outcome is Outcome.NOT_FOUND and replaced:
            return self.render_enroll(error=_("This number was replaced; enter it again."))
        if result.outcome in (Outcome.MALFORMED, Outcome.WRONG):
            form.is_valid()
            if result.outcome is Outcome.WRONG:
                form.add_error("code", messages.for_refusal(result))
            return self.render_enroll(code_form=form)
        if not result.ok or challenge is None:
            return self.render_enroll()
        codes = finish_enrollment(request, self.pending, self.user, challenge)
        next_url = self.finish(self.pending.next_url)
        notices.confirm(request, _("Your phone is confirmed and you are signed in."))
        return notices.show_new_codes(request, codes, next_url)

    def send_to_new_phone(self) -> HttpResponse:
        phone_form = PhoneForm(self.request.POST)
        if not phone_form.is_valid():
            return self.render_enroll(phone_form=phone_form)
        wait = self.pending.cooldown_left()
        if wait:
            return self.render_enroll(
                status=429,
                phone_form=phone_form,
                error=messages.wait_seconds(wait),
            )
        phone = prepare_phone(self.user, phone_form.cleaned_data["phone_number"])
        error = send_enrollment_code(self.request, self.pending, self.user, phone)
        if error is not None:
            return self.render_enroll(error=messages.for_send_error(error))
        return HttpResponseRedirect(reverse("sms2fa:login_enroll"))
