"""The base of every endpoint: the two client kinds, the body, the answer's shape.

Browser clients use the session cookie; their unsafe requests must pass Django's
CSRF check (run here, so that a failure is answered in JSON). App clients never
use cookies: the request's cookies are set aside, and the session is the one
named by the ``X-Session-Token`` header, so switching to the app kind gains no
cookie's authority and needs no CSRF token.
"""

from __future__ import annotations

from typing import Any

from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables

from ..flow import pending_challenge
from ..middleware import SMS2FAMiddleware
from ..pending import PendingLogin
from . import body, tokens
from .replies import ApiError, Reply

_CSRF_META = ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE")


def _csrf_refused(request: HttpRequest) -> bool:
    checker = CsrfViewMiddleware(_unused)
    return checker.process_view(request, _unused, (), {}) is not None


def _save_session(request: HttpRequest, response: HttpResponse) -> None:
    """Save the session despite a 5xx: SessionMiddleware does not, but a 503 for
    an SMS that could not be sent still leaves the login waiting for its code."""
    carrier = HttpResponse()
    SessionMiddleware(_unused).process_response(request, carrier)
    for name, cookie in carrier.cookies.items():
        response.cookies[name] = cookie
    request.session.modified = False  # saved: nothing left for the middleware


def _unused(request: HttpRequest) -> HttpResponse:
    """Stands for the view in the CSRF check: one that is not exempt."""
    return HttpResponse()


def challenge_info(challenge: Any, resend_after: int = 0) -> dict[str, Any] | None:
    if challenge is None:
        return None
    return {
        "phone": challenge.phone_masked,
        "expires_at": challenge.expires_at.isoformat(),
        "attempts_left": max(0, challenge.max_attempts - challenge.attempts),
        "delivery": challenge.delivery,
        "resend_after": resend_after,
    }


def flow_state(request: HttpRequest) -> tuple[str, dict[str, Any] | None]:
    """Where the flow of this session stands, and its pending code if any."""
    if request.user.is_authenticated:
        return "authenticated", None
    pending = PendingLogin.load(request.session)
    if pending is None:
        return "unauthenticated", None
    state = "code_required" if pending.phase == "code" else "enroll_required"
    return state, challenge_info(pending_challenge(pending), pending.cooldown_left())


def _invalid_token(message: str = "") -> Reply:
    return Reply(401, errors=[{
        "code": "invalid_token", "field": None,
        "message": message or _("The session token is not valid. Sign in again."),
    }])


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class ApiView(View):
    """Subclasses define ``get``/``post``/``delete`` taking ``(request, data)`` and
    returning a ``Reply`` (or raising ``ApiError``); ``fields`` and ``required``
    describe the JSON body."""

    fields: dict[str, type] = {}
    required: tuple[str, ...] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.client = kwargs.pop("client")
        try:
            body.check_size(request)
        except ApiError as error:
            return self.respond(request, Reply(error.status, errors=[error.error]),
                                anonymous=True)
        if self.client == "app":
            return self.dispatch_app(request)
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and _csrf_refused(request):
            return self.respond(request, Reply(403, errors=[{
                "code": "csrf_failed", "field": None,
                "message": _("CSRF check failed: send the csrftoken cookie's value "
                             "in X-CSRFToken."),
            }]))
        if request.method == "GET":
            get_token(request)  # a browser client reads the CSRF cookie from any GET
        reply = self.run(request)
        response = self.respond(request, reply)
        if reply.on_response is not None:
            reply.on_response(response)
        if reply.status >= 500:
            _save_session(request, response)
        return response

    @sensitive_variables("token")
    def dispatch_app(self, request: HttpRequest) -> HttpResponse:
        token = request.META.get(tokens.HEADER, "")
        store = tokens.load(token) if token else tokens.empty()
        valid = store is not None and tokens.server_side()
        store = store if store is not None else tokens.empty()
        saved = (request.session, request.user, request.COOKIES,
                 {k: request.META[k] for k in _CSRF_META if k in request.META})
        # From here on this request has no cookies and no cookie session.
        request.session, request.COOKIES, request.user = store, {}, AnonymousUser()
        try:
            reply = self.run_app(request, store) if valid else _invalid_token()
            tokens.save(store)
            new_token = None
            if store.session_key is not None and store.token and store.token != token:
                new_token = store.token
            return self.respond(request, reply, session_token=new_token)
        except UpdateError:  # logged out by another request meanwhile
            request.session, request.user = tokens.empty(), AnonymousUser()
            return self.respond(request, _invalid_token())
        finally:
            request.session, request.user, request.COOKIES, csrf = saved
            # auth.login rotated a CSRF cookie that this client never gets.
            for key in _CSRF_META:
                request.META.pop(key, None)
            request.META.update(csrf)

    def run_app(self, request: HttpRequest, store: Any) -> Reply:
        request.user = auth.get_user(request)  # ends the session if the password changed
        if request.user.is_authenticated and not tokens.phone_unchanged(store, request.user.pk):
            store.flush()
            request.user = AnonymousUser()
            return _invalid_token(_("The phone of this account changed. Sign in again."))
        SMS2FAMiddleware(lambda r: HttpResponse()).refuse_unverified_session(request)
        return self.run(request)

    def run(self, request: HttpRequest) -> Reply:
        handler = getattr(self, (request.method or "").lower(), None)
        if request.method not in ("GET", "POST", "DELETE") or handler is None:
            allowed = [m.upper() for m in ("get", "post", "delete") if hasattr(self, m)]
            reply = Reply(405, errors=[{"code": "method_not_allowed", "field": None,
                                        "message": _("Method not allowed.")}])
            reply.data = {"allowed": allowed}
            return reply
        try:
            if request.method == "POST":
                data = body.fields(body.read_json(request), self.fields, self.required)
            else:  # GET and DELETE take no body
                data = body.fields(body.read_json(request), {}, ())
            return handler(request, data)
        except ApiError as error:
            return Reply(error.status, errors=[error.error, *error.more],
                         retry_after=error.retry_after)

    def respond(
        self, request: HttpRequest, reply: Reply, session_token: str | None = None,
        anonymous: bool = False,
    ) -> JsonResponse:
        """The answer; ``anonymous`` for one given before the session was looked at."""
        user = AnonymousUser() if anonymous else request.user
        state, challenge = ("unauthenticated", None) if anonymous else flow_state(request)
        content = {
            "state": state,
            "user": {"id": str(user.pk), "username": user.get_username()}
            if user.is_authenticated else None,
            "challenge": challenge,
            "errors": reply.errors,
            "data": reply.data,
        }
        if session_token is not None:
            content["session_token"] = session_token
        response = JsonResponse(content, status=reply.status)
        if reply.retry_after is not None:
            response["Retry-After"] = str(reply.retry_after)
        if reply.status == 405:
            response["Allow"] = ", ".join(reply.data.get("allowed", []))
        return response
