"""The step-up page: a fresh code (or a recovery code) for one named purpose."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .. import challenges, flash, recovery, session, verification
from ..challenges import Outcome
from ..exceptions import NoPhone, SendError
from ..forms import CodeForm, RecoveryCodeForm
from ..limits import verify_limited
from ..redirects import is_safe
from . import messages, notices


@method_decorator(
    [never_cache, sensitive_post_parameters("code", "recovery_code")], name="dispatch"
)
class StepUpView(LoginRequiredMixin, View):
    template_name = "sms2fa/step_up.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.purpose = request.GET.get("purpose", "")
        try:
            verification._check_purpose(self.purpose, internal=False)
        except ValueError:
            return HttpResponseBadRequest(_("Unknown step-up purpose."))
        home = resolve_url(settings.LOGIN_REDIRECT_URL)
        next_url = request.GET.get("next", "")
        self.next_url = next_url if next_url and is_safe(request, next_url) else home
        self.back_url = self.where_from(request) or home
        self.query = urlencode({"purpose": self.purpose, "next": self.next_url,
                                "back": self.back_url})
        return super().dispatch(request, *args, **kwargs)

    def where_from(self, request: HttpRequest) -> str:
        """Where Cancel goes: the page the user came from (kept in ``back`` across
        this page's own posts), if it is on this site and is neither this page nor
        the protected one, which would only send the user back here."""
        url = request.GET.get("back") or request.META.get("HTTP_REFERER", "")
        if not url or not is_safe(request, url):
            return ""
        path = urlsplit(url).path
        if path in (request.path, urlsplit(self.next_url).path):
            return ""
        return url

    def again(self) -> HttpResponse:
        """Post/redirect/get back to this page, with its query."""
        return HttpResponseRedirect(f"{self.request.path}?{self.query}")

    def render_page(self, status: int = 200, error: str = "", **forms: Any) -> HttpResponse:
        challenge = verification.current_challenge(self.request, self.purpose)
        refused = challenges.state(challenge, self.request.user.pk)
        phone = challenges.confirmed_phone(self.request.user.pk)
        error = error or flash.take(self.request.session, "step_up_error", "")
        if not error and challenge is not None and refused is not None:
            error = messages.for_refusal(refused)
        context = {
            "purpose": self.purpose,
            "next_url": self.next_url,
            "back_url": self.back_url,
            "query": self.query,
            "add_phone_query": urlencode({"next": f"{self.request.path}?{self.query}"}),
            "code_error": "" if refused else flash.take(self.request.session, "code_error", ""),
            "phone": phone,
            "challenge": challenge,
            "can_verify": challenge is not None and refused is None,
            "error": error or messages.for_delivery(challenge),
            "cooldown_left": verification.cooldown_left(self.request, self.purpose),
            "form": forms.get("form") or CodeForm(),
            "recovery_form": forms.get("recovery_form") or RecoveryCodeForm(),
            "has_recovery_codes": recovery.remaining(self.request.user.pk) > 0,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page()

    def post(self, request: HttpRequest) -> HttpResponse:
        if "send" in request.POST:
            return self.send()
        if "recovery_code" in request.POST:
            return self.use_recovery_code()
        result = verification.check_code(request, self.purpose, request.POST.get("code", ""))
        if result.ok:
            return HttpResponseRedirect(self.next_url)
        if result.outcome is Outcome.MALFORMED:  # no attempt used: answer in place
            form = CodeForm(request.POST)
            form.is_valid()
            form.errors.pop("code", None)
            form.add_error("code", messages.for_refusal(result))
            return self.render_page(form=form)
        if result.outcome is Outcome.RATE_LIMITED:
            return self.render_page(status=429, error=messages.for_refusal(result))
        if result.outcome is Outcome.WRONG:
            flash.put(request.session, "code_error", messages.for_refusal(result))
        return self.again()

    def send(self) -> HttpResponse:
        try:
            verification.send_code(self.request, self.purpose, user=self.request.user)
        except NoPhone:
            pass  # the page offers to add one
        except SendError as error:
            flash.put(self.request.session, "step_up_error", messages.for_send_error(error))
        return self.again()

    def use_recovery_code(self) -> HttpResponse:
        user = self.request.user
        form = RecoveryCodeForm(self.request.POST)
        if verify_limited(self.request, str(user.pk)):
            refusal = challenges.Verification(Outcome.RATE_LIMITED)
            return self.render_page(status=429, error=messages.for_refusal(refusal))
        if not form.is_valid():
            return self.render_page(recovery_form=form)
        result = recovery.redeem(user, form.cleaned_data["recovery_code"], self.request)
        if not result.ok:
            form.add_error("recovery_code", messages.for_recovery_failure(result))
            return self.render_page(recovery_form=form)
        session.mark_step_up(self.request.session, self.purpose, user)
        if not notices.confirm(self.request, messages.recovery_codes_left(result.remaining)):
            query = urlencode({"next": self.next_url})
            return HttpResponseRedirect(f"{reverse('sms2fa:recovery_used')}?{query}")
        return HttpResponseRedirect(self.next_url)
