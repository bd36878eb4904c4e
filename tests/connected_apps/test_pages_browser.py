"""The OMS Apps pages in Chromium: Add, Test, Test, Enable, list, Action > Edit, Disable, Enable."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.connected_apps.models import OmsApp, OmsAppAudit
from tests.conftest import Masters, sign_in
from tests.connected_apps.conftest import ENCRYPTION_KEY, WHSEC, verified_event
from tests.core.local_http import LocalServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OMS_APPS = "/admin/utilities/connected-apps/oms/"
GREEN = "rgb(30, 126, 52)"


def test_add_test_enable_then_disable_and_enable_from_the_edit_view(
    page: Any,
    live_server: Any,
    masters: Masters,
    admin: Any,
    receiver: LocalServer,
) -> None:
    sign_in(page, "admin")
    page.goto(OMS_APPS)
    page.get_by_role("link", name="Add").click()
    page.wait_for_url(f"**{OMS_APPS}add/")
    enable = page.locator("#enable")

    page.fill("#id_name", "Browntape")
    page.select_option("#id_org_unit", "OU1")
    page.fill("#id_webhook_url", receiver.url + "/hook")
    page.fill("#id_webhook_secret", WHSEC)
    page.fill("#id_encryption_key", ENCRYPTION_KEY)
    page.fill("#id_api_url", live_server.url)
    page.click("#issue-key")
    page.wait_for_selector("#issue-key-result.ok")
    assert "shown only this once" in page.inner_text("#issue-key-result")
    assert page.input_value("#id_api_key").startswith("omsk_")
    assert enable.is_disabled()

    page.click("#test-webhook")
    page.wait_for_selector("#webhook-result.ok")
    assert "Connected: HTTP 204" in page.inner_text("#webhook-result")
    assert enable.is_disabled(), "one passed test is not enough"
    page.click("#test-api")
    page.wait_for_selector("#api-result.ok")
    assert enable.is_enabled()

    page.fill("#id_webhook_secret", WHSEC + "x")
    assert enable.is_disabled(), "a tested field changed"
    assert "test again" in page.inner_text("#webhook-result")
    page.fill("#id_webhook_secret", WHSEC)
    page.click("#test-webhook")
    page.wait_for_selector("#webhook-result.ok")
    assert enable.is_enabled()
    page.fill("#id_name", "Browntape India")
    assert enable.is_enabled(), "the name is not tested"
    page.select_option("#id_org_unit", "OU2")
    assert enable.is_disabled(), "the API test depends on the org unit"
    page.select_option("#id_org_unit", "OU1")
    page.click("#test-api")
    page.wait_for_selector("#api-result.ok")

    enable.click()
    page.wait_for_url(f"**{OMS_APPS}")
    row = page.locator("tbody tr", has_text="Browntape India")
    assert "OU1" in row.inner_text() and "Enabled" in row.inner_text()
    assert receiver.url + "/hook" in row.inner_text()
    app = OmsApp.objects.get()
    assert app.enabled and app.name == "Browntape India"
    for request in receiver.requests:
        assert verified_event(request, WHSEC, ENCRYPTION_KEY)["type"] == "ping"

    row.locator("input[type=radio]").check()
    page.click(".action-menu summary")
    page.get_by_role("button", name="Edit").click()
    page.wait_for_url(f"**{OMS_APPS}{app.pk}/")
    fields = page.locator("#oms-app-detail input:not([type=hidden]), #oms-app-detail select")
    assert fields.count() == 7
    for index in range(fields.count()):
        assert fields.nth(index).is_disabled()
    assert page.input_value("#id_webhook_secret") == "whsec_…WY="
    assert WHSEC not in page.content() and ENCRYPTION_KEY not in page.content()

    disable = page.locator("#disable-app")
    assert page.locator("#oms-app-detail button").count() == 1
    disable.hover()
    page.wait_for_function(
        f"getComputedStyle(document.querySelector('#disable-app')).backgroundColor === '{GREEN}'"
    )

    questions: list[str] = []

    def dismiss(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    disable.click()
    assert questions and "Disable Browntape India" in questions[0]
    assert "held" in questions[0]
    assert page.inner_text("#app-status") == "Enabled"
    app.refresh_from_db()
    assert app.enabled

    page.once("dialog", lambda dialog: dialog.accept())
    disable.click()
    page.wait_for_selector("#enable-app")
    assert page.inner_text("#app-status") == "Disabled"
    app.refresh_from_db()
    assert not app.enabled

    def accept(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.click("#enable-app")
    page.wait_for_selector("#disable-app")
    assert "Enable Browntape India" in questions[-1]
    assert page.inner_text("#app-status") == "Enabled"
    app.refresh_from_db()
    assert app.enabled
    actions = list(OmsAppAudit.objects.order_by("pk").values_list("action", "by__username"))
    assert actions == [("added", "admin"), ("disabled", "admin"), ("enabled", "admin")]
    assert page.locator("#app-history tbody tr").count() == 3
