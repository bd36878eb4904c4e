"""The whole path through the API, from pushed orders to shipped, with the stock checked at
every step and the OMS's events in sequence."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from omslink.inventory.models import StockMove
from omslink.webhooks.models import Delivery, Event
from omslink.webhooks.services import event_envelope
from omslink.webhooks.signing import event_body
from tests.conftest import ApiClient, ConnectedApp, Masters, Push
from tests.fulfilment.conftest import event_types
from tests.inventory.state import assert_stock_consistent
from tests.orders.bodies import order_body


def stock(client: ApiClient) -> dict[str, tuple[int, int, int, int]]:
    """(on_hand, reserved, allocated, available) per SKU at WH1, as the stock API shows it."""
    answer = client.get("/stock?site=WH1&sku=TEE-RED-M&sku=CAP-GRY")
    assert answer.status == 200, answer.body
    return {
        row["sku"]: (row["on_hand"], row["reserved"], row["allocated"], row["available"])
        for row in answer.body["items"]
    }


def moves(reference: str) -> list[tuple[str, str, int, int]]:
    return list(
        StockMove.objects.filter(reference=reference)
        .order_by("pk")
        .values_list("item__sku", "kind", "on_hand_delta", "reserved_delta")
    )


def statuses_published(order: str) -> list[str]:
    return [
        data["status"]
        for data in Event.objects.filter(ordering_key=f"order:{order}")
        .order_by("sequence")
        .values_list("data", flat=True)
    ]


def test_reserved_to_shipped_with_a_short_pick(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    first = push(
        [("TEE-RED-M", 2), ("CAP-GRY", 1)],
        payment_mode="COD",
        shipping_charge="40.00",
        cod_charge="30.00",
    )
    second = push([("TEE-RED-M", 3)])
    assert stock(warehouse) == {"TEE-RED-M": (10, 5, 0, 5), "CAP-GRY": (10, 1, 0, 9)}
    assert_stock_consistent()

    picklist = warehouse.post("/picklists", {"site": "WH1", "max_orders": 10}).body
    assert picklist["orders"] == [first, second]
    assert picklist["lines"] == [
        {"sku": "TEE-RED-M", "bin": "A-01-02", "quantity": 5, "picked": None},
        {"sku": "CAP-GRY", "bin": "C-01-01", "quantity": 1, "picked": None},
    ]
    assert stock(warehouse) == {"TEE-RED-M": (10, 5, 0, 5), "CAP-GRY": (10, 1, 0, 9)}

    # One tee of five is not on the shelf: the first order completes, the second cannot.
    confirmed = warehouse.post(
        f"/picklists/{picklist['number']}/confirm",
        {"lines": [{"sku": "CAP-GRY", "picked": 1}, {"sku": "TEE-RED-M", "picked": 4}]},
    )
    assert confirmed.status == 200, confirmed.body
    assert warehouse.get(f"/orders/{first}").body["status"] == "picked"
    second_now = warehouse.get(f"/orders/{second}").body
    assert second_now["status"] == "cancelled"
    assert second_now["cancellation"]["by"] == "erp"
    assert second_now["cancellation"]["reason"] == "out_of_stock"
    assert moves(second) == [
        ("TEE-RED-M", "reserve", 0, 3),
        ("TEE-RED-M", "write_off", -1, -1),
        ("TEE-RED-M", "release", 0, -2),
    ]
    assert stock(warehouse) == {"TEE-RED-M": (9, 2, 0, 7), "CAP-GRY": (10, 1, 0, 9)}
    assert_stock_consistent()

    packed = warehouse.post(
        f"/orders/{first}/pack",
        {"packages": [{"weight_grams": 800, "length_mm": 300, "breadth_mm": 250, "height_mm": 80}]},
    )
    assert packed.status == 200, packed.body
    invoice = packed.body["invoice"]
    # Tees 998.00 at 5%, cap 499.00 at 18%, shipping 40 and COD 30 at 18%, in Karnataka.
    assert (invoice["taxable_value"], invoice["cgst"], invoice["sgst"], invoice["total"]) == (
        "1432.68",
        "67.16",
        "67.16",
        "1567.00",
    )
    assert warehouse.get(invoice["pdf_url"].removeprefix("/api/v1")).status == 200
    assert stock(warehouse) == {"TEE-RED-M": (9, 2, 0, 7), "CAP-GRY": (10, 1, 0, 9)}

    external = packed.body["external_order_id"]
    assert (
        oms.client()
        .post(f"/orders/{external}/awb", {"courier": "Delhivery", "awb": "DLV42"})
        .status
        == 200
    )
    shipped = warehouse.post(f"/orders/{first}/ship")
    assert shipped.status == 200, shipped.body
    assert shipped.body["shipment"]["awb"] == "DLV42"
    assert moves(first) == [
        ("TEE-RED-M", "reserve", 0, 2),
        ("CAP-GRY", "reserve", 0, 1),
        ("TEE-RED-M", "ship", -2, -2),
        ("CAP-GRY", "ship", -1, -1),
    ]
    assert stock(warehouse) == {"TEE-RED-M": (7, 0, 0, 7), "CAP-GRY": (9, 0, 0, 9)}
    assert_stock_consistent()

    assert event_types(first) == [
        "order.reserved",
        "order.picklist_created",
        "order.picked",
        "order.packed",
        "order.invoiced",
        "order.shipped",
    ]
    assert statuses_published(first) == [
        "reserved",
        "picklist_created",
        "picked",
        "invoiced",
        "invoiced",
        "shipped",
    ]
    assert event_types(second) == ["order.reserved", "order.picklist_created", "order.cancelled"]
    last: Any = Event.objects.filter(ordering_key=f"order:{first}").latest("sequence")
    assert last.data == shipped.body
    # Every order event goes to the order's app only, in its key's sequence.
    deliveries = Delivery.objects.filter(ordering_key=f"order:{first}").order_by("sequence")
    assert [(d.app_id, d.sequence) for d in deliveries] == [(oms.app.pk, n) for n in range(1, 7)]


def _as_sent(event: Event) -> dict[str, Any]:
    """The event's data as the relay signs and sends it, parsed as an OMS parses it."""
    return dict(json.loads(event_body(event_envelope(event)))["data"])


