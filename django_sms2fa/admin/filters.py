"""Changelist filters that stay cheap on a million rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import connections, router
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .. import clock
from ..models import Challenge

Status = Challenge.Status
EXPIRED = "expired"
#: A pending code past its end is shown as expired: nobody can enter it any more.
STATE_CHOICES = [
    (Status.PENDING.value, Status.PENDING.label),
    (EXPIRED, _("expired")),
    (Status.VERIFIED.value, Status.VERIFIED.label),
    (Status.FAILED.value, Status.FAILED.label),
    (Status.SUPERSEDED.value, Status.SUPERSEDED.label),
    (Status.CANCELLED.value, Status.CANCELLED.label),
]


class StateFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return STATE_CHOICES

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = self.value()
        if value == Status.PENDING:
            return queryset.filter(status=Status.PENDING, expires_at__gt=clock.now())
        if value == EXPIRED:
            return queryset.filter(status=Status.PENDING, expires_at__lte=clock.now())
        if value in Status.values:
            return queryset.filter(status=value)
        return None


class PurposeFilter(admin.SimpleListFilter):
    """The purposes in use, found by skipping through the purpose index one value
    at a time (a loose index scan): a ``DISTINCT`` would read every row."""

    title = _("purpose")
    parameter_name = "purpose"
    MAX = 50

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(p, p) for p in purposes_in_use(self.MAX)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        return queryset.filter(purpose=self.value()) if self.value() else None


def purposes_in_use(limit: int) -> list[str]:
    connection = connections[router.db_for_read(Challenge)]
    table = connection.ops.quote_name(Challenge._meta.db_table)
    sql = (
        f"WITH RECURSIVE p(purpose) AS ("  # noqa: S608  (the model's table name, quoted)
        f" SELECT MIN(purpose) FROM {table}"
        f" UNION ALL"
        f" SELECT (SELECT MIN(purpose) FROM {table} WHERE purpose > p.purpose)"
        f" FROM p WHERE p.purpose IS NOT NULL"
        f") SELECT purpose FROM p WHERE purpose IS NOT NULL LIMIT %s"
    )
    with connection.cursor() as cursor:
        # Only the model's own table name, quoted, is formatted into the SQL.
        cursor.execute(sql, [limit])  # noqa: S608
        return [row[0] for row in cursor.fetchall()]
