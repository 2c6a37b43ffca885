"""The second step of a login: enter the code, ask for a new one, or give up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import challenges, events
from .challenges import Outcome, Verification
from .conf import app_settings
from .exceptions import GatewayTimeout, SendError, SendRateLimited
from .flow import complete_login, login_challenge, pending_user, send_login_code
from .forms import CodeForm
from .limits import verify_limited
from .models import Challenge, SecurityEvent
from .pending import PendingLogin
from .redirects import is_safe


@method_decorator([never_cache, sensitive_post_parameters("code")], name="dispatch")
class PendingLoginView(View):
    """Base of the second-step views: only for a session with a pending login."""

    template_name = "sms2fa/verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.pending = PendingLogin.load(request.session)
        self.user = pending_user(self.pending) if self.pending is not None else None
        if self.pending is None or self.user is None:
            PendingLogin.clear(request.session)
            return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))
        return super().dispatch(request, *args, **kwargs)

    def render_step(
        self, form: CodeForm | None = None, *, error: str = "", status: int = 200
    ) -> HttpResponse:
        challenge = login_challenge(self.pending)
        refused = challenges.state(challenge, self.pending.user_id)
        context = {
            "form": form or CodeForm(),
            "challenge": challenge,
            "phone_masked": challenge.phone_masked if challenge else "",
            "lifetime_minutes": max(1, app_settings.CODE_LIFETIME // 60),
            "error": error or self.state_message(challenge, refused),
            "can_verify": refused is None,
            "cooldown_left": self.pending.cooldown_left(),
            "can_resend": refused is None or refused.outcome in (Outcome.EXPIRED, Outcome.NOT_FOUND),
        }
        return render(self.request, self.template_name, context, status=status)

    def state_message(self, challenge: Challenge | None, refused: Verification | None) -> str:
        if refused is not None and refused.outcome is Outcome.LOCKED:
            return locked_message(refused)
        if challenge is None:
            return _("No code has been sent yet. Request a code to continue.")
        if challenge.delivery == Challenge.Delivery.FAILED:
            return str(SendError.user_message)
        if challenge.delivery == Challenge.Delivery.UNKNOWN:
            return str(GatewayTimeout.user_message)
        if refused is None:
            return ""
        return {
            Outcome.EXPIRED: _("This code has expired. Request a new code."),
            Outcome.EXHAUSTED: _("Too many wrong codes. Cancel and sign in again."),
            Outcome.USED: _("This code has already been used. Sign in again."),
            Outcome.NOT_FOUND: _("This code is no longer valid. Request a new code."),
        }[refused.outcome]


def locked_message(verification: Verification) -> str:
    until = verification.locked_until
    return _(
        "Too many wrong codes. For your security, sign-in with a code is blocked "
        "until %(time)s UTC."
    ) % {"time": until.strftime("%H:%M") if until else ""}


class VerifyView(PendingLoginView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_step()

    def post(self, request: HttpRequest) -> HttpResponse:
        # Order matters: rate limit, challenge state and input format are all
        # checked before the code reaches argon2.
        if verify_limited(request, self.pending.user_id):
            events.record(SecurityEvent.Kind.VERIFY_RATE_LIMITED, user=self.user, request=request)
            return self.render_step(
                error=_("Too many attempts. Please wait a few minutes and try again."), status=429
            )
        challenge = login_challenge(self.pending)
        if challenges.state(challenge) is not None:
            return self.render_step()
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self.render_step(form)
        result = challenges.verify(challenge, form.cleaned_data["code"], request=request)
        if result.ok:
            next_url = self.pending.next_url
            complete_login(request, self.pending, self.user)
            if not is_safe(request, next_url):
                next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
            return HttpResponseRedirect(next_url)
        if result.outcome is Outcome.WRONG:
            form.add_error(
                "code",
                _("That code is not right. %(left)d attempt(s) left.") % {"left": result.attempts_left},
            )
            return self.render_step(form)
        return self.render_step()


class ResendView(PendingLoginView):
    def post(self, request: HttpRequest) -> HttpResponse:
        wait = self.pending.cooldown_left()
        if wait:
            return self.render_step(
                error=_("Please wait %(seconds)d seconds before requesting a new code.")
                % {"seconds": wait},
                status=429,
            )
        refused = challenges.state(login_challenge(self.pending), self.pending.user_id)
        if refused is not None and refused.outcome in (Outcome.LOCKED, Outcome.EXHAUSTED, Outcome.USED):
            return self.render_step()
        error = send_login_code(request, self.pending)
        if isinstance(error, SendRateLimited):
            return self.render_step(error=str(error.user_message), status=429)
        return HttpResponseRedirect(reverse("sms2fa:verify"))


class CancelView(PendingLoginView):
    def post(self, request: HttpRequest) -> HttpResponse:
        PendingLogin.clear(request.session)
        return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))
