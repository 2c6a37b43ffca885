"""A section on the site's own user change page: the user's two-factor status.

Add it to the user admin a site registers::

    from django.contrib.auth.admin import UserAdmin
    from django_sms2fa.admin import SMS2FAUserAdminMixin

    class SiteUserAdmin(SMS2FAUserAdminMixin, UserAdmin):
        pass
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from .links import status_url
from .status import status_of

FIELD = "sms2fa_status"


class SMS2FAUserAdminMixin:
    """Adds a read-only "Two-factor authentication" section to the change page."""

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))  # type: ignore[misc]
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("Two-factor authentication"), {"fields": [FIELD]})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return [*fields, FIELD] if obj is not None else fields

    @admin.display(description=_("status"))
    def sms2fa_status(self, obj: Any) -> str:
        return render_to_string("admin/sms2fa/_status_summary.html",
                                {**status_of(obj), "status_url": status_url(obj.pk)})
