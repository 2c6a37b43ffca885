"""Step-up: ask for a fresh code before a high-risk view (password change, payout).

    @step_up_required("payout", max_age=300)
    def payout(request): ...

    class PasswordChange(StepUpRequiredMixin, PasswordChangeView):
        step_up_purpose = "password_change"

The view runs only if a code sent for that very purpose was verified in this
session within ``max_age`` seconds (default ``SMS2FA_STEP_UP_MAX_AGE``); a login
code or a code for another purpose does not count.

``without_phone`` says what happens to a signed-in user who has no confirmed
phone: ``"enroll"`` (the default: the step-up page offers to add and confirm a
phone, then comes back), ``"allow"`` (the view runs: step-up only guards users
who have 2FA) or ``"refuse"`` (a 403 page that says why, with a way back).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from . import challenges, session
from .conf import app_settings
from .verification import _check_purpose


def is_stepped_up(request: HttpRequest, purpose: str, max_age: int | None = None) -> bool:
    """True if ``purpose`` was verified in this session, by its current user
    (password unchanged), within ``max_age`` seconds."""
    age = session.step_up_age(request.session, purpose, getattr(request, "user", None))
    limit = app_settings.STEP_UP_MAX_AGE if max_age is None else max_age
    return age is not None and 0 <= age <= limit


WITHOUT_PHONE_CHOICES = ("enroll", "allow", "refuse")


def _check_without_phone(without_phone: str) -> None:
    if without_phone not in WITHOUT_PHONE_CHOICES:
        raise ValueError(
            f"without_phone must be one of {WITHOUT_PHONE_CHOICES}, not {without_phone!r}"
        )


def step_up_response(
    request: HttpRequest, purpose: str, max_age: int | None, without_phone: str = "enroll"
) -> HttpResponse | None:
    """None if the request may go on; else the redirect to sign in or to step up
    (or, for a user without a phone and ``without_phone="refuse"``, a 403 page)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_stepped_up(request, purpose, max_age):
        return None
    if without_phone != "enroll" and challenges.confirmed_phone(request.user.pk) is None:
        if without_phone == "allow":
            return None
        return render(request, "sms2fa/step_up_refused.html", status=403)
    query = urlencode({"purpose": purpose, "next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse('sms2fa:step_up')}?{query}")


def step_up_required(
    purpose: str, max_age: int | None = None, without_phone: str = "enroll"
) -> Callable:
    _check_purpose(purpose, internal=False)
    _check_without_phone(without_phone)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refused = step_up_response(request, purpose, max_age, without_phone)
            return refused or view(request, *args, **kwargs)

        return wrapper

    return decorator


class StepUpRequiredMixin:
    step_up_purpose: str = ""
    step_up_max_age: int | None = None
    step_up_without_phone: str = "enroll"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _check_purpose(self.step_up_purpose, internal=False)
        _check_without_phone(self.step_up_without_phone)
        refused = step_up_response(
            request, self.step_up_purpose, self.step_up_max_age, self.step_up_without_phone
        )
        return refused or super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
