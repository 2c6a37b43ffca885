"""A client of the JSON API for tests, as a single-page app (``browser``: session
cookie, CSRF header) or a mobile app (``app``: token header, no cookies) would
use it. Every answer it gets is checked against the served OpenAPI document."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
from django.test import Client

from django_sms2fa.api.openapi import document

_DOC: dict[str, Any] = {}


def openapi() -> dict[str, Any]:
    if not _DOC:
        _DOC.update(document())
    return _DOC


def check_against_openapi(method: str, path: str, response: Any) -> dict[str, Any]:
    """The answer's JSON, after checking it (status, body, Retry-After) against the document."""
    doc = openapi()
    template = re.sub(r"/api/(browser|app)/", "/api/{client}/", path.split("?")[0])
    status = str(response.status_code)
    if method.lower() not in doc["paths"][template]:  # a method the endpoint does not take
        assert status == "405"
        operation = {"responses": {"405": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Answer"}}}}}}
    else:
        operation = doc["paths"][template][method.lower()]
    assert status in operation["responses"], f"{method} {template} answered undocumented {status}"
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator(
        {**schema, "components": doc["components"]}, format_checker=jsonschema.FormatChecker()
    ).validate(body)
    waits = [e["retry_after"] for e in body["errors"] if "retry_after" in e]
    if waits:
        assert response["Retry-After"] == str(waits[0])
    return body


class ApiClient:
    def __init__(self, kind: str, client: Client | None = None) -> None:
        self.kind = kind
        self.http = client or Client(enforce_csrf_checks=True)
        self.token: str | None = None
        self.last: Any = None

    def url(self, route: str) -> str:
        return f"/2fa/api/{self.kind}/v1/{route}"

    def request(self, method: str, route: str, data: Any = None, *, raw: bytes | None = None,
                headers: dict[str, str] | None = None, csrf: bool = True) -> dict[str, Any]:
        headers = dict(headers or {})
        if self.kind == "app" and self.token:
            headers.setdefault("X-Session-Token", self.token)
        if self.kind == "browser" and csrf and method != "GET":
            cookie = self.http.cookies.get("csrftoken")
            if cookie is None:
                self.request("GET", "auth/session")
                cookie = self.http.cookies["csrftoken"]
            headers["X-CSRFToken"] = cookie.value
        payload = raw if raw is not None else (json.dumps(data) if data is not None else "")
        kwargs: dict[str, Any] = {"headers": headers}
        if method != "GET":
            kwargs.update(data=payload, content_type="application/json")
        response = getattr(self.http, method.lower())(self.url(route), **kwargs)
        self.last = response
        if self.kind == "app":
            assert not response.cookies, "an app client's answer set a cookie"
        body = check_against_openapi(method, self.url(route), response)
        if self.kind == "app" and "session_token" in body:
            self.token = body["session_token"]
        body["status"] = response.status_code
        return body

    def get(self, route: str, **kw: Any) -> dict[str, Any]:
        return self.request("GET", route, **kw)

    def post(self, route: str, data: Any = None, **kw: Any) -> dict[str, Any]:
        return self.request("POST", route, data, **kw)

    def delete(self, route: str, **kw: Any) -> dict[str, Any]:
        return self.request("DELETE", route, **kw)


def codes(body: dict[str, Any]) -> list[str]:
    return [error["code"] for error in body["errors"]]
