"""The OpenAPI 3.1 document of the JSON API, built from the URL patterns and the
endpoints' body fields, so it cannot drift from them; served as JSON at
``sms2fa:openapi``. tests/test_api_openapi.py checks real answers against it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views import View

from .. import __version__
from .base import ApiView

STATES = ["unauthenticated", "code_required", "enroll_required", "authenticated"]
ERROR_CODES = [
    "invalid_json", "invalid_type", "required", "unknown_field", "too_large", "method_not_allowed",
    "csrf_failed", "invalid_token", "not_authenticated", "no_pending_login",
    "already_authenticated",
    "wrong_step", "login_refused", "invalid_credentials", "invalid_code", "invalid_format",
    "expired", "attempts_exhausted", "code_used", "no_code", "locked", "rate_limited",
    "resend_cooldown", "gateway_unavailable", "budget_exhausted", "service_unavailable",
    "region_not_allowed", "invalid_phone", "invalid_recovery_code", "invalid_purpose", "no_phone",
    "step_up_required", "two_factor_required", "password_required",
]
_STRING_LIST = {"type": "array", "items": {"type": "string"}}
_CHALLENGE_DATA = {"challenge": {"oneOf": [{"$ref": "#/components/schemas/Challenge"},
                                            {"type": "null"}]}}

# (URL name, method) -> summary, the properties of ``data`` in a 200, the other statuses.
OPERATIONS: dict[tuple[str, str], tuple[str, dict[str, Any], list[int]]] = {
    ("api_session", "get"): ("Where the flow stands (browser: also sets the CSRF cookie)", {}, []),
    ("api_session", "delete"): ("Sign out (app: the token is revoked) or give up", {}, []),
    ("api_login", "post"): (
        "Start a login: the password check, then the code is sent (state says what is next)",
        {}, [400, 409, 429, 503]),
    ("api_code", "post"): ("Enter the login code", {}, [400, 401, 409, 429]),
    ("api_resend", "post"): ("Send a new login code", {}, [400, 401, 409, 429, 503]),
    ("api_cancel", "post"): ("Give up the pending login", {}, []),
    ("api_recovery", "post"): ("Sign in with a recovery code instead of the SMS code",
                               {"recovery_codes_left": {"type": "integer"}}, [400, 401, 409, 429]),
    ("api_enroll_phone", "post"): ("Login-time enrollment: send a code to a new phone",
                                   {}, [400, 401, 409, 429, 503]),
    ("api_enroll_code", "post"): ("Login-time enrollment: confirm the phone and sign in",
                                  {"recovery_codes": _STRING_LIST}, [400, 401, 409, 429]),
    ("api_status", "get"): ("The account's two-factor status", {
        "enabled": {"type": "boolean"}, "phone": {"type": ["string", "null"]},
        "required": {"type": "boolean"}, "recovery_codes_left": {"type": "integer"}}, [401]),
    ("api_phone", "post"): ("Add or change the phone: a code goes to the new number",
                            _CHALLENGE_DATA, [400, 401, 403, 409, 429, 503]),
    ("api_phone", "delete"): ("Turn two-factor sign-in off (needs step-up 'disable')",
                              {}, [400, 401, 403]),
    ("api_phone_resend", "post"): ("Send the new phone's code again", _CHALLENGE_DATA,
                                   [400, 401, 409, 429, 503]),
    ("api_phone_confirm", "post"): ("Confirm the new phone with its code",
                                    {"recovery_codes": {"oneOf": [_STRING_LIST, {"type": "null"}]}},
                                    [400, 401, 403, 409, 429]),
    ("api_recovery_codes", "post"): ("New recovery codes (needs step-up 'recovery_codes')",
                                     {"recovery_codes": _STRING_LIST}, [400, 401, 403, 409]),
    ("api_step_up_send", "post"): ("Send a step-up code for a purpose", _CHALLENGE_DATA,
                                   [400, 401, 409, 429, 503]),
    ("api_step_up", "post"): ("Step up a purpose with its code or a recovery code",
                              {"purpose": {"type": "string"}, "valid_for": {"type": "integer"}},
                              [400, 401, 409, 429]),
}
# Every endpoint may answer these: a bad or unknown token (app), a failed CSRF
# check (browser), a body that is too large, a method it does not take.
COMMON_STATUSES = [400, 401, 403, 405, 413]

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["code", "message", "field"],
        "properties": {
            "code": {"enum": ERROR_CODES},
            "message": {"type": "string", "description": "For people; translated."},
            "field": {"type": ["string", "null"], "description": "The body field at fault."},
            "retry_after": {"type": "integer", "minimum": 0,
                            "description": "Seconds to wait (also the Retry-After header)."},
            "attempts_left": {"type": "integer", "minimum": 0},
            "purpose": {"type": "string", "description": "The step-up purpose needed."},
            "step": {"enum": STATES, "description": "The step the login is at."},
        },
        "additionalProperties": False,
    },
    "Challenge": {
        "type": "object",
        "description": "The code waiting to be entered.",
        "required": ["phone", "expires_at", "attempts_left", "delivery", "resend_after"],
        "properties": {
            "phone": {"type": "string", "description": "Masked number."},
            "expires_at": {"type": "string", "format": "date-time"},
            "attempts_left": {"type": "integer", "minimum": 0},
            "delivery": {"enum": ["sending", "sent", "failed", "unknown", "skipped"]},
            "resend_after": {"type": "integer", "minimum": 0,
                             "description": "Seconds before a new code may be asked for."},
        },
        "additionalProperties": False,
    },
    "User": {
        "type": "object",
        "required": ["id", "username"],
        "properties": {"id": {"type": "string"}, "username": {"type": "string"}},
        "additionalProperties": False,
    },
    "Answer": {
        "type": "object",
        "required": ["state", "user", "challenge", "errors", "data"],
        "properties": {
            "state": {"enum": STATES},
            "user": {"oneOf": [{"$ref": "#/components/schemas/User"}, {"type": "null"}]},
            "challenge": {"oneOf": [{"$ref": "#/components/schemas/Challenge"},
                                    {"type": "null"}]},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Error"}},
            "data": {"type": "object"},
            "session_token": {"type": "string", "description":
                              "App clients: the new token, whenever it changes."},
        },
        "additionalProperties": False,
    },
}


def _body(view: type[ApiView]) -> dict[str, Any]:
    properties = {name: {"type": "string" if kind is str else "boolean"}
                  for name, kind in view.fields.items()}
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if view.required:
        schema["required"] = list(view.required)
    return {"required": bool(view.required),
            "content": {"application/json": {"schema": schema}}}


def _answer(data: dict[str, Any] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"$ref": "#/components/schemas/Answer"}
    if data:
        schema = {"allOf": [schema, {"properties": {"data": {
            "type": "object", "required": list(data), "properties": data,
            "additionalProperties": False}}}]}
    return {"content": {"application/json": {"schema": schema}}}


def _operation(name: str, method: str, view: type[ApiView]) -> dict[str, Any]:
    summary, data, statuses = OPERATIONS[(name, method)]
    responses: dict[str, Any] = {"200": {"description": "Done", **_answer(data)}}
    for status in sorted(set(statuses + COMMON_STATUSES)):
        responses[str(status)] = {"description": "See errors[].code", **_answer()}
    operation = {"operationId": f"{name}_{method}", "summary": summary, "responses": responses,
                 "security": [{"sessionToken": []}, {"csrfToken": []}, {}]}
    if method == "post":
        operation["requestBody"] = _body(view)
    return operation


def document(request: HttpRequest | None = None) -> dict[str, Any]:
    from .urls import ENDPOINTS

    paths: dict[str, Any] = {}
    for _route, view, name in ENDPOINTS:
        url = reverse(f"sms2fa:{name}", kwargs={"client": "app"}).replace("/app/", "/{client}/", 1)
        item: dict[str, Any] = {"parameters": [{
            "name": "client", "in": "path", "required": True,
            "schema": {"enum": ["browser", "app"]},
            "description": "browser: session cookie + X-CSRFToken; app: X-Session-Token."}]}
        for method in ("get", "post", "delete"):
            if hasattr(view, method):
                item[method] = _operation(name, method, view)
        paths[url] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "django-sms2fa headless API", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "sessionToken": {"type": "apiKey", "in": "header", "name": "X-Session-Token"},
                "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }


class OpenAPIView(View):
    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse(document(request))
