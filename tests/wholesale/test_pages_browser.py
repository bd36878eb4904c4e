"""A warehouse user in Chromium: receive stock, allocate and dispatch wholesale, cancel online."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.core.operations import ADMINISTRATOR, WAREHOUSE
from tests.conftest import ConnectedApp, Masters, sign_in
from tests.inventory.state import assert_stock_consistent, balance
from tests.orders.bodies import order_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_stock_wholesale_and_order_pages(
    page: Any, masters: Masters, oms: ConnectedApp, make_user: Any
) -> None:
    make_user(WAREHOUSE, "stocker")
    sign_in(page, "stocker")
    page.on("dialog", lambda dialog: dialog.accept())

    page.get_by_role("link", name="Stock").first.click()
    receipt = page.locator("#receipt")
    receipt.get_by_label("Site").select_option("WH1")
    receipt.get_by_label("Reference").fill("DN-1001")
    receipt.get_by_role("button", name="Add line").click()
    rows = receipt.locator("table.lines tbody tr")
    assert rows.count() == 5
    rows.nth(0).get_by_label("SKU").fill("TEE-RED-M")
    rows.nth(0).get_by_label("Quantity").fill("20")
    rows.nth(4).get_by_label("SKU").fill("CAP-GRY")
    rows.nth(4).get_by_label("Quantity").fill("5")
    receipt.get_by_role("button", name="Receive").click()
    page.wait_for_selector(".messages li.success")
    assert "DN-1001" in page.locator("#documents").inner_text()
    assert "TEE-RED-M" in page.locator("#balances").inner_text()
    assert balance("WH1", "TEE-RED-M") == (20, 0, 0)

    pushed = oms.client().post("/orders", order_body(lines=[("TEE-RED-M", 6)]))
    assert pushed.status == 201

    page.get_by_role("link", name="Wholesale").first.click()
    create = page.locator("#create")
    create.get_by_label("Site").select_option("WH1")
    create.locator("table.lines tbody tr").nth(0).get_by_label("SKU").fill("TEE-RED-M")
    create.locator("table.lines tbody tr").nth(0).get_by_label("Quantity").fill("15")
    create.get_by_role("button", name="Allocate").click()
    page.wait_for_selector(".messages li.error")
    assert (
        "Not enough available stock at WH1 for TEE-RED-M" in page.locator(".messages").inner_text()
    )
    assert page.locator("table.lines input[name=quantity]").first.input_value() == "15"
    page.locator("table.lines input[name=quantity]").first.fill("14")
    page.get_by_role("button", name="Allocate").click()
    page.wait_for_selector("#order-status.allocated")
    assert balance("WH1", "TEE-RED-M") == (20, 6, 14)
    page.get_by_role("button", name="Dispatch").click()
    page.wait_for_selector("#order-status.dispatched")
    assert balance("WH1", "TEE-RED-M") == (6, 6, 0)

    page.get_by_role("link", name="Orders").first.click()
    page.get_by_role("link", name=pushed.body["id"]).click()
    assert "order.reserved" in page.locator("#events").inner_text()
    page.get_by_label("Reason").fill("customer called")
    page.get_by_role("button", name="Cancel order").click()
    page.wait_for_selector("#order-status.cancelled")
    assert "Cancelled by ERP" in page.locator("#cancellation").inner_text()
    assert "order.cancelled" in page.locator("#events").inner_text()
    assert balance("WH1", "TEE-RED-M") == (6, 0, 0)
    assert_stock_consistent()


def test_wholesale_and_masters_forms_refuse_in_words_and_keep_the_input(
    page: Any, masters: Masters, make_user: Any
) -> None:
    make_user(ADMINISTRATOR, "clerk")
    sign_in(page, "clerk")

    page.goto("/wholesale/")
    create = page.locator("#create")
    create.get_by_label("Site").select_option("WH2")
    first = create.locator("table.lines tbody tr").nth(0)
    first.get_by_label("SKU").fill("TEE-RED-M")
    first.get_by_label("Quantity").fill("two")
    create.get_by_role("button", name="Allocate").click()
    page.wait_for_selector(".messages li.error")
    said = page.locator(".messages").inner_text()
    assert "Line 1: quantity must be a whole number" in said, said
    assert "Input should" not in said and "lines[0]" not in said
    assert page.locator("#create #site").input_value() == "WH2"
    assert first.get_by_label("SKU").input_value() == "TEE-RED-M"

    page.goto("/masters/org-units/")
    add = page.locator("#add")
    add.get_by_label("Code").fill("OU 9")
    add.get_by_label("Legal name").fill("Indigo South")
    add.get_by_label("GSTIN").fill("29ABCDE1234F1Z5")
    add.get_by_label("State").select_option("KA")
    add.get_by_role("button", name="Add org unit").click()
    page.wait_for_selector(".messages li.error")
    said = page.locator(".messages").inner_text()
    assert "The org unit was not added: Code is not valid." in said, said
    assert "String should" not in said and "pattern" not in said
    assert page.locator("#add #field-name").input_value() == "Indigo South"
