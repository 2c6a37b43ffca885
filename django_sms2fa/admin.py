"""Read-only admin views of phones, challenges and security events.

Nothing here can be edited: an editable challenge or phone would let an admin
forge a verification. Phone numbers are shown masked; hashes never.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_actions import ask_delivery_status
from .enrollment import remove_phone
from .lockout import unlock
from .models import Challenge, Phone, SecurityEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Django allows any lookup on the model's own fields in the changelist
        # URL (?number__startswith=...), which would reveal full phone numbers
        # and hashes one prefix at a time. Only the offered filters may be used.
        offered = (f for f in self.list_filter if isinstance(f, str | tuple))
        allowed = {f if isinstance(f, str) else f[0] for f in offered}
        if self.date_hierarchy:
            allowed.add(self.date_hierarchy)
        return lookup.split("__", 1)[0] in allowed

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Phone)
class PhoneAdmin(ReadOnlyAdmin):
    """Phones can only be reset (removed, for a user who lost theirs): never
    added or edited here, which would let an admin forge a confirmed phone."""

    list_display = ["user", "masked", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email"]
    fields = readonly_fields = (
        "user", "masked", "confirmed", "created_at", "confirmed_at", "last_used_at"
    )
    list_select_related = ["user"]
    actions = ["reset_phones", "lift_lockouts"]

    @admin.display(description=_("number"))
    def masked(self, obj: Phone) -> str:
        return obj.masked

    def get_actions(self, request: HttpRequest, action_location: Any = None) -> dict[str, Any]:
        # Django 6.1 passes where the actions show (an ActionLocation) and warns
        # about overrides without the parameter; 5.2 and 6.0 take no such argument.
        extra = {} if action_location is None else {"action_location": action_location}
        actions = super().get_actions(request, **extra)
        actions.pop("delete_selected", None)
        if not request.user.has_perm("sms2fa.delete_phone"):
            actions.pop("reset_phones", None)
            actions.pop("lift_lockouts", None)
        return actions

    @admin.action(description=_("Reset: remove the phone and recovery codes (lost phone)"))
    def reset_phones(self, request: HttpRequest, queryset: QuerySet) -> None:
        users = {phone.user for phone in queryset.select_related("user")}
        for user in users:
            remove_phone(user, request, by=f"admin {request.user.get_username()}")
        self.message_user(request, ngettext(
            "Reset the phone of %(count)d user.", "Reset the phone of %(count)d users.", len(users)
        ) % {"count": len(users)}, messages.SUCCESS)

    @admin.action(description=_("Lift the lockout of these users"))
    def lift_lockouts(self, request: HttpRequest, queryset: QuerySet) -> None:
        users = {phone.user for phone in queryset.select_related("user")}
        for user in users:
            unlock(user, actor=f"admin {request.user.get_username()}")
        self.message_user(request, ngettext(
            "Lifted the lockout of %(count)d user.", "Lifted the lockout of %(count)d users.",
            len(users),
        ) % {"count": len(users)}, messages.SUCCESS)


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "user", "purpose", "phone_masked", "status", "attempts", "delivery", "ip",
    ]
    list_filter = ["status", "purpose", "delivery", "created_at"]
    search_fields = ["user__username", "user__email", "ip", "gateway_message_id"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = readonly_fields = (
        "id", "user", "purpose", "phone_masked", "status", "attempts", "failures",
        "max_attempts", "created_at", "expires_at", "verified_at",
        "ip", "user_agent", "delivery", "gateway_message_id", "gateway_error",
        "gateway_status", "gateway_status_at",
    )
    actions = [ask_delivery_status]


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "user", "phone_masked", "ip", "detail"]
    list_filter = ["kind", "created_at"]
    search_fields = ["user__username", "user__email", "ip", "detail"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = readonly_fields = (
        "created_at", "kind", "user", "challenge", "phone_masked", "ip", "user_agent", "detail"
    )