def _key_order(value: Any) -> Any:
    """Every object's keys in order, at any depth: what byte-for-byte equality adds to ==."""
    if isinstance(value, dict):
        return [(key, _key_order(inner)) for key, inner in value.items()]
    if isinstance(value, list):
        return [_key_order(inner) for inner in value]
    return None


def assert_published_as_answered(
    order: str, answer: dict[str, Any], *types: str, sent_since: int
) -> None:
    """The order's events since `sent_since` are `types`, each carrying `answer` as its data.

    Field for field and, where the database keeps JSON keys in the order written (SQLite; not
    PostgreSQL's jsonb), in the same order as the answer.
    """
    events = list(
        Event.objects.filter(ordering_key=f"order:{order}", pk__gt=sent_since)
        .select_related("org_unit")
        .order_by("sequence")
    )
    assert [event.type for event in events] == list(types)
    for event in events:
        sent = _as_sent(event)
        assert sent == answer, event.type
        if connection.vendor != "postgresql":
            assert _key_order(sent) == _key_order(answer), event.type


def _last_event_pk() -> int:
    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_every_step_publishes_the_order_exactly_as_the_api_answers_it(
    stocked: Masters, oms: ConnectedApp, warehouse: ApiClient
) -> None:
    partner = oms.client()
    pushed = partner.post("/orders", order_body("BT-1", [("TEE-RED-M", 2), ("CAP-GRY", 1)]))
    assert pushed.status == 201, pushed.body
    first = pushed.body["id"]
    assert_published_as_answered(first, pushed.body, "order.reserved", sent_since=0)
    second = partner.post("/orders", order_body("BT-2", [("TEE-RED-M", 8)])).body["id"]
    third = partner.post("/orders", order_body("BT-3", [("JKT-BLK-M", 1)])).body["id"]
    fourth = partner.post("/orders", order_body("BT-4", [("TEE-BLU-L", 1)])).body["id"]

    since = _last_event_pk()
    cancelled = partner.post("/orders/BT-3/cancel", {"reason": "buyer changed mind"})
    assert cancelled.status == 200, cancelled.body
    assert_published_as_answered(third, cancelled.body, "order.cancelled", sent_since=since)

    since = _last_event_pk()
    cancelled = warehouse.post(f"/orders/{fourth}/cancel", {"reason": "no courier"})
    assert cancelled.status == 200, cancelled.body
    assert_published_as_answered(fourth, cancelled.body, "order.cancelled", sent_since=since)

    since = _last_event_pk()
    picklist = warehouse.post("/picklists", {"site": "WH1", "orders": [first, second]}).body
    for order in (first, second):
        answer = warehouse.get(f"/orders/{order}").body
        assert answer["picklist"] == picklist["number"]
        assert_published_as_answered(order, answer, "order.picklist_created", sent_since=since)

    # Two tees are missing: the first order completes, the second is cancelled short.
    since = _last_event_pk()
    confirmed = warehouse.post(
        f"/picklists/{picklist['number']}/confirm",
        {"lines": [{"sku": "TEE-RED-M", "picked": 8}, {"sku": "CAP-GRY", "picked": 1}]},
    )
    assert confirmed.status == 200, confirmed.body
    picked = warehouse.get(f"/orders/{first}").body
    assert picked["status"] == "picked"
    assert_published_as_answered(first, picked, "order.picked", sent_since=since)
    short = warehouse.get(f"/orders/{second}").body
    assert short["cancellation"]["reason"] == "out_of_stock"
    assert_published_as_answered(second, short, "order.cancelled", sent_since=since)

    since = _last_event_pk()
    packed = warehouse.post(
        f"/orders/{first}/pack",
        {"packages": [{"weight_grams": 800, "length_mm": 300, "breadth_mm": 250, "height_mm": 80}]},
    )
    assert packed.status == 200, packed.body
    assert packed.body["invoice"]["number"]
    assert_published_as_answered(
        first, packed.body, "order.packed", "order.invoiced", sent_since=since
    )

    since = _last_event_pk()
    shipped = warehouse.post(f"/orders/{first}/ship", {"courier": "BlueDart", "awb": "BD-7"})
    assert shipped.status == 200, shipped.body
    assert_published_as_answered(first, shipped.body, "order.shipped", sent_since=since)
    assert shipped.body == partner.get("/orders/BT-1").body
