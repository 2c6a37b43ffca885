"""Read a request's JSON body: bounded, typed, no unknown fields.

Whatever a client sends (malformed JSON, another type, a huge or deeply nested
body, fields nobody asked for) ends here as a 400 or 413 with a machine code,
never as a server error.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .replies import ApiError, bad_input

#: Bytes of JSON an endpoint reads at most; the longest real body is far below.
MAX_BODY = 4096


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def check_size(request: HttpRequest) -> None:
    """Refuse a declared length over ``MAX_BODY`` before anything reads the body
    (the CSRF check reads a form body)."""
    if _content_length(request) > MAX_BODY:
        raise ApiError(413, "too_large", _("The request body is too large."))


def read_json(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object ({} if empty), or ``ApiError``."""
    check_size(request)
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(413, "too_large", _("The request body is too large.")) from None
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", _("The request body is too large."))
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise bad_input(None, "invalid_json", _("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise bad_input(None, "invalid_json", _("The body must be a JSON object."))
    return data


def fields(
    data: dict[str, Any], spec: dict[str, type], required: tuple[str, ...]
) -> dict[str, Any]:
    """``data`` checked against ``spec`` (name -> str or bool): every problem at once."""
    errors = [
        {"code": "unknown_field", "field": name, "message": _("Unknown field.")}
        for name in data if name not in spec
    ]
    for name, kind in spec.items():
        if name not in data:
            if name in required:
                errors.append({"code": "required", "field": name,
                               "message": _("This field is required.")})
            continue
        value = data[name]
        # bool is an int in Python; JSON true must not pass for a string or a number.
        if type(value) is not kind:
            errors.append({"code": "invalid_type", "field": name,
                           "message": _("Expected %(type)s.") % {
                               "type": "a string" if kind is str else "true or false"}})
    if errors:
        error = ApiError(400, errors[0]["code"], errors[0]["message"], field=errors[0]["field"])
        error.more = errors[1:]
        raise error
    return data
