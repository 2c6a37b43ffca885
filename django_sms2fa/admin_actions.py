"""Admin actions kept apart from ``admin.py`` so a site can add them to its own admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import delivery

#: Asking the gateway takes a request per message: keep one click bounded.
MAX_ASKED = 200


@admin.action(description=gettext_lazy("Ask the gateway for the delivery status"),
              permissions=["view"])
def ask_delivery_status(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    """Ask the SMS gateway what became of the selected challenges' messages."""
    chosen = list(queryset.exclude(gateway_message_id="").order_by("-created_at")[:MAX_ASKED])
    report = delivery.ask(chosen)
    found = ", ".join(f"{status}: {count}" for status, count in sorted(report.recorded.items()))
    modeladmin.message_user(
        request,
        _("Recorded the delivery status of %(count)d message(s). %(found)s")
        % {"count": sum(report.recorded.values()), "found": found},
        messages.SUCCESS,
    )
    if report.refused:
        modeladmin.message_user(
            request, _("The gateway refused to tell about %(count)d message(s).")
            % {"count": len(report.refused)}, messages.WARNING,
        )
    if report.stopped_by is not None:
        modeladmin.message_user(
            request, _("The gateway could not be asked: %(error)s")
            % {"error": report.stopped_by.detail}, messages.ERROR,
        )
