"""API keys over HTTP: issued once, stored as a hash, listed masked, revoked for good."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from omslink.connected_apps.models import ApiKey
from tests.conftest import ApiClient, Masters, assert_error
from tests.connected_apps.conftest import issue_key, snapshot


def test_issued_key_is_shown_once_and_stored_as_its_hash(api: ApiClient, masters: Masters) -> None:
    answer = api.post("/api-keys", {"org_unit": "OU1"})
    assert answer.status == 201
    assert set(answer.body) == {"id", "key", "last4", "org_unit"}
    key = answer.body["key"]
    assert key.startswith("omsk_") and len(key) > 40
    assert answer.body["last4"] == key[-4:] and answer.body["org_unit"] == "OU1"
    stored = ApiKey.objects.get(pk=answer.body["id"])
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(list(ApiKey.objects.values()))
    listed = api.get("/api-keys")
    assert key not in str(listed.body)
    assert listed.body["items"][0]["last4"] == key[-4:]


def test_list_shows_revoked_state_and_filters_by_org_unit(api: ApiClient, masters: Masters) -> None:
    first = api.post("/api-keys", {"org_unit": "OU1"}).body
    api.post("/api-keys", {"org_unit": "OU2"})
    assert api.delete(f"/api-keys/{first['id']}").status == 200
    listed = api.get("/api-keys").body["items"]
    assert [(k["org_unit"], k["revoked"]) for k in listed] == [("OU2", False), ("OU1", True)]
    revoked = listed[1]
    assert revoked["revoked_by"] == "admin" and revoked["revoked_at"] is not None
    assert revoked["created_by"] == "admin" and revoked["oms_app"] is None
    only_ou1 = api.get("/api-keys?org_unit=OU1").body["items"]
    assert [k["id"] for k in only_ou1] == [first["id"]]
    assert api.get("/api-keys?org_unit=OU9").body["items"] == []


def test_revoked_key_is_refused_and_revoking_twice_changes_nothing(
    api: ApiClient, masters: Masters
) -> None:
    issued = api.post("/api-keys", {"org_unit": "OU1"}).body
    partner = api.with_token(issued["key"])
    assert partner.get("/ping").status == 200
    revoked = api.delete(f"/api-keys/{issued['id']}")
    assert revoked.status == 200
    assert revoked.body["revoked"] is True and revoked.body["id"] == issued["id"]
    assert "key" not in revoked.body
    assert_error(partner.get("/ping"), 401, "unauthenticated")
    again = api.delete(f"/api-keys/{issued['id']}")
    assert again.status == 200 and again.body["revoked_at"] == revoked.body["revoked_at"]


def test_last_used_at_is_null_until_the_key_is_used(api: ApiClient, masters: Masters) -> None:
    issued = api.post("/api-keys", {"org_unit": "OU1"}).body
    assert api.get("/api-keys").body["items"][0]["last_used_at"] is None
    before = timezone.now().replace(microsecond=0)
    assert api.with_token(issued["key"]).get("/ping").status == 200
    listed = api.get("/api-keys").body["items"][0]
    used_at = datetime.fromisoformat(listed["last_used_at"])
    assert before <= used_at <= timezone.now()
    stored = ApiKey.objects.get(pk=issued["id"]).last_used_at
    assert stored is not None and abs(stored - used_at) < timedelta(milliseconds=1)


def test_last_used_at_is_described_in_the_openapi_document(db: None) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    field = document["components"]["schemas"]["ApiKeyOut"]["properties"]["last_used_at"]
    assert "null until" in field["description"]
    assert {"type": "null"} in field["anyOf"] and "last_used_at" in (
        document["components"]["schemas"]["ApiKeyOut"]["required"]
    )


@pytest.mark.parametrize(
    "path",
    ["/api-keys/999999", "/api-keys/99999999999999999999999", "/api-keys/0", "/api-keys/abc"],
)
def test_revoking_an_unknown_key_is_not_found(api: ApiClient, masters: Masters, path: str) -> None:
    issue_key(api)
    before = snapshot()
    assert_error(api.delete(path), 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"org_unit": "OU9"}, "org_unit"),
        ({}, "org_unit"),
        ({"org_unit": 1}, "org_unit"),
        ({"org_unit": None}, "org_unit"),
        ({"org_unit": "O" * 33}, "org_unit"),
        ({"org_unit": "OU1\u0000"}, "org_unit"),
        ({"org_unit": "OU1; DROP TABLE x"}, "org_unit"),
        ([{"org_unit": "OU1"}], "org_unit"),
    ],
)
def test_bad_issue_requests_are_refused_and_store_nothing(
    api: ApiClient, masters: Masters, body: Any, field: str
) -> None:
    error = assert_error(api.post("/api-keys", body), 422, "validation_error")
    assert field in [d["field"] for d in error["details"]]
    assert not ApiKey.objects.exists()


def test_malformed_and_oversized_issue_requests(api: ApiClient, masters: Masters) -> None:
    assert_error(api.post("/api-keys", raw=b'{"org_unit": '), 400, "malformed_json")
    assert_error(
        api.post("/api-keys", raw=b'{"org_unit": "OU1"}', content_type="text/plain"),
        415,
        "unsupported_media_type",
    )
    huge = b'{"org_unit": "OU1", "pad": "' + b"x" * (1024 * 1024) + b'"}'
    assert_error(api.post("/api-keys", raw=huge), 413, "payload_too_large")
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("role", "allowed"), [("Administrator", True), ("Warehouse", False), ("Viewer", False)]
)
def test_api_keys_manage_permission(
    role_clients: dict[str, ApiClient], masters: Masters, admin: Any, role: str, allowed: bool
) -> None:
    existing = issue_key(ApiClient(admin[1]))
    existing_id = ApiKey.objects.get().pk
    client = role_clients[role]
    answers = [
        client.post("/api-keys", {"org_unit": "OU1"}),
        client.get("/api-keys"),
        client.delete(f"/api-keys/{existing_id}"),
    ]
    if allowed:
        assert [a.status for a in answers] == [201, 200, 200]
    else:
        for answer in answers:
            assert_error(answer, 403, "forbidden")
        assert ApiKey.objects.count() == 1
        assert ApiKey.objects.get().revoked_at is None
    for answer in answers:
        assert existing not in str(answer.body)


def test_api_keys_need_a_personal_token(api: ApiClient, masters: Masters) -> None:
    key = issue_key(api)
    assert_error(ApiClient(None).post("/api-keys", {"org_unit": "OU1"}), 401, "unauthenticated")
    assert_error(ApiClient("omsu_not-a-real-token").get("/api-keys"), 401, "unauthenticated")
    assert_error(ApiClient(key).post("/api-keys", {"org_unit": "OU1"}), 403, "forbidden")
    assert ApiKey.objects.count() == 1
