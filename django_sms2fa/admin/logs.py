"""The challenge and security event logs: read only, masked, fast at a million rows.

No date hierarchy: its year and month links read every row of the table. The
date filter (today, past 7 days, ...) narrows by the indexed ``created_at``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..admin_actions import ask_delivery_status
from ..models import Challenge, SecurityEvent
from .base import ReadOnlyAdmin
from .dashboard import dashboard_view
from .filters import PurposeFilter, StateFilter
from .links import changelist_url, unbroken, user_link

SEARCH_HELP = _("Part of a user name or e-mail, an IP address, or the last 4 digits of a "
                "phone number.")


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    change_list_template = "admin/sms2fa/change_list_with_dashboard.html"
    list_display = [
        "created_at", "user_status", "purpose", "phone_shown", "status_shown", "attempts",
        "delivery", "ip",
    ]
    list_filter = [StateFilter, PurposeFilter, "delivery", "created_at"]
    extra_lookups = ("user",)
    search_help_text = SEARCH_HELP
    list_select_related = ["user"]
    fields = readonly_fields = (
        "id", "user", "purpose", "phone_masked", "status_shown", "attempts", "failures",
        "max_attempts", "created_at", "expires_at", "verified_at",
        "ip", "user_agent", "delivery", "gateway_message_id", "gateway_error",
        "gateway_status", "gateway_status_at", "events_link",
    )
    actions = [ask_delivery_status]

    @admin.display(description=_("user"), ordering="user__username")
    def user_status(self, obj: Challenge) -> str:
        return user_link(obj.user)

    @admin.display(description=_("phone"))
    def phone_shown(self, obj: Challenge) -> str:
        return unbroken(obj.phone_masked)

    @admin.display(description=_("status"))
    def status_shown(self, obj: Challenge) -> str:
        return obj.shown_status

    @admin.display(description=_("security events"))
    def events_link(self, obj: Challenge) -> str:
        return format_html('<a href="{}">{}</a>',
                           changelist_url("securityevent", challenge__id__exact=obj.pk),
                           _("Events of this challenge"))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(dashboard_view(self))
        return [path("dashboard/", view, name="sms2fa_dashboard"), *super().get_urls()]


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    change_list_template = "admin/sms2fa/change_list_with_dashboard.html"
    list_display = ["created_at", "kind", "user_status", "phone_shown", "ip", "detail"]
    list_filter = ["kind", "created_at"]
    extra_lookups = ("user", "challenge")
    search_help_text = SEARCH_HELP
    list_select_related = ["user"]
    fields = readonly_fields = (
        "created_at", "kind", "user", "challenge", "phone_masked", "ip", "user_agent", "detail",
        "until",
    )

    @admin.display(description=_("user"), ordering="user__username")
    def user_status(self, obj: SecurityEvent) -> str:
        return user_link(obj.user)

    @admin.display(description=_("phone"))
    def phone_shown(self, obj: SecurityEvent) -> str:
        return unbroken(obj.phone_masked)

