"""Step-up: ask for a fresh code before a high-risk view (password change, payout).

    @step_up_required("payout", max_age=300)
    def payout(request): ...

    class PasswordChange(StepUpRequiredMixin, PasswordChangeView):
        step_up_purpose = "password_change"

The view runs only if a code sent for that very purpose was verified in this
session within ``max_age`` seconds (default ``SMS2FA_STEP_UP_MAX_AGE``); a login
code or a code for another purpose does not count.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from . import session
from .conf import app_settings
from .verification import _check_purpose


def is_stepped_up(request: HttpRequest, purpose: str, max_age: int | None = None) -> bool:
    """True if ``purpose`` was verified in this session, by its current user
    (password unchanged), within ``max_age`` seconds."""
    age = session.step_up_age(request.session, purpose, getattr(request, "user", None))
    limit = app_settings.STEP_UP_MAX_AGE if max_age is None else max_age
    return age is not None and 0 <= age <= limit


def step_up_response(
    request: HttpRequest, purpose: str, max_age: int | None
) -> HttpResponse | None:
    """None if the request may go on; else the redirect to sign in or to step up."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_stepped_up(request, purpose, max_age):
        return None
    query = urlencode({"purpose": purpose, "next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse('sms2fa:step_up')}?{query}")


def step_up_required(purpose: str, max_age: int | None = None) -> Callable:
    _check_purpose(purpose, internal=False)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return step_up_response(request, purpose, max_age) or view(request, *args, **kwargs)

        return wrapper

    return decorator


class StepUpRequiredMixin:
    step_up_purpose: str = ""
    step_up_max_age: int | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _check_purpose(self.step_up_purpose, internal=False)
        refused = step_up_response(request, self.step_up_purpose, self.step_up_max_age)
        return refused or super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
