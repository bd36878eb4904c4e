"""The whole way back through the API: shipped → delivered → returned → received → credit
note, and shipped → RTO → received, with the stock checked after every step and the OMS's
events in sequence on the order's key."""

from __future__ import annotations

from typing import Any

from omslink.cli import main as omslink_main
from omslink.webhooks.models import Event
from tests.conftest import ApiClient, ConnectedApp, Masters, Push
from tests.fulfilment.conftest import event_types
from tests.fulfilment.test_flow import moves, stock
from tests.inventory.state import assert_stock_consistent
from tests.returns.conftest import (
    deliver,
    external_id,
    push_return,
    receive,
    shipped,
)

COD_ORDER: dict[str, Any] = {
    "payment_mode": "COD",
    "shipping_charge": "40.00",
    "cod_charge": "30.00",
}


def amounts(note: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (note["taxable_value"], note["cgst"], note["sgst"], note["igst"], note["total"])


def test_delivered_order_returned_by_the_buyer_is_credited(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    order = shipped(push, warehouse, [("TEE-RED-M", 2), ("CAP-GRY", 1)], **COD_ORDER)
    assert stock(warehouse) == {"TEE-RED-M": (8, 0, 0, 8), "CAP-GRY": (9, 0, 0, 9)}
    assert_stock_consistent()

    delivered = deliver(oms, warehouse, order)
    assert delivered["status"] == "delivered"
    assert delivered["delivered_at"] == "2026-11-28T08:35:00Z"
    assert delivered["returns"] == []
    assert stock(warehouse) == {"TEE-RED-M": (8, 0, 0, 8), "CAP-GRY": (9, 0, 0, 9)}

    created = push_return(oms, warehouse, order, [("1", 1), ("2", 1)], awb="RVP-1")
    assert created["type"] == "customer_return" and created["status"] == "expected"
    assert created["external_return_id"] == "BT-R-1"
    assert created["order"] == order and created["site"] == "WH1"
    assert created["lines"] == [
        {
            "line_id": "1",
            "sku": "TEE-RED-M",
            "quantity": 1,
            "good": None,
            "damaged": None,
            "missing": None,
        },
        {
            "line_id": "2",
            "sku": "CAP-GRY",
            "quantity": 1,
            "good": None,
            "damaged": None,
            "missing": None,
        },
    ]
    assert created["credit_note"] is None and created["received_at"] is None
    number = created["number"]
    assert warehouse.get(f"/orders/{order}").body["returns"] == [number]
    assert oms.client().get("/returns/BT-R-1").body == created
    assert stock(warehouse) == {"TEE-RED-M": (8, 0, 0, 8), "CAP-GRY": (9, 0, 0, 9)}

    received = receive(warehouse, number, {"TEE-RED-M": (1, 0), "CAP-GRY": (0, 1)})
    assert received["status"] == "received" and received["received_at"]
    assert [(line["good"], line["damaged"], line["missing"]) for line in received["lines"]] == [
        (1, 0, 0),
        (0, 1, 0),
    ]
    # The good tee is sellable again at WH1; the damaged cap is not.
    assert stock(warehouse) == {"TEE-RED-M": (9, 0, 0, 9), "CAP-GRY": (9, 0, 0, 9)}
    assert moves(number) == [("TEE-RED-M", "return", 1, 0)]
    assert_stock_consistent()

    # One of two tees (half of 950.48 taxable, 23.76 + 23.76 tax) and the whole cap
    # (422.88, 38.06 + 38.06); shipping and COD charges are not credited.
    note = received["credit_note"]
    assert note["number"].startswith("CN/OU1/") and len(note["number"]) <= 16
    assert amounts(note) == ("898.12", "49.94", "49.94", "0.00", "998.00")
    assert note["pdf_url"] == f"/api/v1/credit-notes/{note['number']}.pdf"
    pdf = warehouse.get(note["pdf_url"].removeprefix("/api/v1"))
    assert pdf.status == 200 and pdf.body[:5] == b"%PDF-"

    assert event_types(order) == [
        "order.reserved",
        "order.picklist_created",
        "order.picked",
        "order.packed",
        "order.invoiced",
        "order.shipped",
        "order.delivered",
        "return.created",
        "return.received",
        "credit_note.issued",
    ]
    events = list(Event.objects.filter(ordering_key=f"order:{order}").order_by("sequence"))
    assert events[6].data == delivered
    assert events[7].data == created
    assert events[8].data == {**received, "credit_note": None}
    assert events[9].data == received
    assert warehouse.get(f"/returns/{number}").body == received

    # The last tee comes back later: its credit is exactly what is left of the line.
    second = push_return(oms, warehouse, order, [("1", 1)], external_return_id="BT-R-2")
    last = receive(warehouse, second["number"], {"TEE-RED-M": (1, 0)})
    assert amounts(last["credit_note"]) == ("475.24", "11.88", "11.88", "0.00", "499.00")
    assert stock(warehouse) == {"TEE-RED-M": (10, 0, 0, 10), "CAP-GRY": (9, 0, 0, 9)}
    assert_stock_consistent()
    assert warehouse.get(f"/orders/{order}").body["returns"] == [number, second["number"]]


def test_rto_comes_back_and_reverses_the_whole_invoice(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    order = shipped(push, warehouse, [("TEE-RED-M", 2), ("CAP-GRY", 1)], **COD_ORDER)
    invoice = warehouse.get(f"/orders/{order}").body["invoice"]
    assert stock(warehouse) == {"TEE-RED-M": (8, 0, 0, 8), "CAP-GRY": (9, 0, 0, 9)}

    answer = oms.client().post(
        f"/orders/{external_id(warehouse, order)}/rto", {"reason": "Buyer refused the parcel"}
    )
    assert answer.status == 200, answer.body
    assert answer.body["status"] == "rto_initiated"
    [number] = answer.body["returns"]
    rto = warehouse.get(f"/returns/{number}").body
    assert rto["type"] == "rto" and rto["status"] == "expected"
    assert rto["external_return_id"] is None and rto["reason"] == "Buyer refused the parcel"
    assert (rto["courier"], rto["awb"]) == ("BlueDart", "BD-1")
    assert [(line["sku"], line["quantity"]) for line in rto["lines"]] == [
        ("TEE-RED-M", 2),
        ("CAP-GRY", 1),
    ]
    assert stock(warehouse) == {"TEE-RED-M": (8, 0, 0, 8), "CAP-GRY": (9, 0, 0, 9)}
    assert_stock_consistent()

    # One tee is missing from the parcel, the cap is back in good order.
    received = receive(warehouse, number, {"TEE-RED-M": (1, 0), "CAP-GRY": (1, 0)})
    assert [(line["good"], line["damaged"], line["missing"]) for line in received["lines"]] == [
        (1, 0, 1),
        (1, 0, 0),
    ]
    assert stock(warehouse) == {"TEE-RED-M": (9, 0, 0, 9), "CAP-GRY": (10, 0, 0, 10)}
    assert moves(number) == [("TEE-RED-M", "return", 1, 0), ("CAP-GRY", "return", 1, 0)]
    assert_stock_consistent()
    # The supply never happened: the whole invoice, charges included, whatever arrived.
    assert (
        amounts(received["credit_note"])
        == (
            invoice["taxable_value"],
            invoice["cgst"],
            invoice["sgst"],
            invoice["igst"],
            invoice["total"],
        )
        == ("1432.68", "67.16", "67.16", "0.00", "1567.00")
    )

    final = warehouse.get(f"/orders/{order}").body
    assert final["status"] == "rto_received" and final["delivered_at"] is None
    assert event_types(order)[5:] == [
        "order.shipped",
        "order.rto_initiated",
        "return.created",
        "return.received",
        "credit_note.issued",
        "order.rto_received",
    ]
    last = Event.objects.filter(ordering_key=f"order:{order}").latest("sequence")
    assert last.data == final
    # What an operator runs: every balance still equals its ledger, returns included.
    assert omslink_main(["stock", "check"]) == 0


def test_repeated_notices_answer_the_order_unchanged(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    delivered = shipped(push, warehouse, [("TEE-RED-M", 1)])
    first = deliver(oms, warehouse, delivered)
    partner = oms.client()
    again = partner.post(
        f"/orders/{external_id(warehouse, delivered)}/delivered",
        # The same moment written in another offset is the same notice.
        {"delivered_at": "2026-11-28T08:35:00Z"},
    )
    assert again.status == 200 and again.body == first
    other = partner.post(
        f"/orders/{external_id(warehouse, delivered)}/delivered",
        {"delivered_at": "2026-11-29T09:00:00+05:30"},
    )
    assert other.status == 409 and other.body["error"]["code"] == "invalid_transition"
    assert event_types(delivered).count("order.delivered") == 1
    assert warehouse.get(f"/orders/{delivered}").body == first

    returned = shipped(push, warehouse, [("TEE-RED-M", 1)])
    path = f"/orders/{external_id(warehouse, returned)}/rto"
    first = partner.post(path, {"reason": "Address not found"}).body
    assert partner.post(path, {"reason": "Address not found"}).body == first
    refused = partner.post(path, {"reason": "Another reason"})
    assert refused.status == 409 and refused.body["error"]["code"] == "invalid_transition"
    assert event_types(returned).count("order.rto_initiated") == 1
    assert len(first["returns"]) == 1
    # After receipt the same notice still answers the order as it now is.
    receive(warehouse, first["returns"][0], {"TEE-RED-M": (1, 0)})
    now = warehouse.get(f"/orders/{returned}").body
    assert partner.post(path, {"reason": "Address not found"}).body == now
