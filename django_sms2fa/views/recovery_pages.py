"""Pages that follow a recovery-code event: the new set, shown once, and the
count left after one was used. Both are GET pages reached by a redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from .. import flash, recovery
from ..conf import app_settings
from ..redirects import is_safe
from .notices import NEW_CODES


def _next_url(request: HttpRequest) -> str:
    url = request.GET.get("next", "")
    return url if url and is_safe(request, url) else resolve_url(settings.LOGIN_REDIRECT_URL)


@method_decorator(never_cache, name="dispatch")
class NewRecoveryCodesView(LoginRequiredMixin, View):
    """The codes just made, once; a reload says they were shown and makes none."""

    def get(self, request: HttpRequest) -> HttpResponse:
        codes = flash.take(request.session, NEW_CODES)
        return render(request, "sms2fa/recovery_codes.html", {
            "codes": codes if isinstance(codes, list) else None,
            "next_url": _next_url(request),
            "site_name": app_settings.SITE_NAME or request.get_host(),
        })


@method_decorator(never_cache, name="dispatch")
class RecoveryUsedView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "sms2fa/recovery_used.html", {
            "remaining": recovery.remaining(request.user.pk),
            "next_url": _next_url(request),
        })
