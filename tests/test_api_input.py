"""Whatever a client sends, the answer is a documented 4xx, never a server error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .api_client import codes
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROUTES = ["auth/login", "auth/code", "auth/code/resend", "auth/cancel", "auth/recovery",
          "auth/enroll/phone", "auth/enroll/code", "account/phone", "account/phone/confirm",
          "account/phone/resend", "account/recovery-codes", "account/step-up/send",
          "account/step-up"]


@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe", b"[1, 2]", b'"code"', b"null", b"12",
                                 b"[" * 5000 + b"]" * 5000])
def test_malformed_json(api, raw):
    body = api.post("auth/login", raw=raw[:4096])
    assert body["status"] == 400 and codes(body) == ["invalid_json"]


def test_huge_body(api):
    body = api.post("auth/login", raw=b'{"username": "' + b"a" * 100_000 + b'"}')
    assert body["status"] == 413 and codes(body) == ["too_large"]


@pytest.mark.parametrize("value", [123456, None, True, ["123456"], {"a": 1}, 1.5])
def test_wrong_types(api, user, value):
    body = api.post("auth/login", {"username": value, "password": PASSWORD})
    assert body["status"] == 400 and codes(body) == ["invalid_type"]
    assert body["errors"][0]["field"] == "username"


def test_unknown_and_missing_fields_all_at_once(api):
    body = api.post("auth/login", {"user": "alice", "is_staff": True})
    assert body["status"] == 400
    assert sorted((e["code"], e["field"]) for e in body["errors"]) == [
        ("required", "password"), ("required", "username"),
        ("unknown_field", "is_staff"), ("unknown_field", "user")]


@pytest.mark.parametrize("route", ROUTES)
def test_every_endpoint_survives_garbage(api, user, route):
    for raw in (b"{", b'{"code": 1}', b'{"zzz": "1"}', b"[]"):
        body = api.post(route, raw=raw)
        assert 400 <= body["status"] < 500


def test_method_not_allowed(api):
    body = api.request("PUT", "auth/login", {})
    assert body["status"] == 405 and codes(body) == ["method_not_allowed"]
    assert body["data"] == {"allowed": ["POST"]} and api.last["Allow"] == "POST"


def test_get_takes_no_body_fields(api):
    body = api.delete("auth/session", raw=b'{"x": 1}')
    assert body["status"] == 400 and codes(body) == ["unknown_field"]


def test_long_and_odd_codes(api, user):
    api.post("auth/login", {"username": "alice", "password": PASSWORD})
    for code in ("1" * 10_00, "١٢٣٤٥٦", "12345\x00", "", " "):
        body = api.post("auth/code", {"code": code})
        assert body["status"] == 400 and codes(body) == ["invalid_format"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=12,
)
bodies = st.dictionaries(
    st.sampled_from(["username", "password", "code", "recovery_code", "phone_number",
                     "purpose", "remember", "x"]),
    json_values, max_size=4,
) | json_values


@pytest.mark.parametrize("route", ["auth/login", "auth/code", "account/step-up"])
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=bodies)
def test_any_json_gets_a_documented_answer(user, route, data):
    from .api_client import ApiClient

    for kind in ("browser", "app"):
        body = ApiClient(kind).post(route, data)  # checked against the OpenAPI document
        assert body["status"] < 500


def test_huge_form_body_is_refused_before_the_csrf_check_reads_it(api):
    response = api.http.post(api.url("auth/login"), data="a=" + "b" * 5_000_000,
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"
