"""The OpenAPI document: valid 3.1, served at ``sms2fa:openapi``, listing every
endpoint. (Every answer in the API tests is checked against it by ApiClient.)"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from openapi_spec_validator import validate

from django_sms2fa.api.urls import ENDPOINTS

pytestmark = pytest.mark.django_db


def served(client):
    response = client.get(reverse("sms2fa:openapi"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_document_is_valid_openapi_3_1(client):
    doc = served(client)
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_endpoint_is_listed_with_its_methods(client):
    doc = served(client)
    for route, view, name in ENDPOINTS:
        path = reverse(f"sms2fa:{name}", kwargs={"client": "browser"}).replace(
            "/browser/", "/{client}/")
        assert path in doc["paths"], route
        for method in ("get", "post", "delete"):
            assert (method in doc["paths"][path]) == hasattr(view, method)
    assert len(doc["paths"]) == len(ENDPOINTS)
    login = [p for p, item in doc["paths"].items() if "login" in p and "post" in item]
    assert login and "password" in json.dumps(doc["paths"][login[0]]["post"]["requestBody"])


def test_request_bodies_match_what_the_endpoints_take(client):
    doc = served(client)
    for _route, view, name in ENDPOINTS:
        if not hasattr(view, "post"):
            continue
        path = reverse(f"sms2fa:{name}", kwargs={"client": "app"}).replace("/app/", "/{client}/")
        schema = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert set(schema["properties"]) == set(view.fields)
        assert set(schema.get("required", [])) == set(view.required)
