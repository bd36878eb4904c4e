"""In Chromium: a warehouse user scans a returned parcel's AWB, counts it, receives it and
opens the credit note; a Viewer sees returns but cannot receive, and the server agrees."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.core.operations import VIEWER, WAREHOUSE
from omslink.returns.models import Return
from tests.conftest import ApiClient, ConnectedApp, Masters, Push, sign_in
from tests.fulfilment.conftest import walk_to
from tests.fulfilment.test_invoice_pdf import pdf_text
from tests.inventory.state import assert_stock_consistent, balance, page_client
from tests.returns.conftest import returns_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rto_of(push: Push, make_user: Any, oms: ConnectedApp) -> tuple[str, str]:
    """A shipped order (AWB BD-1) the courier brings back; (order, return number)."""
    _, token = make_user(WAREHOUSE, "shipper")
    staff = ApiClient(token)
    order = push([("TEE-RED-M", 2), ("CAP-GRY", 1)])
    walk_to("shipped", order, staff)
    external = staff.get(f"/orders/{order}").body["external_order_id"]
    answer = oms.client().post(f"/orders/{external}/rto", {"reason": "Buyer refused"})
    assert answer.status == 200, answer.body
    return order, answer.body["returns"][0]


def test_warehouse_user_scans_counts_and_receives(
    page: Any, stocked: Masters, push: Push, make_user: Any, oms: ConnectedApp
) -> None:
    order, number = rto_of(push, make_user, oms)
    make_user(WAREHOUSE, "receiver")
    sign_in(page, "receiver")
    page.get_by_role("link", name="Returns").first.click()
    page.wait_for_selector("#returns")
    assert number in page.inner_text("#returns")
    page.get_by_role("link", name="Receive a parcel").click()

    # A barcode scanner is a keyboard: it types the AWB into the focused field, then Enter.
    page.wait_for_selector("#code:focus")
    page.keyboard.type("BD-1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#receive-form")
    assert page.inner_text("h1").startswith(f"Return {number}")

    # Two tees scanned one by one (the item field has the focus), the cap counted damaged.
    page.wait_for_selector("#item-scan:focus")
    for _ in range(2):
        page.keyboard.type("TEE-RED-M")
        page.keyboard.press("Enter")
    assert page.get_by_label("Good units of TEE-RED-M").input_value() == "2"
    page.get_by_label("Damaged units of CAP-GRY").fill("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#return-status.received")
    assert "credit note CN/OU1/" in page.inner_text(".messages")

    pdf_link = page.get_by_role("link", name="Credit note PDF")
    document = page.request.get(pdf_link.get_attribute("href"))
    assert document.headers["content-type"] == "application/pdf"
    text = pdf_text(document.body())
    assert "Credit Note" in text and "GSTIN: 29ABCDE1234F1Z5" in text

    # The order page links the return and its credit note.
    page.goto(f"/orders/{order}/")
    assert page.get_by_role("link", name=number).is_visible()
    assert page.locator("#returns").get_by_role("link", name="CN/OU1/").count() == 1
    assert balance("WH1", "TEE-RED-M") == (10, 0, 0)
    assert balance("WH1", "CAP-GRY") == (9, 0, 0)
    assert_stock_consistent()


def test_viewer_sees_returns_but_cannot_receive(
    page: Any, stocked: Masters, push: Push, make_user: Any, oms: ConnectedApp
) -> None:
    _, number = rto_of(push, make_user, oms)
    make_user(VIEWER, "looker")
    sign_in(page, "looker")
    page.get_by_role("link", name="Returns").first.click()
    page.wait_for_selector("#returns")
    assert page.get_by_role("link", name="Receive a parcel").count() == 0
    page.get_by_role("link", name=number).click()
    page.wait_for_selector("#lines")
    assert page.get_by_role("button", name="Receive").count() == 0
    assert page.locator("#receive-form").count() == 0

    before = returns_snapshot()
    answer = page_client("looker").post(
        f"/returns/{number}/receive/", {"sku": ["TEE-RED-M"], "good": ["2"], "damaged": ["0"]}
    )
    assert answer.status_code == 403
    assert returns_snapshot() == before
    assert Return.objects.get(pk=int(number[3:])).status == "expected"
