"""The dashboard: the last 30 days at a glance, and what is left on the gateway account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .. import credits, stats
from ..conf import app_settings
from ..exceptions import (
    BudgetExhausted,
    CircuitOpen,
    RegionNotAllowed,
    ResendTooSoon,
    SendRateLimited,
)
from ..models import Challenge, SecurityEvent
from . import chart

DAYS = 30


def reason_labels() -> dict[str, str]:
    """What an operator reads for each refusal reason (the refusal's class name)."""
    return {
        ResendTooSoon.__name__: _("resend too soon"),
        SendRateLimited.__name__: _("rate limit"),
        BudgetExhausted.__name__: _("daily budget spent"),
        RegionNotAllowed.__name__: _("region not allowed"),
        CircuitOpen.__name__: _("gateway paused"),
        "SendRefused": _("other"),
    }


def dashboard_view(model_admin: Any) -> Callable[[HttpRequest], HttpResponse]:
    site = model_admin.admin_site

    def view(request: HttpRequest) -> HttpResponse:
        if not all(site._registry[m].has_view_permission(request)
                   for m in (Challenge, SecurityEvent)):
            raise PermissionDenied
        figures = stats.daily_figures(DAYS)
        budget = app_settings.DAILY_SMS_BUDGET
        labels = reason_labels()
        reasons = stats.reasons(figures)
        rows = [
            {"day": day, "refused": [day.refused.get(r, 0) for r in reasons]}
            for day in reversed(figures)
        ]
        context = {
            **site.each_context(request),
            "title": _("Two-factor dashboard"),
            "subtitle": None,
            "opts": model_admin.model._meta,
            "days": DAYS,
            "rows": rows,
            "reasons": [labels.get(r, r) for r in reasons],
            "totals": _totals(figures, reasons),
            "budget": budget,
            "chart": chart.build(figures, budget),
            "balance": credits.credit_balance(),
        }
        return TemplateResponse(request, "admin/sms2fa/dashboard.html", context)

    return view


def _totals(figures: list[stats.DayFigures], reasons: list[str]) -> dict[str, Any]:
    return {
        "sent": sum(d.sent for d in figures),
        "verified": sum(d.verified for d in figures),
        "wrong_codes": sum(d.wrong_codes for d in figures),
        "lockouts": sum(d.lockouts for d in figures),
        "refused": [sum(d.refused.get(r, 0) for d in figures) for r in reasons],
        "gateway_failures": sum(d.gateway_failures for d in figures),
        "spent": sum(d.spent or 0 for d in figures),
    }
