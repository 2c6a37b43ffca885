"""Read-only admin views of phones, challenges and security events.

Nothing here can be edited: an editable challenge or phone would let an admin
forge a verification. Phone numbers are shown masked; hashes never.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Challenge, Phone, SecurityEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Phone)
class PhoneAdmin(ReadOnlyAdmin):
    list_display = ["user", "masked", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email"]
    fields = ["user", "masked", "confirmed", "created_at", "confirmed_at", "last_used_at"]
    readonly_fields = fields
    list_select_related = ["user"]

    @admin.display(description="number")
    def masked(self, obj: Phone) -> str:
        return obj.masked


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "user", "purpose", "phone_masked", "status", "attempts", "delivery", "ip",
    ]
    list_filter = ["status", "purpose", "delivery", "created_at"]
    search_fields = ["user__username", "user__email", "ip", "gateway_message_id"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = [
        "id", "user", "purpose", "phone_masked", "status", "attempts", "failures",
        "max_attempts", "created_at", "expires_at", "verified_at",
        "ip", "user_agent", "delivery", "gateway_message_id", "gateway_error",
    ]
    readonly_fields = fields


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "user", "phone_masked", "ip", "detail"]
    list_filter = ["kind", "created_at"]
    search_fields = ["user__username", "user__email", "ip", "detail"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = ["created_at", "kind", "user", "challenge", "phone_masked", "ip", "user_agent", "detail"]
    readonly_fields = fields
