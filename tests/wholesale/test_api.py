"""Wholesale orders (CONTRACT §3): allocate all or nothing from available, dispatch, cancel."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.inventory.models import PendingInventoryUpdate, StockMove
from tests.conftest import ApiClient, ConnectedApp, Masters, assert_error
from tests.inventory.state import assert_stock_consistent, balance, receive, snapshot
from tests.orders.bodies import order_body


@pytest.fixture
def shelves(masters: Masters, admin: tuple[Any, str]) -> Masters:
    receive(admin[0], "WH1", {"TEE-RED-M": 10, "CAP-GRY": 4})
    receive(admin[0], "WH2", {"TEE-RED-M": 50, "TEE-BLU-L": 20})
    return masters


def _order(*lines: tuple[str, int], site: str = "WH2", customer: str = "RETAIL1") -> dict[str, Any]:
    return {
        "customer": customer,
        "site": site,
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
    }


def test_create_allocates_the_whole_order(shelves: Masters, api: ApiClient) -> None:
    answer = api.post("/wholesale-orders", _order(("TEE-RED-M", 30), ("TEE-BLU-L", 5)))
    assert answer.status == 201, answer.body
    order = answer.body
    assert order["id"].startswith("WO-") and order["status"] == "allocated"
    assert (order["customer"], order["site"]) == ("RETAIL1", "WH2")
    assert order["lines"] == [
        {"sku": "TEE-RED-M", "quantity": 30},
        {"sku": "TEE-BLU-L", "quantity": 5},
    ]
    assert balance("WH2", "TEE-RED-M") == (50, 0, 30)
    assert api.get(f"/wholesale-orders/{order['id']}").body == order
    assert_stock_consistent()


def test_all_or_nothing(shelves: Masters, api: ApiClient) -> None:
    before = snapshot()
    error = assert_error(
        api.post("/wholesale-orders", _order(("TEE-RED-M", 30), ("TEE-BLU-L", 21))),
        409,
        "insufficient_stock",
    )
    assert error["details"] == [{"sku": "TEE-BLU-L", "requested": 21, "available": 20}]
    assert snapshot() == before


def test_stock_reserved_online_is_never_available(
    shelves: Masters, api: ApiClient, oms: ConnectedApp
) -> None:
    assert oms.client().post("/orders", order_body(lines=[("TEE-RED-M", 8)])).status == 201
    error = assert_error(
        api.post("/wholesale-orders", _order(("TEE-RED-M", 3), site="WH1")),
        409,
        "insufficient_stock",
    )
    assert error["details"] == [{"sku": "TEE-RED-M", "requested": 3, "available": 2}]
    assert api.post("/wholesale-orders", _order(("TEE-RED-M", 2), site="WH1")).status == 201
    assert balance("WH1", "TEE-RED-M") == (10, 8, 2)
    assert_error(
        oms.client().post("/orders", order_body("NEXT", [("TEE-RED-M", 1)])),
        409,
        "insufficient_stock",
    )
    assert PendingInventoryUpdate.objects.filter(site__code="WH1").exists()


def test_dispatch_takes_on_hand_and_allocated_down_together(
    shelves: Masters, api: ApiClient
) -> None:
    order = api.post("/wholesale-orders", _order(("TEE-RED-M", 30))).body
    answer = api.post(f"/wholesale-orders/{order['id']}/dispatch")
    assert answer.status == 200 and answer.body["status"] == "dispatched"
    assert balance("WH2", "TEE-RED-M") == (20, 0, 0)
    assert list(
        StockMove.objects.filter(reference=order["id"]).values_list(
            "kind", "on_hand_delta", "allocated_delta"
        )
    ) == [("allocate", 0, 30), ("dispatch", -30, -30)]
    assert_stock_consistent()


def test_cancel_releases_the_allocation(shelves: Masters, api: ApiClient) -> None:
    order = api.post("/wholesale-orders", _order(("TEE-RED-M", 30), ("TEE-RED-M", 20))).body
    assert balance("WH2", "TEE-RED-M") == (50, 0, 50)
    answer = api.post(f"/wholesale-orders/{order['id']}/cancel")
    assert answer.status == 200 and answer.body["status"] == "cancelled"
    assert balance("WH2", "TEE-RED-M") == (50, 0, 0)
    assert_stock_consistent()


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("dispatch", "dispatch"),
        ("dispatch", "cancel"),
        ("cancel", "cancel"),
        ("cancel", "dispatch"),
    ],
)
def test_only_an_allocated_order_moves(
    shelves: Masters, api: ApiClient, first: str, then: str
) -> None:
    order = api.post("/wholesale-orders", _order(("TEE-RED-M", 5))).body
    assert api.post(f"/wholesale-orders/{order['id']}/{first}").status == 200
    before = snapshot()
    assert_error(api.post(f"/wholesale-orders/{order['id']}/{then}"), 409, "invalid_transition")
    assert snapshot() == before


def test_list_newest_first_with_filters(shelves: Masters, api: ApiClient) -> None:
    ids = [api.post("/wholesale-orders", _order(("TEE-RED-M", 1))).body["id"] for _ in range(3)]
    online_site = api.post("/wholesale-orders", _order(("CAP-GRY", 1), site="WH1")).body["id"]
    api.post(f"/wholesale-orders/{ids[0]}/dispatch")
    assert [o["id"] for o in api.get("/wholesale-orders").body["items"]] == [
        online_site,
        *reversed(ids),
    ]
    assert [
        o["id"] for o in api.get("/wholesale-orders?status=allocated&site=WH2").body["items"]
    ] == [ids[2], ids[1]]
    page = api.get("/wholesale-orders?limit=2").body
    assert len(page["items"]) == 2 and page["next_cursor"]
    assert_error(api.get("/wholesale-orders?status=lost"), 422, "validation_error")
    assert_error(api.get("/wholesale-orders?site=NOPE"), 422, "validation_error")


@pytest.mark.parametrize("unknown", ["WO-999999", "WO-1", "SO-000001", "x" * 300])
def test_unknown_ids_are_404(shelves: Masters, api: ApiClient, unknown: str) -> None:
    assert_error(api.get(f"/wholesale-orders/{unknown}"), 404, "not_found")
    assert_error(api.post(f"/wholesale-orders/{unknown}/dispatch"), 404, "not_found")
    assert_error(api.post(f"/wholesale-orders/{unknown}/cancel"), 404, "not_found")


BAD: list[tuple[dict[str, Any], str]] = [
    ({"site": "WH2", "lines": [{"sku": "TEE-RED-M", "quantity": 1}]}, "customer"),
    (_order(("TEE-RED-M", 1), customer="NOPE"), "customer"),
    (_order(("TEE-RED-M", 1), site="NOPE"), "site"),
    ({"customer": "RETAIL1", "site": "WH2", "lines": []}, "lines"),
    ({"customer": "RETAIL1", "site": "WH2"}, "lines"),
    (_order(("TEE-RED-M", 0)), "lines[0].quantity"),
    (_order(("TEE-RED-M", -5)), "lines[0].quantity"),
    (_order(("TEE-RED-M", 10_001)), "lines[0].quantity"),
    (_order(("TEE-RED-M", 10**25)), "lines[0].quantity"),
    (_order(("", 1)), "lines[0].sku"),
    ({"customer": 7, "site": "WH2", "lines": [{"sku": "TEE-RED-M", "quantity": 1}]}, "customer"),
]


@pytest.mark.parametrize(("body", "field"), BAD)
def test_bad_orders_change_nothing(
    shelves: Masters, api: ApiClient, body: dict[str, Any], field: str
) -> None:
    before = snapshot()
    error = assert_error(api.post("/wholesale-orders", body), 422, "validation_error")
    assert field in [detail["field"] for detail in error["details"]], error
    assert snapshot() == before


def test_unknown_sku_and_bad_bodies(shelves: Masters, api: ApiClient) -> None:
    before = snapshot()
    error = assert_error(api.post("/wholesale-orders", _order(("NOPE", 1))), 422, "unknown_sku")
    assert error["details"] == ["NOPE"]
    assert_error(
        api.post("/wholesale-orders", raw=b"{", content_type="application/json"),
        400,
        "malformed_json",
    )
    assert_error(
        api.post("/wholesale-orders", raw=b"{}", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )
    big = b'{"x": "' + b"y" * (1024 * 1024) + b'"}'
    assert_error(api.post("/wholesale-orders", raw=big), 413, "payload_too_large")
    assert snapshot() == before


def test_permission_matrix(
    shelves: Masters, role_clients: dict[str, ApiClient], api: ApiClient, oms: ConnectedApp
) -> None:
    expected = {"Administrator": True, "Warehouse": True, "Viewer": False}
    for role, client in role_clients.items():
        dispatchable = api.post("/wholesale-orders", _order(("TEE-RED-M", 1))).body["id"]
        cancellable = api.post("/wholesale-orders", _order(("TEE-RED-M", 1))).body["id"]
        before = snapshot()
        answers = [
            client.post("/wholesale-orders", _order(("TEE-RED-M", 1))),
            client.post(f"/wholesale-orders/{dispatchable}/dispatch"),
            client.post(f"/wholesale-orders/{cancellable}/cancel"),
        ]
        if expected[role]:
            assert [a.status for a in answers] == [201, 200, 200], role
        else:
            for answer in answers:
                assert_error(answer, 403, "forbidden")
            assert snapshot() == before
        assert client.get("/wholesale-orders").status == 200
        assert client.get(f"/wholesale-orders/{dispatchable}").status == 200
    assert_error(oms.client().get("/wholesale-orders"), 403, "forbidden")
    assert_error(oms.client().post("/wholesale-orders", _order(("TEE-RED-M", 1))), 403, "forbidden")
