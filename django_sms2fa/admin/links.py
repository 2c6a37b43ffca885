"""Links between a user's status page, their phone, challenges and events."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString


def status_url(user_id: Any) -> str:
    return reverse("admin:sms2fa_user_status", args=[user_id])


def user_link(user: Any) -> SafeString | str:
    """The user's name, linked to their two-factor status page."""
    if user is None:
        return "-"
    return format_html('<a href="{}">{}</a>', status_url(user.pk), user.get_username())


def unbroken(text: str) -> SafeString:
    """Text kept on one line: a masked number must not wrap in its middle."""
    return format_html('<span class="sms2fa-nowrap">{}</span>', text)


def changelist_url(model: str, **lookups: Any) -> str:
    url = reverse(f"admin:sms2fa_{model}_changelist")
    return f"{url}?{urlencode(lookups)}" if lookups else url


def user_change_url(user: Any) -> str | None:
    """The user's own change page in the admin, if the site registers one."""
    opts = user._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[user.pk])
    except NoReverseMatch:
        return None
