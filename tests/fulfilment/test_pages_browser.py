"""A warehouse user in Chromium walks an order from reserved to shipped."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.core.operations import WAREHOUSE
from omslink.orders.models import Order
from tests.conftest import Masters, Push, sign_in
from tests.inventory.state import assert_stock_consistent, balance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reserved_order_to_shipped(page: Any, stocked: Masters, push: Push, make_user: Any) -> None:
    order = push([("TEE-RED-M", 2), ("CAP-GRY", 1)])
    other = push([("TEE-BLU-L", 1)])
    make_user(WAREHOUSE, "walker")
    sign_in(page, "walker")
    page.on("dialog", lambda dialog: dialog.accept())

    page.get_by_role("link", name="Pick lists").first.click()
    page.wait_for_selector(f"#reserved-{order}")
    page.get_by_label(f"Select {order}").check()
    page.get_by_role("button", name="Create pick list").click()
    page.wait_for_selector("#confirm-picking")
    lines = page.locator("#picklist-lines tbody tr")
    assert lines.count() == 2
    assert lines.nth(0).inner_text().startswith("A-01-02")
    assert lines.nth(1).inner_text().startswith("C-01-01")
    assert page.get_by_role("button", name="Print").is_visible()

    page.get_by_role("button", name="Confirm picking").click()
    page.wait_for_selector("#picklist-status.confirmed")
    page.get_by_role("link", name="Pack & invoice").click()
    page.wait_for_selector("#pack-form")
    page.get_by_label("Weight in grams").fill("700")
    page.get_by_label("Length in mm").fill("300")
    page.get_by_label("Breadth in mm").fill("220")
    page.get_by_label("Height in mm").fill("90")
    page.get_by_role("button", name="Add package").click()
    second = page.locator("tbody.packages tr").nth(1)
    for label, value in (
        ("Weight in grams", "150"),
        ("Length in mm", "200"),
        ("Breadth in mm", "100"),
        ("Height in mm", "30"),
    ):
        second.get_by_label(label).fill(value)
    page.get_by_role("button", name="Pack & invoice").click()
    page.wait_for_selector("#order-status.invoiced")
    assert page.locator("#packages li").count() == 2

    pdf_link = page.get_by_role("link", name="Invoice PDF")
    document = page.request.get(pdf_link.get_attribute("href"))
    assert document.headers["content-type"] == "application/pdf"
    assert document.body().startswith(b"%PDF-")

    page.get_by_label("Courier").fill("BlueDart")
    page.get_by_label("AWB number").fill("BD-4242")
    page.get_by_role("button", name="Ship").click()
    page.wait_for_selector("#order-status.shipped")
    assert "BlueDart · AWB BD-4242" in page.inner_text("#shipment")

    shipped = Order.objects.get(pk=int(order[3:]))
    assert (shipped.status, shipped.courier, shipped.awb) == ("shipped", "BlueDart", "BD-4242")
    assert Order.objects.get(pk=int(other[3:])).status == "reserved"
    assert balance("WH1", "TEE-RED-M") == (8, 0, 0)
    assert balance("WH1", "CAP-GRY") == (9, 0, 0)
    assert_stock_consistent()


def test_short_pick_says_what_was_cancelled_and_written_off(
    page: Any, stocked: Masters, push: Push, make_user: Any
) -> None:
    complete = push([("TEE-RED-M", 2)])
    short = push([("TEE-RED-M", 1), ("CAP-GRY", 1)])
    make_user(WAREHOUSE, "picker")
    sign_in(page, "picker")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/picklists/")
    page.get_by_label("Select every reserved order").check()
    page.get_by_role("button", name="Create pick list").click()
    page.wait_for_selector("#confirm-picking")
    assert page.locator("#picking-outcome").count() == 0, "nothing to say before picking"
    page.get_by_label("Picked of TEE-RED-M").fill("2")

    page.get_by_role("button", name="Confirm picking").click()
    page.wait_for_selector("#picklist-status.confirmed")
    assert page.inner_text("#picklist-status") == "Confirmed"
    cancelled = page.inner_text("#cancelled-out-of-stock")
    assert "Cancelled as out of stock" in cancelled and short in cancelled
    assert complete not in cancelled
    written_off = page.locator("#written-off tbody tr")
    assert written_off.count() == 1
    assert written_off.nth(0).inner_text().split() == [short, "TEE-RED-M", "1"]
    assert page.locator(f"#row-{complete}").get_by_role("link", name="Pack & invoice").count() == 1
    assert page.locator(f"#row-{short}").get_by_role("link", name="Pack & invoice").count() == 0
    assert "Cancelled" in page.inner_text(f"#row-{short}")
    assert Order.objects.get(pk=int(short[3:])).status == "cancelled"
    assert_stock_consistent()
