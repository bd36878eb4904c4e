"""API keys and the Add form in Chromium: issue and revoke behind a confirmation, a key shown
once, a Viewer without buttons, and an org unit that already has an app said at once."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.connected_apps.models import ApiKey
from omslink.core.operations import ADMINISTRATOR, VIEWER
from tests.conftest import ConnectedApp, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEYS = "/admin/utilities/connected-apps/api-keys/"


def test_issue_and_revoke_behind_a_confirmation(
    page: Any, oms: ConnectedApp, make_user: Any
) -> None:
    make_user(ADMINISTRATOR, "keeper")
    sign_in(page, "keeper")
    answers: list[bool] = [False]
    questions: list[str] = []

    def answer(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept() if answers[0] else dialog.dismiss()

    page.on("dialog", answer)
    page.goto(KEYS)
    ou1 = page.locator("#keys-OU1")
    assert f"…{oms.api_key[-4:]}" in ou1.inner_text() and "OMS for OU1" in ou1.inner_text()
    assert "No key has been issued for OU2" in page.inner_text("#keys-OU2")

    page.select_option("#issue-org-unit", "OU2")
    page.click("#issue-key")  # dismissed: nothing happens
    assert questions and "Issue a new API key" in questions[-1]
    assert ApiKey.objects.filter(org_unit__code="OU2").count() == 0
    answers[0] = True
    page.click("#issue-key")
    page.wait_for_selector("#issued-key")
    key = page.input_value("#new-key")
    assert key.startswith("omsk_") and "shown only this once" in page.inner_text("#issued-key")
    new_row = page.locator("#keys-OU2 tbody tr")
    assert new_row.count() == 1 and f"…{key[-4:]}" in new_row.inner_text()
    assert "Live" in new_row.inner_text() and "never" in new_row.inner_text()
    page.goto(KEYS)
    assert page.locator("#issued-key").count() == 0 and key not in page.content()

    answers[0] = False
    revoke = page.locator("#keys-OU1 .revoke-key")
    revoke.click()
    assert "OMS for OU1 uses it" in questions[-1]
    assert ApiKey.objects.get(org_unit__code="OU1").revoked_at is None
    answers[0] = True
    revoke.click()
    page.wait_for_selector(".messages li.success")
    assert "Revoked" in page.inner_text("#keys-OU1")
    assert page.locator("#keys-OU1 .revoke-key").count() == 0
    revoked = ApiKey.objects.select_related("revoked_by").get(org_unit__code="OU1")
    assert revoked.revoked_by is not None and revoked.revoked_by.username == "keeper"


def test_viewer_sees_the_keys_without_buttons(page: Any, oms: ConnectedApp, make_user: Any) -> None:
    make_user(VIEWER, "watcher")
    sign_in(page, "watcher")
    page.goto(KEYS)
    assert f"…{oms.api_key[-4:]}" in page.inner_text("#keys-OU1")
    assert page.locator("#issue-key, .revoke-key").count() == 0


def test_add_form_says_at_once_that_the_org_unit_has_an_enabled_app(
    page: Any, oms: ConnectedApp, make_user: Any
) -> None:
    make_user(ADMINISTRATOR, "adder")
    sign_in(page, "adder")
    page.goto("/admin/utilities/connected-apps/oms/add/")
    notice = page.locator("#org-unit-notice")
    assert notice.is_hidden()
    page.select_option("#id_org_unit", "OU1")
    assert notice.is_visible()
    assert "OU1 already has an enabled OMS app (OMS for OU1)" in notice.inner_text()
    for button in ("#issue-key", "#test-webhook", "#test-api"):
        assert page.locator(button).is_disabled(), button
    page.select_option("#id_org_unit", "OU2")
    assert notice.is_hidden()
    assert page.locator("#issue-key").is_enabled()
    assert ApiKey.objects.count() == 1, "no key was issued for the refused org unit"
