"""Phones: reset (a lost phone, after a confirmation page) and lift a lockout.

Phones are never added or edited here: that would let an admin forge a
confirmed phone. Each action is recorded in the security log with its actor.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import display_for_value
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..enrollment import remove_phone
from ..lockout import locked_until, unlock
from ..models import Phone
from .base import ReadOnlyAdmin
from .links import unbroken, user_link
from .status import status_view


def actor(request: HttpRequest) -> str:
    return f"admin {request.user.get_username()}"


@admin.register(Phone)
class PhoneAdmin(ReadOnlyAdmin):
    list_display = ["user_status", "masked", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    phone_field = "number"
    has_ip = False
    search_help_text = gettext_lazy("User name or e-mail, or the last 4 digits of the number.")
    fields = readonly_fields = (
        "user", "masked", "confirmed", "created_at", "confirmed_at", "last_used_at"
    )
    list_select_related = ["user"]
    actions = ["reset_phones", "lift_lockouts"]

    @admin.display(description=gettext_lazy("user"), ordering="user__username")
    def user_status(self, obj: Phone) -> str:
        return user_link(obj.user)

    @admin.display(description=gettext_lazy("number"))
    def masked(self, obj: Phone) -> str:
        return unbroken(obj.masked)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_last_use()  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("last used"), ordering="last_used_at")
    def last_used_at(self, obj: Phone) -> str:
        # As the admin shows a model's own date field, on the list and the detail page.
        return display_for_value(obj.last_used_at,  # type: ignore[attr-defined]
                                 self.get_empty_value_display())

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

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(status_view(self))
        return [path("status/<str:user_id>/", view, name="sms2fa_user_status"),
                *super().get_urls()]

    @admin.action(
        description=gettext_lazy("Reset: remove the phone and recovery codes (lost phone)")
    )
    def reset_phones(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        phones = list(queryset.select_related("user"))
        users = list({phone.user_id: phone.user for phone in phones}.values())
        if request.POST.get("post") != "yes":
            return self._confirm_reset(request, phones, len(users))
        for user in users:
            remove_phone(user, request, by=actor(request))
        self.message_user(request, ngettext(
            "Reset the phone of %(count)d user.", "Reset the phone of %(count)d users.",
            len(users),
        ) % {"count": len(users)}, messages.SUCCESS)
        return None

    def _confirm_reset(self, request: HttpRequest, phones: list[Phone], users: int) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": _("Are you sure?"),
            "subtitle": None,
            "opts": self.model._meta,
            "phones": phones,
            "users": users,
            "queryset_pks": [phone.pk for phone in phones],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/sms2fa/phone/reset_confirmation.html", context)

    @admin.action(description=gettext_lazy("Lift the lockout of these users"))
    def lift_lockouts(self, request: HttpRequest, queryset: QuerySet) -> None:
        users = {phone.user_id: phone.user for phone in queryset.select_related("user")}
        locked = [user for user in users.values() if locked_until(user.pk) is not None]
        for user in locked:
            unlock(user, actor=actor(request), request=request)
        if locked:
            self.message_user(request, ngettext(
                "Lifted the lockout of %(count)d user.", "Lifted the lockout of %(count)d users.",
                len(locked),
            ) % {"count": len(locked)}, messages.SUCCESS)
        not_locked = len(users) - len(locked)
        if not_locked:
            self.message_user(request, ngettext(
                "%(count)d selected user was not locked out.",
                "%(count)d selected users were not locked out.", not_locked,
            ) % {"count": not_locked}, messages.INFO)
