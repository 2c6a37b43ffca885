"""Who must sign in with a code: ``SMS2FA_REQUIRED``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .conf import app_settings

CHOICES = ("none", "staff", "all")


def requires_2fa(user: Any) -> bool:
    """True if ``user`` may not sign in (or turn 2FA off) without a confirmed phone."""
    policy = app_settings.REQUIRED
    if policy not in CHOICES:
        raise ImproperlyConfigured(f"SMS2FA_REQUIRED must be one of {CHOICES}, not {policy!r}.")
    if policy == "all":
        return True
    if policy == "staff":
        return bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))
    return False
