"""Shipped orders (pushed and fulfilled through the API) and the ways they come back.

The OMS reports deliveries and RTOs and pushes returns with its API key; a Warehouse user
receives them with a personal token, exactly as in production.
"""

from __future__ import annotations

from typing import Any

from omslink.fulfilment.models import InvoiceCounter
from omslink.orders.models import Order
from omslink.returns.models import (
    CreditNote,
    CreditNoteCounter,
    CreditNoteLine,
    Return,
    ReturnLine,
)
from tests.conftest import ApiClient, ConnectedApp, Push
from tests.fulfilment.conftest import (  # noqa: F401 - the fixtures, shared
    fulfilment_snapshot,
    invoice_dir,
    walk_to,
    warehouse,
)
from tests.orders.conftest import stocked  # noqa: F401 - the fixture, shared

DELIVERED_AT = "2026-11-28T14:05:00+05:30"


def shipped(
    push_order: Push, staff: ApiClient, lines: list[tuple[str, int]], **changes: Any
) -> str:
    """Push an order and take it through picking, packing and shipping; its ERP id."""
    order = push_order(lines, **changes)
    walk_to("shipped", order, staff)
    return order


def external_id(staff: ApiClient, order: str) -> str:
    return str(staff.get(f"/orders/{order}").body["external_order_id"])


def deliver(oms: ConnectedApp, staff: ApiClient, order: str) -> dict[str, Any]:
    answer = oms.client().post(
        f"/orders/{external_id(staff, order)}/delivered", {"delivered_at": DELIVERED_AT}
    )
    assert answer.status == 200, answer.body
    return dict(answer.body)


def push_return(
    oms: ConnectedApp,
    staff: ApiClient,
    order: str,
    lines: list[tuple[str, int]],
    external_return_id: str = "BT-R-1",
    **changes: Any,
) -> dict[str, Any]:
    """The OMS pushes a buyer's return of (line_id, quantity) pairs; the new return."""
    body = return_body(external_id(staff, order), lines, external_return_id, **changes)
    answer = oms.client().post("/returns", body)
    assert answer.status == 201, answer.body
    return dict(answer.body)


def return_body(
    external_order_id: str,
    lines: list[tuple[str, int]],
    external_return_id: str = "BT-R-1",
    **changes: Any,
) -> dict[str, Any]:
    return {
        "external_return_id": external_return_id,
        "order": external_order_id,
        "reason": "Size does not fit",
        "lines": [{"line_id": line_id, "quantity": quantity} for line_id, quantity in lines],
        **changes,
    }


def receive(staff: ApiClient, number: str, counts: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Receive a return with (good, damaged) per SKU; the received return."""
    answer = staff.post(
        f"/returns/{number}/receive",
        {
            "lines": [
                {"sku": sku, "good": good, "damaged": damaged}
                for sku, (good, damaged) in counts.items()
            ]
        },
    )
    assert answer.status == 200, answer.body
    return dict(answer.body)


def returns_snapshot() -> dict[str, Any]:
    """Everything a delivery, RTO or return request could write, with stock and orders."""
    counted = (Return, ReturnLine, CreditNote, CreditNoteLine, CreditNoteCounter, InvoiceCounter)
    return {
        **fulfilment_snapshot(),
        "returns": {model.__name__: model.objects.count() for model in counted},
        "return_rows": sorted(
            Return.objects.values_list("pk", "status", "reason", "courier", "awb")
        ),
        "return_lines": sorted(
            ReturnLine.objects.values_list("pk", "quantity", "good", "damaged", "missing")
        ),
        "delivered": sorted(Order.objects.values_list("pk", "delivered_at", "updated_at")),
        "credit_counters": sorted(CreditNoteCounter.objects.values_list("pk", "last_serial")),
    }
