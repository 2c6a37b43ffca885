"""SMS2FAMiddleware: no session counts as signed in until its code is verified."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .api.tokens import CLIENT_KEY as APP_CLIENT_KEY
from .atomic import atomic_aliases, run_atomic_view, view_hooks_after
from .backends import carry_over_model_backend
from .challenges import confirmed_phone
from .exceptions import SecondStepRequired
from .flow import begin_second_step
from .pending import mark_verified, phone_changed_since, verified_user_id
from .policy import requires_2fa
from .receivers import defer_new_session_key, strip_login


class SMS2FAMiddleware:
    """Place after ``AuthenticationMiddleware``.

    On each request it refuses an authenticated session that did not pass the
    second step (for example one made by the test client's ``login()`` or before
    the app was installed) if its user has a confirmed phone; and it turns the
    ``SecondStepRequired`` raised inside ``login()`` into the second step.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.sms2fa_protected = True  # type: ignore[attr-defined]
        if request.session.get(APP_CLIENT_KEY) == "app":
            # An app client's token session, named by its stored key in a cookie:
            # a token session is only ever reached through its token.
            request.session = type(request.session)()
            request.user = AnonymousUser()
        carry_over_model_backend(request)
        defer_new_session_key(request)
        self.refuse_unverified_session(request)
        return self.get_response(request)

    def refuse_unverified_session(self, request: HttpRequest) -> None:
        session = request.session
        user_id = session.get(SESSION_KEY)
        if user_id is None:
            return
        user = request.user
        if not user.is_authenticated:
            return
        if verified_user_id(session) == user_id:
            if phone_changed_since(session, user):
                # As Django does for a password changed elsewhere: this session ends.
                session.flush()
                request.user = AnonymousUser()
            return
        if confirmed_phone(user_id) is not None or requires_2fa(user):
            strip_login(request)
            return
        mark_verified(session, user, via="no-phone")

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse],
        args: tuple[Any, ...], kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        """Under ``ATOMIC_REQUESTS``, run the view so that a held login commits
        its transaction instead of rolling it back (see ``atomic.py``)."""
        aliases = atomic_aliases(view)
        if not aliases or view_hooks_after(SMS2FAMiddleware):
            return None
        outcome = run_atomic_view(request, view, aliases, args, kwargs)
        if isinstance(outcome, SecondStepRequired):
            return self.process_exception(request, outcome)
        return outcome

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SecondStepRequired):
            return None
        pending, _error = begin_second_step(request, exception)  # the code page shows it
        if pending is not None and pending.phase == "enroll":
            return HttpResponseRedirect(reverse("sms2fa:login_enroll"))
        # A redirect, never the code page itself: the password POST must not stay
        # in the browser's history, where Back and a resubmit would replay it.
        return HttpResponseRedirect(reverse("sms2fa:verify"))
