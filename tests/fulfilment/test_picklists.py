"""Pick lists: creating from chosen or oldest orders, reading, and confirming picking."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from omslink.inventory.models import StockMove
from omslink.orders.models import Order
from omslink.webhooks.models import Event
from tests.conftest import ApiClient, ConnectedApp, Masters, Push, assert_error
from tests.fulfilment.conftest import (
    confirm_all,
    event_types,
    fulfilment_snapshot,
    last_event,
    make_picklist,
)
from tests.inventory.state import assert_stock_consistent, balance
from tests.orders.bodies import order_body


def statuses(*orders: str) -> list[str]:
    return [Order.objects.get(pk=int(order[3:])).status for order in orders]


def test_chosen_orders_make_one_list_summed_per_sku_sorted_by_bin(
    stocked: Masters, push: Push, warehouse: ApiClient
) -> None:
    first = push([("TEE-RED-M", 2), ("CAP-GRY", 1)])
    second = push([("TEE-RED-M", 1), ("TEE-BLU-L", 3), ("TEE-RED-M", 1)])
    untouched = push([("JKT-BLK-M", 1)])
    answer = warehouse.post("/picklists", {"site": "WH1", "orders": [second, first]})
    assert answer.status == 201, answer.body
    picklist = answer.body
    assert re.fullmatch(r"PL-\d{6}", picklist["number"]) and picklist["site"] == "WH1"
    assert picklist["orders"] == [first, second]
    assert [(line["sku"], line["bin"], line["quantity"]) for line in picklist["lines"]] == [
        ("TEE-BLU-L", "A-01-01", 3),
        ("TEE-RED-M", "A-01-02", 4),
        ("CAP-GRY", "C-01-01", 1),
    ]
    assert picklist["status"] == "open" and picklist["created_by"] == "picker"
    assert statuses(first, second, untouched) == [
        "picklist_created",
        "picklist_created",
        "reserved",
    ]
    for order in (first, second):
        assert event_types(order) == ["order.reserved", "order.picklist_created"]
        event = last_event(order)
        assert event.data["status"] == "picklist_created"
        assert event.data["picklist"] == picklist["number"]
        assert event.data == warehouse.get(f"/orders/{order}").body
    # A pick list moves no stock: the units stay reserved until they ship.
    assert balance("WH1", "TEE-RED-M") == (10, 4, 0)
    assert not StockMove.objects.exclude(kind__in=["receipt", "reserve"]).exists()


def test_oldest_reserved_orders_of_the_site_first(
    stocked: Masters, push: Push, warehouse: ApiClient, other_oms: ConnectedApp
) -> None:
    elsewhere = other_oms.client().post("/orders", order_body("MH-1"))
    assert elsewhere.status == 201 and elsewhere.body["site"] == "WH3"
    orders = [push([("TEE-RED-M", 1)]) for _ in range(4)]
    make_picklist(warehouse, [orders[1]])
    answer = warehouse.post("/picklists", {"site": "WH1", "max_orders": 2})
    assert answer.status == 201, answer.body
    assert answer.body["orders"] == [orders[0], orders[2]]
    rest = warehouse.post("/picklists", {"site": "WH1"})
    assert rest.body["orders"] == [orders[3]]
    assert statuses(elsewhere.body["id"]) == ["reserved"]
    assert_error(warehouse.post("/picklists", {"site": "WH1"}), 422, "validation_error")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"orders": ["SO-000001"]}, "site"),
        ({"site": "WH9", "orders": ["SO-000001"]}, "site"),
        ({"site": "WH1", "orders": []}, "orders"),
        ({"site": "WH1", "orders": "SO-000001"}, "orders"),
        ({"site": "WH1", "orders": ["SO-1"]}, "orders[0]"),
        ({"site": "WH1", "orders": [1]}, "orders[0]"),
        ({"site": "WH1", "orders": ["SO-000001", "SO-000001"]}, "orders[1]"),
        ({"site": "WH1", "orders": ["SO-999999999"]}, "orders[0]"),
        ({"site": "WH1", "orders": ["SO-" + "9" * 18]}, "orders[0]"),
        ({"site": "WH1", "orders": ["SO-" + "9" * 19]}, "orders[0]"),
        ({"site": "WH1", "orders": ["SO-000001"] * 201}, "orders"),
        ({"site": "WH1", "orders": ["SO-000001'; DROP TABLE orders_order;--"]}, "orders[0]"),
        ({"site": "WH1", "max_orders": 0}, "max_orders"),
        ({"site": "WH1", "max_orders": 201}, "max_orders"),
        ({"site": "WH1", "max_orders": "2"}, "max_orders"),
        ({"site": "WH1", "max_orders": 2.0}, "max_orders"),
        ({"site": "WH1", "max_orders": True}, "max_orders"),
        ({"site": "WH1", "orders": ["SO-000001"], "max_orders": 1}, "max_orders"),
        ({"site": "WH\u202e1", "max_orders": 1}, "site"),
        ({"site": "x" * 10_000}, "site"),
        ({"site": "WH3", "orders": ["SO-000001"]}, "orders[0]"),
        ({"site": "WH2"}, "site"),
    ],
)
def test_bad_requests_name_the_field_and_change_nothing(
    stocked: Masters, push: Push, warehouse: ApiClient, body: dict[str, Any], field: str
) -> None:
    order = push([("TEE-RED-M", 1)])
    # The bodies name SO-000001 for the pushed order, whatever id the database gave it.
    body = json.loads(json.dumps(body).replace("SO-000001", order))
    before = fulfilment_snapshot()
    error = assert_error(warehouse.post("/picklists", body), 422, "validation_error")
    assert field in [detail["field"] for detail in error["details"]], error
    assert fulfilment_snapshot() == before


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b'{"site": "WH1"', "application/json", 400, "malformed_json"),
        (b'{"site": "WH1", "max_orders": NaN}', "application/json", 400, "malformed_json"),
        (b"[1, 2]", "application/json", 422, "validation_error"),
        (b'"WH1"', "application/json", 422, "validation_error"),
        (b'{"site": "WH\\u0000"}', "application/json", 422, "validation_error"),
        (b'{"site": "WH1"}', "text/plain", 415, "unsupported_media_type"),
        (
            b'{"site": "' + b"W" * (1024 * 1024) + b'"}',
            "application/json",
            413,
            "payload_too_large",
        ),
    ],
)
def test_malformed_bodies_change_nothing(
    stocked: Masters,
    push: Push,
    warehouse: ApiClient,
    raw: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    push([("TEE-RED-M", 1)])
    before = fulfilment_snapshot()
    assert_error(warehouse.post("/picklists", raw=raw, content_type=content_type), status, code)
    assert fulfilment_snapshot() == before


def test_orders_not_reserved_are_invalid_transition_and_nothing_moves(
    stocked: Masters, push: Push, warehouse: ApiClient, api: ApiClient
) -> None:
    listed, cancelled, fresh = (push([("TEE-RED-M", 1)]) for _ in range(3))
    make_picklist(warehouse, [listed])
    api.post(f"/orders/{cancelled}/cancel", {"reason": "customer changed mind"})
    before = fulfilment_snapshot()
    error = assert_error(
        warehouse.post("/picklists", {"site": "WH1", "orders": [fresh, listed, cancelled]}),
        409,
        "invalid_transition",
    )
    assert error["details"] == [
        {"order": listed, "status": "picklist_created"},
        {"order": cancelled, "status": "cancelled"},
    ]
    assert fulfilment_snapshot() == before
    assert statuses(fresh) == ["reserved"]


def test_list_and_get(stocked: Masters, push: Push, warehouse: ApiClient) -> None:
    first = make_picklist(warehouse, [push([("TEE-RED-M", 1)])])
    second = make_picklist(warehouse, [push([("CAP-GRY", 1)])])
    confirm_all(warehouse, first)
    listed = warehouse.get("/picklists")
    assert [item["number"] for item in listed.body["items"]] == [second["number"], first["number"]]
    assert listed.body["next_cursor"] is None
    only_open = warehouse.get("/picklists?status=open&site=WH1")
    assert [item["number"] for item in only_open.body["items"]] == [second["number"]]
    paged = warehouse.get("/picklists?limit=1")
    assert len(paged.body["items"]) == 1
    rest = warehouse.get(f"/picklists?limit=1&cursor={paged.body['next_cursor']}")
    assert rest.body["items"][0]["number"] == first["number"]
    got = warehouse.get(f"/picklists/{first['number']}")
    assert got.status == 200
    assert got.body["status"] == "confirmed" and got.body["confirmed_by"] == "picker"
    assert got.body["lines"] == [{"sku": "TEE-RED-M", "bin": "A-01-02", "quantity": 1, "picked": 1}]


@pytest.mark.parametrize(
    "number",
    [
        "PL-999999999",
        "PL-1",
        "PL-0000001",
        "pl-000001",
        "000001",
        "PL-" + "9" * 40,
        "PL-000001%00",
        "..%2F..%2Fetc",
    ],
)
def test_unknown_pick_lists_are_404(
    stocked: Masters, push: Push, warehouse: ApiClient, number: str
) -> None:
    make_picklist(warehouse, [push([("TEE-RED-M", 1)])])
    answer = warehouse.get(f"/picklists/{number}")
    assert answer.status in (404, 422), answer.body
    assert answer.body["error"]["code"] in ("not_found", "validation_error")
    assert answer.status != 422 or "%00" in number


@pytest.mark.parametrize(
    "query", ["status=closed", "site=WH9", "limit=0", "limit=201", "cursor=%%%", "site=" + "x" * 40]
)
def test_bad_list_queries_are_422(stocked: Masters, warehouse: ApiClient, query: str) -> None:
    assert_error(warehouse.get(f"/picklists?{query}"), 422, "validation_error")


class TestConfirm:
    def test_full_pick_moves_every_order_to_picked(
        self, stocked: Masters, push: Push, warehouse: ApiClient
    ) -> None:
        orders = [push([("TEE-RED-M", 2)]), push([("TEE-RED-M", 1), ("CAP-GRY", 1)])]
        picklist = make_picklist(warehouse, orders)
        moves_before = StockMove.objects.count()
        confirmed = confirm_all(warehouse, picklist)
        assert confirmed["status"] == "confirmed"
        assert statuses(*orders) == ["picked", "picked"]
        for order in orders:
            assert event_types(order) == [
                "order.reserved",
                "order.picklist_created",
                "order.picked",
            ]
            assert last_event(order).data["status"] == "picked"
        assert StockMove.objects.count() == moves_before
        assert balance("WH1", "TEE-RED-M") == (10, 3, 0)

    def test_short_pick_cancels_what_cannot_be_completed_and_writes_off_the_missing(
        self, stocked: Masters, push: Push, warehouse: ApiClient
    ) -> None:
        first = push([("TEE-RED-M", 2)])
        second = push([("TEE-RED-M", 1), ("CAP-GRY", 1)])
        third = push([("TEE-RED-M", 1)])
        picklist = make_picklist(warehouse, [first, second, third])
        answer = warehouse.post(
            f"/picklists/{picklist['number']}/confirm",
            {"lines": [{"sku": "TEE-RED-M", "picked": 3}, {"sku": "CAP-GRY", "picked": 0}]},
        )
        assert answer.status == 200, answer.body
        # The second order lacks its cap, so it takes no tee and the third one completes.
        assert statuses(first, second, third) == ["picked", "cancelled", "picked"]
        cancelled = last_event(second)
        assert cancelled.type == "order.cancelled"
        assert cancelled.data["cancellation"]["by"] == "erp"
        assert cancelled.data["cancellation"]["reason"] == "out_of_stock"
        assert event_types(second) == [
            "order.reserved",
            "order.picklist_created",
            "order.cancelled",
        ]
        # 4 tees listed, 3 found: the one missing is written off with its reservation.
        assert balance("WH1", "TEE-RED-M") == (9, 3, 0)
        assert balance("WH1", "CAP-GRY") == (9, 0, 0)
        moves = list(
            StockMove.objects.filter(reference=second)
            .exclude(kind="reserve")
            .values_list("item__sku", "kind", "on_hand_delta", "reserved_delta")
        )
        assert sorted(moves) == [
            ("CAP-GRY", "write_off", -1, -1),
            ("TEE-RED-M", "write_off", -1, -1),
        ]
        assert_stock_consistent()

    def test_found_units_of_a_cancelled_order_go_back_to_the_shelf(
        self, stocked: Masters, push: Push, warehouse: ApiClient
    ) -> None:
        first = push([("TEE-RED-M", 1), ("CAP-GRY", 2)])
        second = push([("TEE-RED-M", 1)])
        picklist = make_picklist(warehouse, [first, second])
        warehouse.post(
            f"/picklists/{picklist['number']}/confirm",
            {"lines": [{"sku": "TEE-RED-M", "picked": 2}, {"sku": "CAP-GRY", "picked": 1}]},
        )
        assert statuses(first, second) == ["cancelled", "picked"]
        # The tee of the first order was found: released, not written off; one cap of two
        # was found (released) and one is missing (written off).
        moves = sorted(
            StockMove.objects.filter(reference=first)
            .exclude(kind="reserve")
            .values_list("item__sku", "kind", "on_hand_delta", "reserved_delta")
        )
        assert moves == [
            ("CAP-GRY", "release", 0, -1),
            ("CAP-GRY", "write_off", -1, -1),
            ("TEE-RED-M", "release", 0, -1),
        ]
        assert balance("WH1", "TEE-RED-M") == (10, 1, 0)
        assert balance("WH1", "CAP-GRY") == (9, 0, 0)
        assert_stock_consistent()

    def test_nothing_found_cancels_every_order(
        self, stocked: Masters, push: Push, warehouse: ApiClient
    ) -> None:
        orders = [push([("JKT-BLK-M", 3)]), push([("JKT-BLK-M", 2)])]
        picklist = make_picklist(warehouse, orders)
        answer = warehouse.post(
            f"/picklists/{picklist['number']}/confirm",
            {"lines": [{"sku": "JKT-BLK-M", "picked": 0}]},
        )
        assert answer.status == 200
        assert statuses(*orders) == ["cancelled", "cancelled"]
        assert balance("WH1", "JKT-BLK-M") == (5, 0, 0)
        assert_stock_consistent()

    def test_orders_cancelled_after_listing_are_skipped(
        self, stocked: Masters, push: Push, warehouse: ApiClient, api: ApiClient, oms: ConnectedApp
    ) -> None:
        kept, by_oms, by_erp = (push([("TEE-RED-M", 1)]) for _ in range(3))
        picklist = make_picklist(warehouse, [kept, by_oms, by_erp])
        external = Order.objects.get(pk=int(by_oms[3:])).external_order_id
        assert (
            oms.client().post(f"/orders/{external}/cancel", {"reason": "customer cancelled"}).status
            == 200
        )
        assert api.post(f"/orders/{by_erp}/cancel", {"reason": "address"}).status == 200
        assert balance("WH1", "TEE-RED-M") == (10, 1, 0)
        # The picker found only one tee of three: enough for the one open order.
        answer = warehouse.post(
            f"/picklists/{picklist['number']}/confirm",
            {"lines": [{"sku": "TEE-RED-M", "picked": 1}]},
        )
        assert answer.status == 200
        assert statuses(kept, by_oms, by_erp) == ["picked", "cancelled", "cancelled"]
        assert Order.objects.get(pk=int(by_oms[3:])).cancelled_by == "oms"
        assert event_types(by_oms)[-1] == "order.cancelled"
        assert len(event_types(by_oms)) == 3
        assert balance("WH1", "TEE-RED-M") == (10, 1, 0)
        assert not StockMove.objects.filter(kind="write_off").exists()
        assert_stock_consistent()

    def test_picked_and_listed_orders_can_still_be_cancelled_by_the_erp(
        self, stocked: Masters, push: Push, warehouse: ApiClient, api: ApiClient
    ) -> None:
        listed, picked = push([("TEE-RED-M", 2)]), push([("CAP-GRY", 1)])
        make_picklist(warehouse, [listed])
        confirm_all(warehouse, make_picklist(warehouse, [picked]))
        for order in (listed, picked):
            answer = api.post(f"/orders/{order}/cancel", {"reason": "buyer asked"})
            assert answer.status == 200, answer.body
            assert answer.body["cancellation"]["by"] == "erp"
        assert balance("WH1", "TEE-RED-M") == (10, 0, 0)
        assert balance("WH1", "CAP-GRY") == (10, 0, 0)
        assert_stock_consistent()

    def test_confirming_twice_is_invalid_transition(
        self, stocked: Masters, push: Push, warehouse: ApiClient
    ) -> None:
        picklist = make_picklist(warehouse, [push([("TEE-RED-M", 1)])])
        confirm_all(warehouse, picklist)
        before = fulfilment_snapshot()
        again = warehouse.post(
            f"/picklists/{picklist['number']}/confirm",
            {"lines": [{"sku": "TEE-RED-M", "picked": 0}]},
        )
        assert_error(again, 409, "invalid_transition")
        assert fulfilment_snapshot() == before

    @pytest.mark.parametrize(
        ("lines", "field"),
        [
            ([{"sku": "TEE-RED-M", "picked": 2}], "lines"),
            (
                [
                    {"sku": "TEE-RED-M", "picked": 2},
                    {"sku": "CAP-GRY", "picked": 1},
                    {"sku": "CAP-GRY", "picked": 1},
                ],
                "lines[2].sku",
            ),
            (
                [
                    {"sku": "TEE-RED-M", "picked": 2},
                    {"sku": "CAP-GRY", "picked": 1},
                    {"sku": "JKT-BLK-M", "picked": 0},
                ],
                "lines[2].sku",
            ),
            ([{"sku": "TEE-RED-M", "picked": 2}, {"sku": "NOPE", "picked": 0}], "lines[1].sku"),
            (
                [{"sku": "TEE-RED-M", "picked": 3}, {"sku": "CAP-GRY", "picked": 1}],
                "lines[0].picked",
            ),
            (
                [{"sku": "TEE-RED-M", "picked": -1}, {"sku": "CAP-GRY", "picked": 1}],
                "lines[0].picked",
            ),
            (
                [{"sku": "TEE-RED-M", "picked": "2"}, {"sku": "CAP-GRY", "picked": 1}],
                "lines[0].picked",
            ),
            (
                [{"sku": "TEE-RED-M", "picked": 1.5}, {"sku": "CAP-GRY", "picked": 1}],
                "lines[0].picked",
            ),
            (
                [{"sku": "TEE-RED-M", "picked": 10**30}, {"sku": "CAP-GRY", "picked": 1}],
                "lines[0].picked",
            ),
            ([{"sku": "TEE-RED-M"}, {"sku": "CAP-GRY", "picked": 1}], "lines[0].picked"),
            ([{"picked": 2}, {"sku": "CAP-GRY", "picked": 1}], "lines[0].sku"),
            ([{"sku": " TEE-RED-M", "picked": 2}, {"sku": "CAP-GRY", "picked": 1}], "lines[0].sku"),
            ([{"sku": "x" * 65, "picked": 2}, {"sku": "CAP-GRY", "picked": 1}], "lines[0].sku"),
            ([], "lines"),
            ("all", "lines"),
            (None, "lines"),
        ],
    )
    def test_bad_confirmations_name_the_field_and_change_nothing(
        self, stocked: Masters, push: Push, warehouse: ApiClient, lines: Any, field: str
    ) -> None:
        picklist = make_picklist(warehouse, [push([("TEE-RED-M", 2), ("CAP-GRY", 1)])])
        before = fulfilment_snapshot()
        body = {} if lines is None else {"lines": lines}
        error = assert_error(
            warehouse.post(f"/picklists/{picklist['number']}/confirm", body),
            422,
            "validation_error",
        )
        assert field in [detail["field"] for detail in error["details"]], error
        assert fulfilment_snapshot() == before

    def test_unknown_pick_list_is_404(self, stocked: Masters, warehouse: ApiClient) -> None:
        before = fulfilment_snapshot()
        assert_error(
            warehouse.post(
                "/picklists/PL-999999999/confirm", {"lines": [{"sku": "TEE-RED-M", "picked": 0}]}
            ),
            404,
            "not_found",
        )
        assert fulfilment_snapshot() == before
        assert not Event.objects.exists()
