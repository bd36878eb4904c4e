"""OMS Apps pages through Django's full stack: who sees which button, and the server refusing
what a role lacks even when the button is forged."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client

from omslink.accounts.services import role_create, roles_set_operations
from omslink.connected_apps.models import ApiKey, OmsApp
from tests.conftest import ConnectedApp, Masters, connect_app
from tests.connected_apps.conftest import (
    ENCRYPTION_KEY,
    PASSWORD,
    WHSEC,
    csrf_headers,
    post_form,
    post_json,
    snapshot,
)
from tests.core.local_http import LocalServer

BASE = "/admin/utilities/connected-apps/oms/"


def test_list_shows_add_and_edit_only_to_roles_that_have_them(
    browser_of: Callable[[str], Client],
    oms: ConnectedApp,
) -> None:
    admin_page = browser_of("Administrator").get(BASE).content.decode()
    assert f'href="{BASE}add/"' in admin_page and ">Edit</button>" in admin_page
    assert "OMS for OU1" in admin_page and "Enabled" in admin_page
    viewer_page = browser_of("Viewer").get(BASE).content.decode()
    assert f'href="{BASE}add/"' not in viewer_page and ">Edit</button>" not in viewer_page
    assert ">View</button>" in viewer_page and "OMS for OU1" in viewer_page
    assert browser_of("Warehouse").get(BASE).status_code == 403
    assert Client().get(BASE).status_code == 302


def test_action_edit_opens_the_selected_app(
    browser_of: Callable[[str], Client], oms: ConnectedApp
) -> None:
    client = browser_of("Administrator")
    opened = client.get(f"{BASE}open/", {"app": str(oms.app.pk), "action": "edit"})
    assert opened.status_code == 302 and opened["Location"] == f"{BASE}{oms.app.pk}/"
    for selected in ("", "x", "²", "99999999999999999999999"):
        answer = client.get(f"{BASE}open/", {"app": selected}, follow=True)
        assert answer.status_code in {200, 404}
    assert client.get(f"{BASE}{oms.app.pk + 1}/").status_code == 404
    assert client.get(f"{BASE}99999999999999999999999/").status_code == 404


def test_edit_view_buttons_follow_the_role_and_the_server_refuses_forgeries(
    browser_of: Callable[[str], Client],
    oms: ConnectedApp,
) -> None:
    admin = browser_of("Administrator")
    page = admin.get(f"{BASE}{oms.app.pk}/").content.decode()
    assert 'id="disable-app"' in page and "data-confirm=" in page
    assert 'id="enable-app"' not in page
    assert page.count(" disabled>") >= 7
    viewer = browser_of("Viewer")
    viewer_page = viewer.get(f"{BASE}{oms.app.pk}/").content.decode()
    assert "disable-app" not in viewer_page and "enable-app" not in viewer_page
    before = snapshot()
    assert post_form(viewer, f"{BASE}{oms.app.pk}/disable/", {}).status_code == 403
    assert post_form(browser_of("Warehouse"), f"{BASE}{oms.app.pk}/disable/", {}).status_code == 403
    assert admin.post(f"{BASE}{oms.app.pk}/disable/").status_code == 403, "no CSRF token"
    assert admin.get(f"{BASE}{oms.app.pk}/disable/").status_code == 405
    assert snapshot() == before
    done = post_form(admin, f"{BASE}{oms.app.pk}/disable/", {})
    assert done.status_code == 302
    assert OmsApp.objects.get().enabled is False
    page = admin.get(f"{BASE}{oms.app.pk}/").content.decode()
    assert 'id="enable-app"' in page and "is now disabled" in page


def test_enable_conflict_is_shown_on_the_page(
    browser_of: Callable[[str], Client], masters: Masters, admin: Any
) -> None:
    old = connect_app(masters.org_unit, admin[0], enabled=False)
    connect_app(masters.org_unit, admin[0])
    client = browser_of("Administrator")
    answer = post_form(client, f"{BASE}{old.app.pk}/enable/", {})
    page = client.get(answer["Location"]).content.decode()
    assert "already has an enabled OMS app" in page
    assert OmsApp.objects.get(pk=old.app.pk).enabled is False


def test_add_form_shows_issue_key_only_with_api_keys_manage(
    browser_of: Callable[[str], Client],
    masters: Masters,
    make_user: Callable[..., Any],
) -> None:
    page = browser_of("Administrator").get(f"{BASE}add/").content.decode()
    assert 'id="issue-key"' in page and 'id="enable"' in page
    assert 'id="enable" class="primary" disabled' in page
    role = role_create(name="App adder")
    roles_set_operations(operations={role.pk: {"oms_apps_view", "oms_apps_add"}})
    make_user("App adder", "adder")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="adder", password=PASSWORD)
    page = client.get(f"{BASE}add/").content.decode()
    assert 'id="issue-key"' not in page and "data-issue-key" not in page
    client.get("/")
    refused = post_json(client, f"{BASE}issue-key/", {"org_unit": "OU1"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert not ApiKey.objects.exists()
    assert browser_of("Viewer").get(f"{BASE}add/").status_code == 403


def test_issue_key_endpoint(browser_of: Callable[[str], Client], masters: Masters) -> None:
    client = browser_of("Administrator")
    answer = post_json(client, f"{BASE}issue-key/", {"org_unit": "OU2"})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"id", "key", "last4", "org_unit"} and body["org_unit"] == "OU2"
    assert ApiKey.objects.get().last4 == body["key"][-4:]
    bad = post_json(client, f"{BASE}issue-key/", {"org_unit": "NOPE"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "org_unit"
    assert ApiKey.objects.count() == 1


def test_json_endpoints_refuse_like_the_api(
    browser_of: Callable[[str], Client], masters: Masters, receiver: LocalServer
) -> None:
    client = browser_of("Administrator")
    body = {"webhook_url": receiver.url, "webhook_secret": WHSEC}
    path = f"{BASE}test-webhook/"
    assert post_json(client, path, body, csrf=False).status_code == 403
    assert post_json(browser_of("Viewer"), path, body).json()["error"]["code"] == "forbidden"
    anonymous = Client().post(path, json.dumps(body), content_type="application/json")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    assert client.get(path).json()["error"]["code"] == "method_not_allowed"
    assert receiver.requests == []
    headers = csrf_headers(client)
    cases = [
        (b"{", "application/json", 400, "malformed_json"),
        (b'{"webhook_url": NaN}', "application/json", 400, "malformed_json"),
        (b"webhook_url=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"[" * 5000, "application/json", 400, "malformed_json"),
        (b'{"webhook_url": "\\u0000"}', "application/json", 422, "validation_error"),
        (b'{"webhook_url": "\\ud800"}', "application/json", 422, "validation_error"),
        (
            json.dumps({**body, "webhook_secret": "short"}).encode(),
            "application/json",
            422,
            "validation_error",
        ),
        (b'{"pad": "' + b"x" * (1024 * 1024) + b'"}', "application/json", 413, "payload_too_large"),
    ]
    for raw, content_type, status, code in cases:
        answer = client.post(path, raw, content_type=content_type, headers=headers)
        assert answer.status_code == status, (raw[:40], answer.content[:200])
        assert answer.json()["error"]["code"] == code
    assert receiver.requests == []
    passed = post_json(client, path, body)
    assert passed.status_code == 200 and passed.json()["ok"] is True
    assert len(receiver.requests) == 1


def test_api_test_endpoint_answers_like_the_api(
    browser_of: Callable[[str], Client], masters: Masters, fake_erp: LocalServer
) -> None:
    client = browser_of("Administrator")
    answer = post_json(
        client,
        f"{BASE}test-api/",
        {"api_url": fake_erp.url, "api_key": "omsk_x", "org_unit": "OU1"},
    )
    assert answer.status_code == 200 and answer.json()["ok"] is True
    wrong = post_json(
        client,
        f"{BASE}test-api/",
        {"api_url": fake_erp.url, "api_key": "omsk_x", "org_unit": "OU2"},
    )
    assert wrong.json()["ok"] is False and "OU1" in wrong.json()["error"]


def test_add_form_saves_after_the_server_tests_again(
    browser_of: Callable[[str], Client],
    masters: Masters,
    receiver: LocalServer,
    fake_erp: LocalServer,
) -> None:
    client = browser_of("Administrator")
    key = post_json(client, f"{BASE}issue-key/", {"org_unit": "OU1"}).json()["key"]
    form = {
        "name": " Browntape ",
        "org_unit": "OU1",
        "webhook_url": receiver.url,
        "webhook_secret": WHSEC,
        "encryption_key": ENCRYPTION_KEY,
        "api_url": fake_erp.url,
        "api_key": key,
    }
    answer = post_form(client, f"{BASE}add/", form)
    assert answer.status_code == 302 and answer["Location"] == BASE
    app = OmsApp.objects.get()
    assert app.name == "Browntape" and app.enabled
    listed = client.get(BASE).content.decode()
    assert "Browntape was added for OU1 and is enabled" in listed
    for secret in (WHSEC, ENCRYPTION_KEY, key):
        assert secret not in listed
        assert secret not in client.get(f"{BASE}{app.pk}/").content.decode()


def test_refused_add_form_keeps_plain_fields_and_drops_secrets(
    browser_of: Callable[[str], Client],
    masters: Masters,
    receiver: LocalServer,
    fake_erp: LocalServer,
) -> None:
    client = browser_of("Administrator")
    key = post_json(client, f"{BASE}issue-key/", {"org_unit": "OU1"}).json()["key"]
    receiver.answer(500)
    form = {
        "name": "Browntape",
        "org_unit": "OU1",
        "webhook_url": receiver.url,
        "webhook_secret": WHSEC,
        "encryption_key": ENCRYPTION_KEY,
        "api_url": fake_erp.url,
        "api_key": key,
    }
    before = snapshot()
    answer = post_form(client, f"{BASE}add/", form)
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "The webhook test failed: answered HTTP 500" in page
    assert receiver.url in page and 'value="Browntape"' in page
    for secret in (WHSEC, ENCRYPTION_KEY, key):
        assert secret not in page
    bad = post_form(
        client, f"{BASE}add/", {**form, "webhook_secret": "short", "org_unit": "OU1\x00"}
    )
    assert bad.status_code == 422
    assert 'id="form-error">Organization unit is not valid.' in bad.content.decode()
    blank = post_form(client, f"{BASE}add/", {**form, "webhook_url": "", "api_key": ""})
    assert blank.status_code == 422
    shown = blank.content.decode()
    assert "Webhook URL is required. API key is required." in shown
    assert "String should" not in shown and "webhook_url:" not in shown
    assert 'value="Browntape"' in shown and fake_erp.url in shown
    assert snapshot() == before
    assert post_form(browser_of("Viewer"), f"{BASE}add/", form).status_code == 403
    assert snapshot() == before
