"""What every sms2fa admin shares: read only, a bounded count, safe lookups and search."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.db.models.functions import Right
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext as _

#: Digits of a number the lists show (``phones.mask``): a search may use no more.
SHOWN_DIGITS = 4


class CappedPaginator(Paginator):
    """Counts at most ``CAP`` + 1 rows: an exact count of a million-row log costs a
    full scan on every page, and nobody pages past the first hundred pages."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):  # a count needs no order: spare the sort
            rows = rows.order_by()
        return rows[: self.CAP + 1].count()  # type: ignore[attr-defined]

    @property
    def capped(self) -> bool:
        return self.count > self.CAP


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete; filters by the offered lookups only; a search
    that never reveals more of a phone number than its mask shows."""

    #: Lookups allowed in the changelist URL besides the offered filters (links).
    extra_lookups: tuple[str, ...] = ()
    #: The field that holds the phone number (masked or not) for the digits search.
    phone_field = "phone_masked"
    #: The user a row belongs to, for a search by user name or e-mail.
    user_field = "user"
    MAX_USERS = 100
    #: Whether the model has an ``ip`` field searched for an IP address.
    has_ip = True
    search_fields = ["user__username"]  # shows the search box; see get_search_results
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = 50

    class Media:
        css = {"all": ("sms2fa/admin.css",)}

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Django allows any lookup on the model's own fields in the changelist
        # URL (?number__startswith=...), which would reveal full phone numbers
        # and hashes one prefix at a time. Only the offered filters may be used.
        field = lookup.split("__", 1)[0]
        if field in self.extra_lookups:
            # Links to one user's or one challenge's rows: by id, nothing else.
            return lookup in (f"{field}__id__exact", f"{field}__exact")
        return field in self._offered()

    def _offered(self) -> set[str]:
        offered: set[str] = set()
        for item in self.list_filter:
            if isinstance(item, str):
                offered.add(item)
            elif isinstance(item, tuple | list):
                offered.add(str(item[0]))
            else:  # a SimpleListFilter: its own parameter
                offered.add(str(getattr(item, "parameter_name", "")))
        return offered

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Each term narrows the list, by one indexed lookup chosen by its shape:
        up to four digits match the number's last digits, as the mask shows them;
        an IP address matches exactly; anything else matches users by name or
        e-mail (at most ``MAX_USERS`` of them)."""
        queryset = queryset.alias(last_digits=Right(self.phone_field, SHOWN_DIGITS))
        for term in smart_split(search_term):
            if term.startswith(('"', "'")) and term[0] == term[-1]:
                term = unescape_string_literal(term)
            queryset = queryset.filter(self._term_q(request, term))
        return queryset, False

    def _term_q(self, request: HttpRequest, term: str) -> Q:
        digits = term.lstrip("*")
        if digits.isascii() and digits.isdigit():
            if len(digits) > SHOWN_DIGITS:
                messages.warning(request, _(
                    "Phone numbers can be searched by their last %(count)d digits only, "
                    "as the lists show them."
                ) % {"count": SHOWN_DIGITS})
                return Q(pk__in=[])
            if len(digits) == SHOWN_DIGITS:
                return Q(last_digits=digits)
            return Q(last_digits__endswith=digits)
        if self.has_ip:
            try:
                return Q(ip=str(ipaddress.ip_address(term)))
            except ValueError:
                pass
        return Q(**{f"{self.user_field}__in": self._matching_users(request, term)})

    def _matching_users(self, request: HttpRequest, term: str) -> list[Any]:
        # Resolved first: an OR across the join would read every row of the log.
        user_model = get_user_model()
        names = {user_model.USERNAME_FIELD, user_model.get_email_field_name()}
        known = {f.name for f in user_model._meta.get_fields()}
        match = Q()
        for name in names & known:
            match |= Q(**{f"{name}__icontains": term})
        users = user_model._default_manager.filter(match)
        ids = list(users.order_by("pk").values_list("pk", flat=True)[: self.MAX_USERS + 1])
        if len(ids) > self.MAX_USERS:
            messages.warning(request, _(
                "More than %(count)d users match; only the first %(count)d are shown."
            ) % {"count": self.MAX_USERS})
        return ids[: self.MAX_USERS]
