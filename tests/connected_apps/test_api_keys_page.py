"""Admin > Utilities > Connected Apps > API keys through Django's full stack, and the Add
form's provisional keys: who may issue and revoke, a key shown once, a key that lapses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from omslink.connected_apps.models import ApiKey
from omslink.connected_apps.services import PROVISIONAL_KEY_LIFETIME
from tests.conftest import ApiClient, ConnectedApp, Masters, assert_error
from tests.connected_apps.conftest import WHSEC, post_form, post_json, snapshot
from tests.core.local_http import LocalServer

KEYS = "/admin/utilities/connected-apps/api-keys/"
OMS_APPS = "/admin/utilities/connected-apps/oms/"
ISSUE_FROM_FORM = f"{OMS_APPS}issue-key/"


@pytest.mark.parametrize(
    ("role", "allowed"), [("Administrator", True), ("Warehouse", False), ("Viewer", False)]
)
def test_only_api_keys_manage_issues_and_revokes(
    browser_of: Callable[[str], Client], oms: ConnectedApp, role: str, allowed: bool
) -> None:
    client = browser_of(role)
    listed = client.get(KEYS)
    if role == "Warehouse":
        assert listed.status_code == 403, "Warehouse may not open Connected Apps at all"
    else:
        page = listed.content.decode()
        assert listed.status_code == 200 and f"…{oms.api_key[-4:]}" in page
        assert ("Issue new key" in page) is allowed and (">Revoke<" in page) is allowed
    before = snapshot()
    key_id = ApiKey.objects.get().pk
    issued = post_form(client, f"{KEYS}issue/", {"org_unit": "OU2"})
    revoked = post_form(client, f"{KEYS}{key_id}/revoke/", {})
    from_form = post_json(client, ISSUE_FROM_FORM, {"org_unit": "OU2"})
    if allowed:
        assert issued.status_code == 200 and revoked.status_code == 302
        assert from_form.status_code == 200
        assert ApiKey.objects.get(pk=key_id).revoked_at is not None
        assert ApiKey.objects.filter(org_unit__code="OU2").count() == 2
    else:
        assert (issued.status_code, revoked.status_code, from_form.status_code) == (403, 403, 403)
        assert snapshot() == before


def test_a_key_issued_on_the_page_is_shown_once_and_works(
    browser_of: Callable[[str], Client], masters: Masters
) -> None:
    client = browser_of("Administrator")
    answer = post_form(client, f"{KEYS}issue/", {"org_unit": "OU1"})
    page = answer.content.decode()
    key = page.split('id="new-key" value="')[1].split('"')[0]
    assert key.startswith("omsk_") and "shown only this once" in page
    assert "no-store" in answer["Cache-Control"]
    assert "within 30 minutes" in page
    api_key = ApiKey.objects.get()
    assert api_key.lapses_at is None, "a key issued on the API keys page does not lapse"
    assert key not in client.get(KEYS).content.decode()
    assert "never" in client.get(KEYS).content.decode()

    assert ApiClient(key).get("/ping").status == 200
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None
    row = client.get(KEYS).content.decode().split(f'id="key-{api_key.pk}"')[1].split("</tr>")[0]
    assert "never" not in row and "Live" in row and "admin" in row.lower()


def test_a_bad_issue_is_refused_in_words_and_changes_nothing(
    browser_of: Callable[[str], Client], masters: Masters
) -> None:
    client = browser_of("Administrator")
    for org_unit in ("", "OU9", "OU1\x00"):
        answer = post_form(client, f"{KEYS}issue/", {"org_unit": org_unit})
        assert answer.status_code == 422, org_unit
        assert "No key was issued: Organization unit" in answer.content.decode()
    assert not ApiKey.objects.exists()
    assert post_form(client, f"{KEYS}999999/revoke/", {}).status_code == 404


def test_a_key_issued_from_the_add_form_lapses_unless_an_app_is_saved_with_it(
    browser_of: Callable[[str], Client],
    masters: Masters,
    receiver: LocalServer,
    fake_erp: LocalServer,
) -> None:
    client = browser_of("Administrator")
    issued = post_json(client, ISSUE_FROM_FORM, {"org_unit": "OU1"}).json()
    key = issued["key"]
    api_key = ApiKey.objects.get()
    assert api_key.lapses_at is not None
    assert api_key.lapses_at - timezone.now() <= PROVISIONAL_KEY_LIFETIME
    assert ApiClient(key).get("/ping").status == 200, "the form's API test works with it"
    assert "Provisional until" in client.get(KEYS).content.decode()

    # The form is abandoned: once the time is up the key is refused everywhere.
    ApiKey.objects.update(lapses_at=timezone.now() - timedelta(seconds=1))
    assert_error(ApiClient(key).get("/ping"), 401, "unauthenticated")
    assert "Lapsed" in client.get(KEYS).content.decode()
    form = {
        "name": "Late",
        "org_unit": "OU1",
        "webhook_url": receiver.url,
        "webhook_secret": WHSEC,
        "api_url": fake_erp.url,
        "api_key": key,
    }
    late = post_form(client, f"{OMS_APPS}add/", form)
    assert late.status_code == 422 and "API key has lapsed" in late.content.decode()

    # A fresh key, saved with an app in time, stays live for good.
    fresh = post_json(client, ISSUE_FROM_FORM, {"org_unit": "OU1"}).json()["key"]
    saved = post_form(
        client, "/admin/utilities/connected-apps/oms/add/", {**form, "api_key": fresh}
    )
    assert saved.status_code == 302
    kept = ApiKey.objects.get(last4=fresh[-4:])
    assert kept.lapses_at is None and kept.oms_app.name == "Late"


def test_the_form_issues_no_key_for_an_org_unit_that_has_an_enabled_app(
    browser_of: Callable[[str], Client], oms: ConnectedApp
) -> None:
    client = browser_of("Administrator")
    before = snapshot()
    refused = post_json(client, ISSUE_FROM_FORM, {"org_unit": "OU1"})
    assert refused.status_code == 409
    assert "OU1 already has an enabled OMS app" in refused.json()["error"]["message"]
    assert snapshot() == before
    form = client.get(f"{OMS_APPS}add/").content.decode()
    assert 'value="OU1" data-enabled-app="OMS for OU1"' in form
