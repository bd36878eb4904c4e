"""OMS apps over HTTP: added only when both tests pass, read masked, enabled and disabled only."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.connected_apps.models import ApiKey, OmsApp, OmsAppAudit
from omslink.core.crypto import decrypt_secret
from tests.conftest import ApiClient, Masters, assert_error
from tests.connected_apps.conftest import (
    ENCRYPTION_KEY,
    PLAIN_SECRET,
    WHSEC,
    issue_key,
    snapshot,
    verified_event,
)
from tests.core.local_http import LocalServer


def app_body(receiver: LocalServer, erp_url: str, key: str, **change: Any) -> dict[str, Any]:
    return {
        "name": "Browntape",
        "org_unit": "OU1",
        "webhook_url": receiver.url + "/hook",
        "webhook_secret": WHSEC,
        "encryption_key": ENCRYPTION_KEY,
        "api_url": erp_url,
        "api_key": key,
        **change,
    }


@pytest.mark.django_db(transaction=True)
def test_app_is_added_enabled_after_both_real_tests_pass(
    api: ApiClient,
    masters: Masters,
    receiver: LocalServer,
    live_server: Any,
) -> None:
    key = issue_key(api)
    answer = api.post("/oms-apps", app_body(receiver, live_server.url, key))
    assert answer.status == 201, answer.body
    app = OmsApp.objects.get()
    assert answer.body == {
        "id": app.pk,
        "name": "Browntape",
        "org_unit": "OU1",
        "webhook_url": receiver.url + "/hook",
        "webhook_secret": "whsec_…WY=",
        "encryption_key": "…ZWU",
        "api_url": live_server.url,
        "api_key_last4": key[-4:],
        "enabled": True,
        "created_at": answer.body["created_at"],
        "created_by": "admin",
    }
    assert answer.body["created_at"].endswith("Z")
    [ping] = receiver.requests
    assert verified_event(ping, WHSEC, ENCRYPTION_KEY)["org_unit"] == "OU1"
    assert decrypt_secret(app.webhook_secret_encrypted) == WHSEC
    assert decrypt_secret(app.encryption_key_encrypted) == ENCRYPTION_KEY
    assert WHSEC not in str(list(OmsApp.objects.values()))
    assert app.api_key == ApiKey.objects.get()
    [audit] = OmsAppAudit.objects.all()
    assert (audit.action, audit.by.username) == ("added", "admin")
    pinged = ApiClient(key).get("/ping").body
    assert pinged == {
        "org_unit": "OU1",
        "app": {"id": app.pk, "name": "Browntape", "enabled": True},
    }


def test_plain_secret_without_encryption_key_is_masked_alike(
    api: ApiClient,
    masters: Masters,
    receiver: LocalServer,
    fake_erp: LocalServer,
) -> None:
    body = app_body(
        receiver,
        fake_erp.url,
        issue_key(api),
        name="",
        webhook_secret=PLAIN_SECRET,
        encryption_key=None,
    )
    answer = api.post("/oms-apps", body)
    assert answer.status == 201, answer.body
    assert answer.body["webhook_secret"] == "…gth"
    assert answer.body["encryption_key"] is None and answer.body["name"] == ""
    assert verified_event(receiver.requests[0], PLAIN_SECRET)["type"] == "ping"


@pytest.mark.parametrize(
    ("webhook_status", "erp_status", "failed"),
    [(500, 200, ["webhook"]), (204, 401, ["api"]), (302, 500, ["webhook", "api"])],
)
def test_failing_tests_save_nothing_and_say_which(
    api: ApiClient,
    masters: Masters,
    receiver: LocalServer,
    fake_erp: LocalServer,
    webhook_status: int,
    erp_status: int,
    failed: list[str],
) -> None:
    key = issue_key(api)
    receiver.answer(webhook_status)
    if erp_status != 200:
        fake_erp.answer(erp_status, b'{"error": {"message": "bad key"}}')
    before = snapshot()
    error = assert_error(
        api.post("/oms-apps", app_body(receiver, fake_erp.url, key)), 422, "connection_test_failed"
    )
    assert [d["test"] for d in error["details"]] == failed
    for detail in error["details"]:
        assert detail["ok"] is False and detail["error"]
    assert snapshot() == before
    assert key not in str(error) and WHSEC not in str(error)


def test_second_enabled_app_for_an_org_unit_is_a_conflict(
    api: ApiClient,
    masters: Masters,
    receiver: LocalServer,
    fake_erp: LocalServer,
) -> None:
    first = api.post("/oms-apps", app_body(receiver, fake_erp.url, issue_key(api)))
    assert first.status == 201
    second_key = issue_key(api)
    before, pings = snapshot(), len(receiver.requests)
    error = assert_error(
        api.post("/oms-apps", app_body(receiver, fake_erp.url, second_key)), 409, "conflict"
    )
    assert "already has an enabled OMS app" in error["message"]
    assert snapshot() == before
    assert len(receiver.requests) == pings, "a doomed add sends nothing"
    assert api.post(f"/oms-apps/{first.body['id']}/disable").status == 200
    assert api.post("/oms-apps", app_body(receiver, fake_erp.url, second_key)).status == 201


def test_an_api_key_serves_one_app_only(
    api: ApiClient, masters: Masters, receiver: LocalServer, fake_erp: LocalServer
) -> None:
    key = issue_key(api)
    first = api.post("/oms-apps", app_body(receiver, fake_erp.url, key)).body
    api.post(f"/oms-apps/{first['id']}/disable")
    before = snapshot()
    error = assert_error(
        api.post("/oms-apps", app_body(receiver, fake_erp.url, key)), 409, "conflict"
    )
    assert "used by another OMS app" in error["message"]
    assert snapshot() == before


def test_api_key_must_be_a_live_key_of_that_org_unit(
    api: ApiClient,
    masters: Masters,
    receiver: LocalServer,
    fake_erp: LocalServer,
) -> None:
    other_ou_key = issue_key(api, "OU2")
    revoked = api.post("/api-keys", {"org_unit": "OU1"}).body
    api.delete(f"/api-keys/{revoked['id']}")
    before = snapshot()
    for key in (other_ou_key, revoked["key"], "omsk_never-issued", api.token or ""):
        error = assert_error(
            api.post("/oms-apps", app_body(receiver, fake_erp.url, key)), 422, "validation_error"
        )
        assert [d["field"] for d in error["details"]] == ["api_key"]
        assert key not in str(error)
    assert snapshot() == before
    assert receiver.requests == [] and fake_erp.requests == []


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"name": "n" * 101}, ["name"]),
        ({"name": " padded"}, ["name"]),
        ({"name": "tab\there"}, ["name"]),
        ({"name": None}, ["name"]),
        ({"org_unit": "OU9"}, ["org_unit"]),
        ({"org_unit": ""}, ["org_unit"]),
        ({"webhook_url": "gopher://x"}, ["webhook_url"]),
        ({"webhook_secret": "too-short"}, ["webhook_secret"]),
        ({"encryption_key": "AAAA"}, ["encryption_key"]),
        ({"api_url": "http://x/?q"}, ["api_url"]),
        ({"api_url": None, "api_key": None}, ["api_url", "api_key"]),
        (
            {"webhook_url": "file:///etc/passwd", "webhook_secret": "x", "api_url": "ftp://x"},
            ["webhook_url", "webhook_secret", "api_url"],
        ),
    ],
)
def test_bad_fields_are_all_named_and_nothing_is_saved_or_sent(
    api: ApiClient,
    masters: Masters,
    receiver: LocalServer,
    fake_erp: LocalServer,
    change: dict[str, Any],
    fields: list[str],
) -> None:
    body = app_body(receiver, fake_erp.url, issue_key(api), **change)
    before = snapshot()
    error = assert_error(api.post("/oms-apps", body), 422, "validation_error")
    assert sorted(d["field"] for d in error["details"]) == sorted(fields)
    assert snapshot() == before
    assert receiver.requests == [] and fake_erp.requests == []


def test_malformed_missing_and_oversized_bodies(api: ApiClient, masters: Masters) -> None:
    assert_error(api.post("/oms-apps", raw=b"{"), 400, "malformed_json")
    assert_error(api.post("/oms-apps", raw=b"[" * 100_000), 400, "malformed_json")
    error = assert_error(api.post("/oms-apps", {}), 422, "validation_error")
    assert {d["field"] for d in error["details"]} == {
        "org_unit",
        "webhook_url",
        "webhook_secret",
        "api_url",
        "api_key",
    }
    assert_error(api.post("/oms-apps", raw=b"x" * (1024 * 1024 + 1)), 413, "payload_too_large")
    assert_error(
        api.post(
            "/oms-apps", raw=b"org_unit=OU1", content_type="application/x-www-form-urlencoded"
        ),
        415,
        "unsupported_media_type",
    )
    assert not OmsApp.objects.exists()


@pytest.fixture
def added(
    api: ApiClient, masters: Masters, receiver: LocalServer, fake_erp: LocalServer
) -> dict[str, Any]:
    answer = api.post("/oms-apps", app_body(receiver, fake_erp.url, issue_key(api)))
    assert answer.status == 201
    resource: dict[str, Any] = answer.body
    return resource


def test_list_and_get_show_the_same_masked_resource(api: ApiClient, added: dict[str, Any]) -> None:
    listed = api.get("/oms-apps")
    assert listed.status == 200
    assert listed.body == {"items": [added], "next_cursor": None}
    assert api.get(f"/oms-apps/{added['id']}").body == added
    for path in (
        f"/oms-apps/{added['id'] + 1}",
        "/oms-apps/0",
        "/oms-apps/x",
        "/oms-apps/9223372036854775808",
        "/oms-apps/-1",
    ):
        assert_error(api.get(path), 404, "not_found")


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_edits_are_not_allowed(api: ApiClient, added: dict[str, Any], method: str) -> None:
    before = snapshot()
    answer = api.request(method, f"/oms-apps/{added['id']}", {"webhook_url": "http://x"})
    error = assert_error(answer, 405, "method_not_allowed")
    assert "cannot be changed" in error["message"] and "disable" in error["message"]
    assert snapshot() == before
    assert_error(api.request(method, "/oms-apps", {}), 405, "method_not_allowed")


def test_disable_and_enable_are_audited_and_idempotent(
    api: ApiClient, added: dict[str, Any], make_user: Any
) -> None:
    app_id = added["id"]
    disabled = api.post(f"/oms-apps/{app_id}/disable")
    assert disabled.status == 200 and disabled.body == {**added, "enabled": False}
    assert api.post(f"/oms-apps/{app_id}/disable").body["enabled"] is False
    second_admin = ApiClient(make_user("Administrator", "second")[1])
    enabled = second_admin.post(f"/oms-apps/{app_id}/enable")
    assert enabled.status == 200 and enabled.body == added
    assert second_admin.post(f"/oms-apps/{app_id}/enable").body == added
    history = [(a.action, a.by.username) for a in OmsAppAudit.objects.order_by("pk")]
    assert history == [("added", "admin"), ("disabled", "admin"), ("enabled", "second")]
    times = list(OmsAppAudit.objects.order_by("pk").values_list("at", flat=True))
    assert times == sorted(times)


def test_enabling_beside_another_enabled_app_is_a_conflict(
    api: ApiClient,
    added: dict[str, Any],
    receiver: LocalServer,
    fake_erp: LocalServer,
) -> None:
    api.post(f"/oms-apps/{added['id']}/disable")
    newer = api.post("/oms-apps", app_body(receiver, fake_erp.url, issue_key(api)))
    assert newer.status == 201
    before = snapshot()
    error = assert_error(api.post(f"/oms-apps/{added['id']}/enable"), 409, "conflict")
    assert f"OMS app {newer.body['id']}" in error["message"] or "Browntape" in error["message"]
    assert snapshot() == before


def test_enabling_an_app_whose_key_was_revoked_fails_its_api_test(
    api: ApiClient,
    added: dict[str, Any],
) -> None:
    api.post(f"/oms-apps/{added['id']}/disable")
    api.delete(f"/api-keys/{ApiKey.objects.get().pk}")
    before = snapshot()
    error = assert_error(api.post(f"/oms-apps/{added['id']}/enable"), 422, "connection_test_failed")
    assert [d["test"] for d in error["details"]] == ["api"]
    assert snapshot() == before


def test_enable_and_disable_unknown_apps(api: ApiClient, added: dict[str, Any]) -> None:
    for action in ("enable", "disable"):
        assert_error(api.post(f"/oms-apps/{added['id'] + 1}/{action}"), 404, "not_found")
        assert_error(api.post(f"/oms-apps/99999999999999999999/{action}"), 404, "not_found")
        assert_error(api.get(f"/oms-apps/{added['id']}/{action}"), 405, "method_not_allowed")


def test_permission_matrix_over_http(
    role_clients: dict[str, ApiClient],
    api: ApiClient,
    added: dict[str, Any],
    receiver: LocalServer,
    fake_erp: LocalServer,
) -> None:
    """Every OMS app operation times every built-in role, with real personal tokens."""
    app_id = added["id"]
    allowed = {
        "Administrator": {"view", "add", "edit"},
        "Warehouse": set(),
        "Viewer": {"view"},
    }
    api.post(f"/oms-apps/{app_id}/disable")
    for role, client in role_clients.items():
        key = issue_key(api)
        calls = {
            "view": [client.get("/oms-apps"), client.get(f"/oms-apps/{app_id}")],
            "add": [
                client.post(
                    "/oms-apps/test-webhook", {"webhook_url": receiver.url, "webhook_secret": WHSEC}
                ),
                client.post(
                    "/oms-apps/test-api",
                    {"api_url": fake_erp.url, "api_key": key, "org_unit": "OU1"},
                ),
                client.post("/oms-apps", app_body(receiver, fake_erp.url, key, org_unit="OU2")),
            ],
            "edit": [
                client.post(f"/oms-apps/{app_id}/enable"),
                client.post(f"/oms-apps/{app_id}/disable"),
            ],
        }
        for operation, answers in calls.items():
            for answer in answers:
                if operation in allowed[role]:
                    assert answer.status in {200, 201, 422}, (role, operation, answer.body)
                    assert answer.body.get("error", {}).get("code") != "forbidden"
                else:
                    assert_error(answer, 403, "forbidden")
    assert OmsApp.objects.count() == 1, "the OU2 app was refused: its key belongs to OU1"
    history = [(a.action, a.by.username) for a in OmsAppAudit.objects.order_by("pk")]
    assert [entry for entry in history if entry[1] != "admin"] == [
        ("enabled", "administrator1"),
        ("disabled", "administrator1"),
    ]
