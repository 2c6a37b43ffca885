"""One user's two-factor status on one page: phone, recovery codes, lockout,
remembered browsers, their latest challenges and events, and the actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .. import clock, recovery
from ..conf import app_settings
from ..lockout import locked_until
from ..models import Challenge, Phone, SecurityEvent
from .links import changelist_url, user_change_url

LATEST = 10


def status_of(user: Any) -> dict[str, Any]:
    """What an operator needs to know of ``user``'s two-factor sign-in."""
    phone = Phone.objects.filter(user=user, confirmed=True).with_last_use().first()
    unconfirmed = Phone.objects.filter(user=user, confirmed=False).first()
    return {
        "phone": phone,
        "unconfirmed": unconfirmed,
        "recovery_codes_left": recovery.remaining(user.pk),
        "locked_until": locked_until(user.pk),
        "remembered": remembered_browsers(user, phone),
        "remember_days": app_settings.REMEMBER_DAYS,
    }


def remembered_browsers(user: Any, phone: Phone | None) -> int | None:
    """At most how many browsers skip the code: those remembered within
    ``SMS2FA_REMEMBER_DAYS`` since the phone was confirmed. The cookies live in
    the browsers, so a count can only be an upper bound (a password change also
    forgets them, and leaves no log entry). None when the option is off."""
    days = app_settings.REMEMBER_DAYS
    if not days:
        return None
    if phone is None:
        return 0
    since = clock.now() - timedelta(days=days)
    if phone.confirmed_at is not None and phone.confirmed_at > since:
        since = phone.confirmed_at
    return SecurityEvent.objects.filter(
        user=user, kind=SecurityEvent.Kind.BROWSER_REMEMBERED, created_at__gte=since
    ).count()


def status_view(model_admin: Any) -> Callable[..., HttpResponse]:
    site = model_admin.admin_site

    def view(request: HttpRequest, user_id: str) -> HttpResponse:
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get(pk=user_id)
        except (user_model.DoesNotExist, ValueError, TypeError):
            raise Http404(_("No such user.")) from None
        challenges = Challenge.objects.filter(user=user)[:LATEST]
        context = {
            **site.each_context(request),
            "title": _("Two-factor status of %(user)s") % {"user": user.get_username()},
            "subtitle": None,
            "opts": model_admin.model._meta,
            "the_user": user,
            "user_change_url": user_change_url(user),
            **status_of(user),
            "challenges": challenges,
            "events": SecurityEvent.objects.filter(user=user)[:LATEST],
            "challenges_url": changelist_url("challenge", user__id__exact=user.pk),
            "events_url": changelist_url("securityevent", user__id__exact=user.pk),
            "phone_changelist_url": changelist_url("phone"),
            "can_act": request.user.has_perm("sms2fa.delete_phone"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/sms2fa/user_status.html", context)

    return view
