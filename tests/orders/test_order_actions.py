"""Reading, cancelling and courier assignment of online orders, by the OMS and by staff."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.orders.models import Order, OrderStatus
from omslink.webhooks.models import Event
from tests.conftest import ApiClient, ConnectedApp, Masters, assert_error
from tests.inventory.state import assert_stock_consistent, balance, snapshot
from tests.orders.bodies import order_body


@pytest.fixture
def pushed(stocked: Masters, oms: ConnectedApp) -> dict[str, Any]:
    """An order of 2 TEE-RED-M and 3 CAP-GRY, reserved at WH1."""
    answer = oms.client().post("/orders", order_body(lines=[("TEE-RED-M", 2), ("CAP-GRY", 3)]))
    assert answer.status == 201
    return answer.body


def _force_status(order_id: str, status: OrderStatus) -> None:
    """Stand in for fulfilment moving the order on (its own tests cover how)."""
    Order.objects.filter(pk=int(order_id.removeprefix("SO-"))).update(status=status)


class TestPartnerCancel:
    def test_cancel_releases_the_reservation_and_publishes(
        self, pushed: dict[str, Any], oms: ConnectedApp
    ) -> None:
        answer = oms.client().post("/orders/BT-100045/cancel", {"reason": "customer request"})
        assert answer.status == 200, answer.body
        assert answer.body["status"] == "cancelled"
        cancellation = answer.body["cancellation"]
        assert (cancellation["by"], cancellation["reason"]) == ("oms", "customer request")
        assert cancellation["at"].endswith("Z")
        assert balance("WH1", "TEE-RED-M") == (10, 0, 0)
        assert balance("WH1", "CAP-GRY") == (10, 0, 0)
        event = Event.objects.get(type="order.cancelled")
        assert (event.sequence, event.data) == (2, answer.body)
        assert_stock_consistent()

    @pytest.mark.parametrize("status", [OrderStatus.PICKLIST_CREATED, OrderStatus.PICKED])
    def test_cancel_is_allowed_until_picked(
        self, pushed: dict[str, Any], oms: ConnectedApp, status: OrderStatus
    ) -> None:
        _force_status(pushed["id"], status)
        answer = oms.client().post("/orders/BT-100045/cancel", {"reason": "late"})
        assert answer.status == 200 and answer.body["status"] == "cancelled"
        assert balance("WH1", "TEE-RED-M") == (10, 0, 0)

    @pytest.mark.parametrize(
        "status", [OrderStatus.INVOICED, OrderStatus.SHIPPED, OrderStatus.CANCELLED]
    )
    def test_cancel_after_invoicing_is_invalid_transition(
        self, pushed: dict[str, Any], oms: ConnectedApp, status: OrderStatus
    ) -> None:
        _force_status(pushed["id"], status)
        before = snapshot()
        error = assert_error(
            oms.client().post("/orders/BT-100045/cancel", {"reason": "x"}),
            409,
            "invalid_transition",
        )
        assert status in error["message"]
        assert snapshot() == before

    def test_cancelling_twice_is_refused_and_releases_once(
        self, pushed: dict[str, Any], oms: ConnectedApp
    ) -> None:
        client = oms.client()
        assert client.post("/orders/BT-100045/cancel", {"reason": "x"}).status == 200
        assert_error(
            client.post("/orders/BT-100045/cancel", {"reason": "x"}), 409, "invalid_transition"
        )
        assert balance("WH1", "TEE-RED-M") == (10, 0, 0)
        assert Event.objects.filter(type="order.cancelled").count() == 1

    @pytest.mark.parametrize(
        "body",
        [{}, {"reason": ""}, {"reason": 5}, {"reason": "x" * 501}, {"reason": "a\x1bb"}],
    )
    def test_bad_cancel_bodies_change_nothing(
        self, pushed: dict[str, Any], oms: ConnectedApp, body: Any
    ) -> None:
        before = snapshot()
        assert_error(oms.client().post("/orders/BT-100045/cancel", body), 422, "validation_error")
        assert snapshot() == before

    def test_a_cancel_without_a_body_is_malformed(
        self, pushed: dict[str, Any], oms: ConnectedApp
    ) -> None:
        before = snapshot()
        assert_error(oms.client().post("/orders/BT-100045/cancel"), 400, "malformed_json")
        assert snapshot() == before

    def test_unknown_order_is_404(self, pushed: dict[str, Any], oms: ConnectedApp) -> None:
        assert_error(oms.client().post("/orders/NOPE/cancel", {"reason": "x"}), 404, "not_found")
        assert_error(
            oms.client().post(f"/orders/{pushed['id']}/cancel", {"reason": "x"}), 404, "not_found"
        )
        assert_error(oms.client().get("/orders/" + "X" * 300), 404, "not_found")


class TestAwb:
    def test_courier_and_awb_are_recorded_and_replaceable(
        self, pushed: dict[str, Any], oms: ConnectedApp
    ) -> None:
        client = oms.client()
        first = client.post("/orders/BT-100045/awb", {"courier": "Delhivery", "awb": "DL123"})
        assert first.status == 200, first.body
        assert first.body["shipment"] == {
            "courier": "Delhivery",
            "awb": "DL123",
            "shipped_at": None,
        }
        assert first.body["status"] == "reserved"
        second = client.post("/orders/BT-100045/awb", {"courier": "BlueDart", "awb": "BD9"})
        assert second.body["shipment"]["courier"] == "BlueDart"
        assert client.get("/orders/BT-100045").body["shipment"]["awb"] == "BD9"
        assert Event.objects.count() == 1

    @pytest.mark.parametrize("status", [OrderStatus.SHIPPED, OrderStatus.CANCELLED])
    def test_no_courier_after_shipping_or_cancelling(
        self, pushed: dict[str, Any], oms: ConnectedApp, status: OrderStatus
    ) -> None:
        _force_status(pushed["id"], status)
        before = snapshot()
        assert_error(
            oms.client().post("/orders/BT-100045/awb", {"courier": "X", "awb": "1"}),
            409,
            "invalid_transition",
        )
        assert snapshot() == before

    def test_awb_allowed_while_invoiced(self, pushed: dict[str, Any], oms: ConnectedApp) -> None:
        _force_status(pushed["id"], OrderStatus.INVOICED)
        answer = oms.client().post("/orders/BT-100045/awb", {"courier": "X", "awb": "1"})
        assert answer.status == 200

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"courier": "X"},
            {"awb": "1"},
            {"courier": "", "awb": "1"},
            {"courier": "X", "awb": 1},
            {"courier": "X", "awb": "A" * 65},
            {"courier": "X", "awb": " 1"},
        ],
    )
    def test_bad_awb_bodies_change_nothing(
        self, pushed: dict[str, Any], oms: ConnectedApp, body: dict[str, Any]
    ) -> None:
        before = snapshot()
        assert_error(oms.client().post("/orders/BT-100045/awb", body), 422, "validation_error")
        assert snapshot() == before

    def test_staff_cannot_assign_a_courier(self, pushed: dict[str, Any], api: ApiClient) -> None:
        assert_error(
            api.post(f"/orders/{pushed['id']}/awb", {"courier": "X", "awb": "1"}), 403, "forbidden"
        )


class TestPartnerInventory:
    def test_available_at_the_online_site_only(
        self, pushed: dict[str, Any], oms: ConnectedApp, api: ApiClient
    ) -> None:
        api.post(
            "/wholesale-orders",
            {"customer": "RETAIL1", "site": "WH1", "lines": [{"sku": "TEE-RED-M", "quantity": 5}]},
        )
        api.post(
            "/stock/receipts",
            {"site": "WH2", "reference": "R", "lines": [{"sku": "TEE-RED-M", "quantity": 90}]},
        )
        answer = oms.client().get("/inventory?sku=TEE-RED-M&sku=CAP-GRY")
        assert answer.status == 200
        assert answer.body == {
            "items": [{"sku": "TEE-RED-M", "available": 3}, {"sku": "CAP-GRY", "available": 7}],
            "next_cursor": None,
        }

    def test_other_org_unit_sees_its_own_site(
        self, pushed: dict[str, Any], other_oms: ConnectedApp
    ) -> None:
        answer = other_oms.client().get("/inventory?sku=TEE-RED-M")
        assert answer.body["items"] == [{"sku": "TEE-RED-M", "available": 10}]

    def test_all_items_page_by_page(
        self, pushed: dict[str, Any], oms: ConnectedApp, masters: Masters
    ) -> None:
        seen: list[dict[str, Any]] = []
        path = "/inventory?limit=3"
        while True:
            page = oms.client().get(path).body
            seen += page["items"]
            if page["next_cursor"] is None:
                break
            path = f"/inventory?limit=3&cursor={page['next_cursor']}"
        assert [row["sku"] for row in seen] == [item.sku for item in masters.items]
        assert {row["sku"]: row["available"] for row in seen}["CAP-GRY"] == 7

    def test_unknown_sku_and_bad_queries(self, pushed: dict[str, Any], oms: ConnectedApp) -> None:
        error = assert_error(
            oms.client().get("/inventory?sku=NOPE&sku=TEE-RED-M"), 422, "unknown_sku"
        )
        assert error["details"] == ["NOPE"]
        assert_error(oms.client().get("/inventory?limit=0"), 422, "validation_error")
        assert_error(oms.client().get("/inventory?cursor=%%%"), 422, "validation_error")
        many = "&".join(f"sku=S{n}" for n in range(201))
        assert_error(oms.client().get(f"/inventory?{many}"), 422, "validation_error")

    def test_staff_tokens_use_the_stock_query(self, pushed: dict[str, Any], api: ApiClient) -> None:
        assert_error(api.get("/inventory"), 403, "forbidden")


class TestStaff:
    def test_list_newest_first_with_filters_and_paging(
        self, stocked: Masters, oms: ConnectedApp, other_oms: ConnectedApp, api: ApiClient
    ) -> None:
        ids = [oms.client().post("/orders", order_body(f"A{n}")).body["id"] for n in range(3)]
        other = other_oms.client().post("/orders", order_body("B0")).body["id"]
        oms.client().post("/orders/A1/cancel", {"reason": "x"})
        everything = api.get("/orders").body
        assert [o["id"] for o in everything["items"]] == [other, *reversed(ids)]
        wh1 = api.get("/orders?site=WH1&status=reserved").body["items"]
        assert [o["id"] for o in wh1] == [ids[2], ids[0]]
        cancelled = api.get("/orders?status=cancelled").body["items"]
        assert [o["id"] for o in cancelled] == [ids[1]]
        first = api.get("/orders?limit=3").body
        rest = api.get(f"/orders?limit=3&cursor={first['next_cursor']}").body
        assert [o["id"] for o in first["items"] + rest["items"]] == [other, *reversed(ids)]
        assert rest["next_cursor"] is None

    @pytest.mark.parametrize(
        "query", ["status=lost", "site=NOPE", "site=bad%20code", "limit=201", "cursor=-1"]
    )
    def test_bad_list_queries(self, stocked: Masters, api: ApiClient, query: str) -> None:
        assert_error(api.get(f"/orders?{query}"), 422, "validation_error")

    def test_get_by_erp_id_only(self, pushed: dict[str, Any], api: ApiClient) -> None:
        assert api.get(f"/orders/{pushed['id']}").body == pushed
        number = int(pushed["id"].removeprefix("SO-"))
        for unknown in ("BT-100045", f"SO-{number}", "SO-999999", "SO-", "so-000001"):
            assert_error(api.get(f"/orders/{unknown}"), 404, "not_found")

    def test_erp_cancel(self, pushed: dict[str, Any], api: ApiClient) -> None:
        answer = api.post(f"/orders/{pushed['id']}/cancel", {"reason": "out of stock"})
        assert answer.status == 200
        assert answer.body["cancellation"]["by"] == "erp"
        assert balance("WH1", "CAP-GRY") == (10, 0, 0)
        event = Event.objects.get(type="order.cancelled")
        assert event.data["cancellation"]["by"] == "erp"

    def test_partner_cannot_list(self, pushed: dict[str, Any], oms: ConnectedApp) -> None:
        assert_error(oms.client().get("/orders"), 403, "forbidden")

    def test_permission_matrix(
        self, stocked: Masters, oms: ConnectedApp, role_clients: dict[str, ApiClient]
    ) -> None:
        ids = [oms.client().post("/orders", order_body(f"P{n}")).body["id"] for n in range(3)]
        for role, client in role_clients.items():
            assert client.get("/orders").status == 200, role
            assert client.get(f"/orders/{ids[0]}").status == 200, role
        assert (
            role_clients["Administrator"].post(f"/orders/{ids[0]}/cancel", {"reason": "x"}).status
            == 200
        )
        assert (
            role_clients["Warehouse"].post(f"/orders/{ids[1]}/cancel", {"reason": "x"}).status
            == 200
        )
        before = snapshot()
        assert_error(
            role_clients["Viewer"].post(f"/orders/{ids[2]}/cancel", {"reason": "x"}),
            403,
            "forbidden",
        )
        assert snapshot() == before
