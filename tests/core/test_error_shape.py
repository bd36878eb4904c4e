"""One error shape for every refusal under /api/, whatever went wrong and wherever (CONTRACT §2)."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from omslink.connected_apps.models import ApiKey
from tests.conftest import ApiClient, Masters, assert_error


@pytest.mark.parametrize(
    "path", ["/nowhere", "/oms-apps/1/frobnicate", "/api-keys/x/y", "/ORG-UNITS"]
)
def test_unknown_routes(api: ApiClient, path: str) -> None:
    error = assert_error(api.get(path), 404, "not_found")
    assert "No API route" in error["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v2/things", "/api/", "/api/v1/"])
def test_unknown_routes_outside_v1_and_without_a_token(path: str) -> None:
    answer = Client().get(path)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("path", ["/api/v1/nonexistent", "/api/v1/oms-apps/1/frobnicate", "/api/x"])
def test_unknown_routes_with_any_method_before_authentication(method: str, path: str) -> None:
    answer = Client(enforce_csrf_checks=True).generic(
        method, path, b"{}", content_type="application/json"
    )
    assert answer.status_code == 404, answer.content
    assert answer.json()["error"]["code"] == "not_found"


IMPOSSIBLE_IDS = [
    ("DELETE", "/api-keys/-1"),
    ("DELETE", "/api-keys/abc"),
    ("PUT", "/oms-apps/null"),
    ("GET", "/oms-apps/x"),
    ("GET", "/oms-apps/-1"),
    ("POST", "/oms-apps/1.0/enable"),
    ("POST", "/oms-apps/null/disable"),
    ("POST", "/webhook-deliveries/-1/retry"),
    ("POST", "/webhook-deliveries/99999999999999999999999/retry"),
]


@pytest.mark.parametrize(("method", "path"), IMPOSSIBLE_IDS)
def test_an_impossible_id_on_a_known_route_is_401_then_404(
    api: ApiClient, method: str, path: str
) -> None:
    assert_error(ApiClient(None).request(method, path), 401, "unauthenticated")
    assert_error(api.request(method, path), 404, "not_found")


def test_wrong_method(api: ApiClient) -> None:
    answer = api.delete("/org-units")
    error = assert_error(answer, 405, "method_not_allowed")
    assert "DELETE" in error["message"]
    assert answer.headers["Allow"] == "GET, POST"
    answer = api.put("/api-keys", {})
    assert_error(answer, 405, "method_not_allowed")
    assert answer.headers["Allow"] == "GET, POST"


def test_wrong_method_is_answered_before_authentication() -> None:
    answer = ApiClient(None).request("POST", "/webhook-deliveries/1/abc")
    assert_error(answer, 404, "not_found")
    answer = ApiClient(None).get("/webhook-deliveries/1/retry")
    assert_error(answer, 405, "method_not_allowed")
    assert answer.headers["Allow"] == "POST"


def test_body_over_one_mebibyte(api: ApiClient, masters: Masters) -> None:
    body = json.dumps({"org_unit": "OU1", "pad": "x" * (1024 * 1024)}).encode()
    assert_error(api.post("/api-keys", raw=body), 413, "payload_too_large")
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/json-patch+json",
    ],
)
def test_body_that_is_not_json(api: ApiClient, masters: Masters, content_type: str) -> None:
    assert_error(
        api.post("/api-keys", raw=b'{"org_unit": "OU1"}', content_type=content_type),
        415,
        "unsupported_media_type",
    )
    assert not ApiKey.objects.exists()


def test_json_with_a_charset_is_json(api: ApiClient, masters: Masters) -> None:
    answer = api.post(
        "/api-keys", raw=b'{"org_unit": "OU1"}', content_type="application/json; charset=utf-8"
    )
    assert answer.status == 201


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"{'org_unit': 'OU1'}",
        b'{"org_unit": "OU1",}',
        b"\xff\xfe",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b"[" * 100_000,
        b'{"a":' * 50_000,
        b"1" * 5000,
    ],
)
def test_malformed_json(api: ApiClient, masters: Masters, raw: bytes) -> None:
    assert_error(api.post("/api-keys", raw=raw), 400, "malformed_json")
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("path", ["/api-keys", "/org-units", "/stock/receipts", "/oms-apps"])
def test_an_empty_body_where_one_is_required_is_malformed(
    api: ApiClient, masters: Masters, path: str
) -> None:
    error = assert_error(api.post(path, raw=b""), 400, "malformed_json")
    assert "empty" in error["message"]
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"org_unit": "OU\\u0000"}', "org_unit"),
        (b'{"org_unit": "\\ud800"}', "org_unit"),
        (b'{"org_unit": "OU1", "x\\u0000": 1}', "x\u0000"),
        (b'{"org_unit": "OU1", "deep": [[{"y": "\\udfff"}]]}', "deep[0][0].y"),
    ],
)
def test_nul_and_lone_surrogates_are_named(
    api: ApiClient, masters: Masters, raw: bytes, field: str
) -> None:
    error = assert_error(api.post("/api-keys", raw=raw), 422, "validation_error")
    assert error["details"][0]["field"] == field
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("path", ["/api-keys?org_unit=%00", "/oms-apps/%00", "/api-keys?%00=1"])
def test_hostile_query_strings(api: ApiClient, path: str) -> None:
    assert_error(api.get(path), 422, "validation_error")


def test_hostile_content_length(api: ApiClient, masters: Masters) -> None:
    answer = Client().generic(
        "POST",
        "/api/v1/api-keys",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH="-5",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "Content-Length"
    assert not ApiKey.objects.exists()


def test_missing_and_unknown_tokens(masters: Masters) -> None:
    for client in (
        ApiClient(None),
        ApiClient(""),
        ApiClient("omsu_" + "x" * 43),
        ApiClient("x" * 10_000),
    ):
        assert_error(client.get("/oms-apps"), 401, "unauthenticated")
    answer = ApiClient(None).request("GET", "/oms-apps", headers={"Authorization": "Basic eDp5"})
    assert_error(answer, 401, "unauthenticated")


@pytest.mark.parametrize("digits", ["9223372036854775808", "9" * 40, "0"])
def test_a_cursor_beyond_any_id_is_served(api: ApiClient, masters: Masters, digits: str) -> None:
    cursor = base64.urlsafe_b64encode(digits.encode()).decode().rstrip("=")
    for path in ("/org-units", "/api-keys"):
        answer = api.get(f"{path}?cursor={cursor}")
        assert answer.status in (200, 422), answer.body
