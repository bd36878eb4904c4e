"""Stock API (CONTRACT §3): receipts, adjustments, the stock query, and their refusals."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.cli import main as omslink_main
from omslink.demo import load_demo_if_empty
from omslink.inventory.models import PendingInventoryUpdate, StockBalance, StockMove
from tests.conftest import ApiClient, ConnectedApp, Masters, assert_error
from tests.inventory.state import assert_stock_consistent, balance, snapshot
from tests.orders.bodies import order_body

RECEIPT = {
    "site": "WH1",
    "reference": "PO-7781",
    "lines": [{"sku": "TEE-RED-M", "quantity": 5}, {"sku": "CAP-GRY", "quantity": 2}],
}


def _adjustment(*lines: tuple[str, int], site: str = "WH1") -> dict[str, Any]:
    return {
        "site": site,
        "reason": "cycle count",
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
    }


def test_receipt_adds_on_hand_with_ledger_entries(masters: Masters, api: ApiClient) -> None:
    answer = api.post("/stock/receipts", RECEIPT)
    assert answer.status == 201, answer.body
    body = answer.body
    assert body["id"].startswith("GRN-") and body["reference"] == "PO-7781"
    assert body["lines"] == RECEIPT["lines"] and body["created_by"] == "admin"
    assert balance("WH1", "TEE-RED-M") == (5, 0, 0)
    assert list(StockMove.objects.values_list("kind", "reference", "on_hand_delta")) == [
        ("receipt", body["id"], 5),
        ("receipt", body["id"], 2),
    ]
    assert set(PendingInventoryUpdate.objects.values_list("item__sku", flat=True)) == {
        "TEE-RED-M",
        "CAP-GRY",
    }
    assert_stock_consistent()


def test_receipt_at_a_wholesale_site_marks_no_inventory_update(
    masters: Masters, api: ApiClient
) -> None:
    assert api.post("/stock/receipts", {**RECEIPT, "site": "WH2"}).status == 201
    assert not PendingInventoryUpdate.objects.exists()


def test_adjustments_move_on_hand_both_ways(masters: Masters, api: ApiClient) -> None:
    api.post("/stock/receipts", RECEIPT)
    answer = api.post("/stock/adjustments", _adjustment(("TEE-RED-M", -3), ("CAP-GRY", 4)))
    assert answer.status == 201, answer.body
    assert answer.body["id"].startswith("ADJ-") and answer.body["reason"] == "cycle count"
    assert balance("WH1", "TEE-RED-M") == (2, 0, 0)
    assert balance("WH1", "CAP-GRY") == (6, 0, 0)
    assert_stock_consistent()


def test_adjustment_cannot_take_held_stock(
    masters: Masters, api: ApiClient, oms: ConnectedApp
) -> None:
    api.post("/stock/receipts", RECEIPT)
    assert oms.client().post("/orders", order_body(lines=[("TEE-RED-M", 2)])).status == 201
    api.post(
        "/wholesale-orders",
        {"customer": "RETAIL1", "site": "WH1", "lines": [{"sku": "TEE-RED-M", "quantity": 2}]},
    )
    before = snapshot()
    error = assert_error(
        api.post("/stock/adjustments", _adjustment(("TEE-RED-M", -2))), 409, "insufficient_stock"
    )
    assert error["details"] == [{"sku": "TEE-RED-M", "requested": 2, "available": 1}]
    assert snapshot() == before
    assert api.post("/stock/adjustments", _adjustment(("TEE-RED-M", -1))).status == 201
    assert balance("WH1", "TEE-RED-M") == (4, 2, 2)


def test_adjustment_below_zero_of_an_empty_item(masters: Masters, api: ApiClient) -> None:
    before = snapshot()
    error = assert_error(
        api.post("/stock/adjustments", _adjustment(("JKT-BLK-M", -1))), 409, "insufficient_stock"
    )
    assert error["details"] == [{"sku": "JKT-BLK-M", "requested": 1, "available": 0}]
    assert snapshot() == before


class TestStockQuery:
    def test_one_site_lists_every_item_with_zeros(self, masters: Masters, api: ApiClient) -> None:
        api.post("/stock/receipts", RECEIPT)
        rows = api.get("/stock?site=WH1").body["items"]
        assert [row["sku"] for row in rows] == [item.sku for item in masters.items]
        assert rows[0] == {
            "site": "WH1",
            "sku": "TEE-RED-M",
            "on_hand": 5,
            "reserved": 0,
            "allocated": 0,
            "available": 5,
        }
        assert rows[1]["on_hand"] == 0

    def test_filters_by_sku_and_site(self, masters: Masters, api: ApiClient) -> None:
        api.post("/stock/receipts", RECEIPT)
        api.post("/stock/receipts", {**RECEIPT, "site": "WH2"})
        rows = api.get("/stock?site=WH2&sku=CAP-GRY&sku=JKT-BLK-M").body["items"]
        assert [(r["sku"], r["on_hand"]) for r in rows] == [("JKT-BLK-M", 0), ("CAP-GRY", 2)]
        everywhere = api.get("/stock?sku=CAP-GRY").body["items"]
        assert [(r["site"], r["on_hand"]) for r in everywhere] == [("WH1", 2), ("WH2", 2)]

    def test_without_site_every_held_pair_page_by_page(
        self, masters: Masters, api: ApiClient
    ) -> None:
        api.post("/stock/receipts", RECEIPT)
        api.post("/stock/receipts", {**RECEIPT, "site": "WH3"})
        first = api.get("/stock?limit=3").body
        rest = api.get(f"/stock?limit=3&cursor={first['next_cursor']}").body
        pairs = [(r["site"], r["sku"]) for r in first["items"] + rest["items"]]
        assert pairs == [
            ("WH1", "TEE-RED-M"),
            ("WH1", "CAP-GRY"),
            ("WH3", "TEE-RED-M"),
            ("WH3", "CAP-GRY"),
        ]
        assert rest["next_cursor"] is None

    @pytest.mark.parametrize(
        ("query", "status", "code"),
        [
            ("site=NOPE", 422, "validation_error"),
            ("site=", 422, "validation_error"),
            ("sku=NOPE&sku=CAP-GRY", 422, "unknown_sku"),
            ("limit=abc", 422, "validation_error"),
            ("cursor=!!", 422, "validation_error"),
            ("sku=" + "S" * 65, 422, "validation_error"),
            ("sku=A%00B", 422, "validation_error"),
        ],
    )
    def test_bad_queries(
        self, masters: Masters, api: ApiClient, query: str, status: int, code: str
    ) -> None:
        assert_error(api.get(f"/stock?{query}"), status, code)


LINE = {"sku": "TEE-RED-M", "quantity": 1}
BAD_RECEIPTS: list[tuple[dict[str, Any], str]] = [
    ({"reference": "R", "lines": [LINE]}, "site"),
    ({"site": "NOPE", "reference": "R", "lines": [LINE]}, "site"),
    ({"site": "WH1", "lines": [LINE]}, "reference"),
    ({"site": "WH1", "reference": "", "lines": [LINE]}, "reference"),
    ({"site": "WH1", "reference": "R" * 101, "lines": [LINE]}, "reference"),
    ({"site": "WH1", "reference": "R"}, "lines"),
    ({"site": "WH1", "reference": "R", "lines": []}, "lines"),
    ({"site": "WH1", "reference": "R", "lines": [LINE] * 501}, "lines"),
    ({"site": "WH1", "reference": "R", "lines": [{"sku": "TEE-RED-M"}]}, "lines[0].quantity"),
    ({"site": "WH1", "reference": "R", "lines": [{"quantity": 1}]}, "lines[0].sku"),
    ({"site": "WH1", "reference": "R", "lines": [{**LINE, "quantity": 0}]}, "lines[0].quantity"),
    ({"site": "WH1", "reference": "R", "lines": [{**LINE, "quantity": -4}]}, "lines[0].quantity"),
    (
        {"site": "WH1", "reference": "R", "lines": [{**LINE, "quantity": 10_001}]},
        "lines[0].quantity",
    ),
    (
        {"site": "WH1", "reference": "R", "lines": [{**LINE, "quantity": 10**40}]},
        "lines[0].quantity",
    ),
    ({"site": "WH1", "reference": "R", "lines": [{**LINE, "quantity": "3"}]}, "lines[0].quantity"),
    ({"site": "WH1", "reference": "R", "lines": [{**LINE, "quantity": 1.5}]}, "lines[0].quantity"),
]


@pytest.mark.parametrize(("body", "field"), BAD_RECEIPTS)
def test_bad_receipts_change_nothing(
    masters: Masters, api: ApiClient, body: dict[str, Any], field: str
) -> None:
    before = snapshot()
    error = assert_error(api.post("/stock/receipts", body), 422, "validation_error")
    assert field in [detail["field"] for detail in error["details"]], error
    assert snapshot() == before


@pytest.mark.parametrize(
    ("quantity", "field"),
    [
        (0, "lines[0].quantity"),
        (-10_001, "lines[0].quantity"),
        (10_001, "lines[0].quantity"),
        ("-1", "lines[0].quantity"),
    ],
)
def test_bad_adjustments_change_nothing(
    masters: Masters, api: ApiClient, quantity: Any, field: str
) -> None:
    before = snapshot()
    body = {"site": "WH1", "reason": "count", "lines": [{"sku": "TEE-RED-M", "quantity": quantity}]}
    error = assert_error(api.post("/stock/adjustments", body), 422, "validation_error")
    assert field in [detail["field"] for detail in error["details"]]
    assert_error(api.post("/stock/adjustments", {**body, "reason": ""}), 422, "validation_error")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b'{"site": ', "application/json", 400, "malformed_json"),
        (b'{"site": "WH1"}', "text/csv", 415, "unsupported_media_type"),
        (b'{"r": "' + b"x" * (1024 * 1024) + b'"}', "application/json", 413, "payload_too_large"),
        (b"[]", "application/json", 422, "validation_error"),
    ],
)
@pytest.mark.parametrize("path", ["/stock/receipts", "/stock/adjustments"])
def test_bad_bodies_change_nothing(
    masters: Masters,
    api: ApiClient,
    path: str,
    raw: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    before = snapshot()
    assert_error(api.post(path, raw=raw, content_type=content_type), status, code)
    assert snapshot() == before


def test_unknown_skus_are_listed(masters: Masters, api: ApiClient) -> None:
    before = snapshot()
    body = {
        **RECEIPT,
        "lines": [{"sku": "B-NOPE", "quantity": 1}, {"sku": "A-NOPE", "quantity": 1}],
    }
    error = assert_error(api.post("/stock/receipts", body), 422, "unknown_sku")
    assert error["details"] == ["A-NOPE", "B-NOPE"]
    assert snapshot() == before


def test_permission_matrix(
    masters: Masters, role_clients: dict[str, ApiClient], oms: ConnectedApp
) -> None:
    allowed = {"Administrator": True, "Warehouse": True, "Viewer": False}
    for role, client in role_clients.items():
        before = snapshot()
        receipt = client.post("/stock/receipts", RECEIPT)
        adjustment = client.post("/stock/adjustments", _adjustment(("TEE-RED-M", 1)))
        if allowed[role]:
            assert (receipt.status, adjustment.status) == (201, 201), role
        else:
            assert_error(receipt, 403, "forbidden")
            assert_error(adjustment, 403, "forbidden")
            assert snapshot() == before
        assert client.get("/stock").status == 200, role
    partner = oms.client()
    assert_error(partner.get("/stock"), 403, "forbidden")
    assert_error(partner.post("/stock/receipts", RECEIPT), 403, "forbidden")
    assert_error(
        partner.post("/stock/adjustments", _adjustment(("TEE-RED-M", 1))), 403, "forbidden"
    )
    assert_error(ApiClient().get("/stock"), 401, "unauthenticated")


def test_stock_check_command_names_mismatches(
    masters: Masters, api: ApiClient, capsys: pytest.CaptureFixture[str]
) -> None:
    api.post("/stock/receipts", RECEIPT)
    assert omslink_main(["stock", "check"]) == 0
    assert "equal the ledger" in capsys.readouterr().out
    StockBalance.objects.filter(site__code="WH1", item__sku="CAP-GRY").update(reserved=1)
    assert omslink_main(["stock", "check"]) == 1
    captured = capsys.readouterr()
    assert "WH1 CAP-GRY: reserved 1 (ledger 0)" in captured.out
    assert "1 stock balances differ" in captured.err


def test_demo_receives_opening_stock_at_every_site(db: None) -> None:
    assert load_demo_if_empty()
    assert balance("WH1", "TEE-RED-M")[0] > 0
    assert balance("WH2", "TEE-RED-M")[0] > 0
    assert balance("WH3", "WATCH-STL") == (2, 0, 0)
    assert_stock_consistent()
