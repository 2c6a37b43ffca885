"""Template filters of django-sms2fa's pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def sms2fa_clock(seconds: int) -> str:
    """Seconds as m:ss, the form the live countdown keeps (no plural to agree with)."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
