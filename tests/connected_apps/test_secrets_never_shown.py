"""After creation, no secret, encryption key, API key or token appears in any answer, page or log.

One walk through everything the issue builds, with every log record captured from the first
request on, and every answer and page searched.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from omslink.accounts.models import PersonalToken
from omslink.connected_apps.models import ApiKey, OmsApp
from tests.conftest import ApiClient, Masters
from tests.connected_apps.conftest import ENCRYPTION_KEY, WHSEC
from tests.core.local_http import LocalServer

PASSWORD = "correct-horse-9"
PAGES = "/admin/utilities/connected-apps/oms/"


@pytest.mark.django_db(transaction=True)
def test_no_secret_in_any_answer_page_or_log_line(
    caplog: pytest.LogCaptureFixture,
    api: ApiClient,
    admin: Any,
    masters: Masters,
    receiver: LocalServer,
    live_server: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def call(method: str, path: str, body: Any = None) -> Any:
        answer = api.request(method, path, body)
        seen.append(f"{method} {path} {answer.status} {answer.body} {answer.headers}")
        return answer

    issued = api.post("/api-keys", {"org_unit": "OU1"}).body
    key = issued["key"]
    spare = api.post("/api-keys", {"org_unit": "OU1"}).body
    webhook = {
        "webhook_url": receiver.url,
        "webhook_secret": WHSEC,
        "encryption_key": ENCRYPTION_KEY,
    }
    call("POST", "/oms-apps/test-webhook", webhook)
    call(
        "POST",
        "/oms-apps/test-api",
        {"api_url": live_server.url, "api_key": key, "org_unit": "OU1"},
    )
    call(
        "POST",
        "/oms-apps/test-api",
        {"api_url": live_server.url, "api_key": key, "org_unit": "OU2"},
    )
    call(
        "POST",
        "/oms-apps",
        {
            **webhook,
            "webhook_secret": "whsec_bad!",
            "org_unit": "OU1",
            "api_url": live_server.url,
            "api_key": key,
        },
    )
    receiver.answer(500)
    call(
        "POST",
        "/oms-apps",
        {**webhook, "org_unit": "OU1", "api_url": live_server.url, "api_key": key},
    )
    receiver.answer(204)
    created = call(
        "POST",
        "/oms-apps",
        {**webhook, "name": "BT", "org_unit": "OU1", "api_url": live_server.url, "api_key": key},
    )
    assert created.status == 201
    app_id = created.body["id"]
    call(
        "POST",
        "/oms-apps",
        {**webhook, "org_unit": "OU1", "api_url": live_server.url, "api_key": spare["key"]},
    )
    for method, path in [
        ("GET", "/oms-apps"),
        ("GET", f"/oms-apps/{app_id}"),
        ("GET", "/api-keys"),
        ("PUT", f"/oms-apps/{app_id}"),
        ("POST", f"/oms-apps/{app_id}/disable"),
        ("POST", f"/oms-apps/{app_id}/enable"),
        ("DELETE", f"/api-keys/{spare['id']}"),
    ]:
        call(method, path)
    pinged = ApiClient(key).get("/ping")
    seen.append(str(pinged.body))

    browser = Client()
    assert browser.login(username="admin", password=PASSWORD)
    for page in (
        "/",
        PAGES,
        f"{PAGES}add/",
        f"{PAGES}{app_id}/",
        "/admin/security/roles/",
        "/admin/security/users/",
    ):
        answer = browser.get(page)
        assert answer.status_code == 200, page
        seen.append(answer.content.decode())

    secrets = {
        "webhook secret": WHSEC,
        "its base64": WHSEC.removeprefix("whsec_"),
        "encryption key": ENCRYPTION_KEY,
        "API key": key,
        "spare API key": spare["key"],
        "personal token": api.token or "",
        "password": PASSWORD,
    }
    logged = [f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records]
    assert any("OMS app" in line and "added" in line for line in logged), "logs were captured"
    for name, secret in secrets.items():
        for text in seen:
            assert secret not in text, f"{name} shown in {text[:200]}"
        for line in logged:
            assert secret not in line, f"{name} logged: {line[:200]}"
    stored = str([list(model.objects.values()) for model in (ApiKey, OmsApp, PersonalToken)])
    for name in ("webhook secret", "encryption key", "API key", "personal token"):
        assert secrets[name] not in stored, f"{name} stored in plain text"
