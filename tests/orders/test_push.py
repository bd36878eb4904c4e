"""Partner push (CONTRACT §4): store and reserve whole, repeats, duplicates, idempotency."""

from __future__ import annotations

import re
from typing import Any

import pytest

from omslink.inventory.models import PendingInventoryUpdate
from omslink.masters.schemas import OrgUnitIn, SiteIn
from omslink.masters.services import org_unit_create, site_create
from omslink.orders.models import IdempotencyRecord, Order
from omslink.webhooks.models import Delivery, Event
from tests.conftest import ApiClient, ConnectedApp, Masters, assert_error, connect_app
from tests.inventory.state import assert_stock_consistent, balance, snapshot
from tests.orders.bodies import order_body


def test_new_order_is_stored_reserved_and_published(stocked: Masters, oms: ConnectedApp) -> None:
    answer = oms.client().post("/orders", order_body())
    assert answer.status == 201, answer.body
    order = answer.body
    assert re.fullmatch(r"SO-\d{6}", order["id"])
    assert (order["external_order_id"], order["status"], order["site"], order["org_unit"]) == (
        "BT-100045",
        "reserved",
        "WH1",
        "OU1",
    )
    assert order["lines"] == [
        {
            "line_id": "1",
            "sku": "TEE-RED-M",
            "quantity": 2,
            "unit_price": "499.00",
            "discount": "0.00",
        }
    ]
    assert order["shipment"] == {"courier": None, "awb": None, "shipped_at": None}
    assert order["cancellation"] is None and order["invoice"] is None
    assert balance("WH1", "TEE-RED-M") == (10, 2, 0)
    event = Event.objects.get()
    assert (event.type, event.ordering_key, event.sequence) == (
        "order.reserved",
        f"order:{order['id']}",
        1,
    )
    assert event.data == order
    assert list(Delivery.objects.values_list("app_id", flat=True)) == [oms.app.pk]
    assert PendingInventoryUpdate.objects.filter(site__code="WH1", item__sku="TEE-RED-M").exists()
    assert_stock_consistent()


def test_same_body_again_answers_200_without_a_second_reservation(
    stocked: Masters, oms: ConnectedApp
) -> None:
    client = oms.client()
    first = client.post("/orders", order_body())
    again = client.post("/orders", order_body())
    assert (first.status, again.status) == (201, 200)
    assert again.body == first.body
    assert Order.objects.count() == 1 and Event.objects.count() == 1
    assert balance("WH1", "TEE-RED-M") == (10, 2, 0)


def test_same_order_spelt_differently_is_the_same_body(stocked: Masters, oms: ConnectedApp) -> None:
    client = oms.client()
    assert client.post("/orders", order_body()).status == 201
    respelt = dict(reversed(list(order_body().items())))
    respelt["lines"] = [
        {
            "discount": "0",
            "unit_price": "499",
            "quantity": 2,
            "sku": "TEE-RED-M",
            "line_id": "1",
            "gift_wrap": True,
        }
    ]
    respelt["tracking_hint"] = "ignored extra field"
    assert client.post("/orders", respelt).status == 200
    assert balance("WH1", "TEE-RED-M") == (10, 2, 0)


def test_same_id_with_another_body_is_duplicate_order(stocked: Masters, oms: ConnectedApp) -> None:
    client = oms.client()
    client.post("/orders", order_body())
    before = snapshot()
    changed = order_body(lines=[("TEE-RED-M", 3)])
    assert_error(client.post("/orders", changed), 409, "duplicate_order")
    assert snapshot() == before


def test_insufficient_stock_names_every_short_sku_and_stores_nothing(
    stocked: Masters, oms: ConnectedApp
) -> None:
    before = snapshot()
    body = order_body(lines=[("TEE-RED-M", 6), ("CAP-GRY", 11), ("TEE-RED-M", 6), ("TEE-BLU-L", 1)])
    error = assert_error(oms.client().post("/orders", body), 409, "insufficient_stock")
    assert error["details"] == [
        {"sku": "CAP-GRY", "requested": 11, "available": 10},
        {"sku": "TEE-RED-M", "requested": 12, "available": 10},
    ]
    assert snapshot() == before
    assert not Event.objects.exists()


def test_one_sku_on_several_lines_reserves_the_sum(stocked: Masters, oms: ConnectedApp) -> None:
    body = order_body(lines=[("TEE-RED-M", 4), ("TEE-RED-M", 6)])
    assert oms.client().post("/orders", body).status == 201
    assert balance("WH1", "TEE-RED-M") == (10, 10, 0)
    assert_stock_consistent()


def test_reserved_stock_is_no_longer_available_to_the_next_order(
    stocked: Masters, oms: ConnectedApp
) -> None:
    client = oms.client()
    assert client.post("/orders", order_body("A", [("JKT-BLK-M", 7)])).status == 201
    error = assert_error(
        client.post("/orders", order_body("B", [("JKT-BLK-M", 4)])), 409, "insufficient_stock"
    )
    assert error["details"] == [{"sku": "JKT-BLK-M", "requested": 4, "available": 3}]
    assert client.post("/orders", order_body("C", [("JKT-BLK-M", 3)])).status == 201
    assert balance("WH1", "JKT-BLK-M") == (10, 10, 0)


def test_unknown_skus_are_listed_and_nothing_is_stored(stocked: Masters, oms: ConnectedApp) -> None:
    before = snapshot()
    body = order_body(lines=[("TEE-RED-M", 1), ("NOPE-2", 1), ("NOPE-1", 1)])
    error = assert_error(oms.client().post("/orders", body), 422, "unknown_sku")
    assert error["details"] == ["NOPE-1", "NOPE-2"]
    assert snapshot() == before


class TestIdempotencyKey:
    def test_same_key_and_body_replays_the_first_answer(
        self, stocked: Masters, oms: ConnectedApp
    ) -> None:
        client = oms.client()
        key = {"Idempotency-Key": "push-1"}
        first = client.post("/orders", order_body(), headers=key)
        assert first.status == 201
        client.post(f"/orders/{first.body['external_order_id']}/cancel", {"reason": "test"})
        replay = client.post("/orders", order_body(), headers=key)
        assert (replay.status, replay.body) == (201, first.body)
        assert Order.objects.count() == 1
        assert balance("WH1", "TEE-RED-M") == (10, 0, 0)

    def test_same_key_with_another_body_is_conflict(
        self, stocked: Masters, oms: ConnectedApp
    ) -> None:
        client = oms.client()
        key = {"Idempotency-Key": "push-1"}
        client.post("/orders", order_body(), headers=key)
        before = snapshot()
        assert_error(client.post("/orders", order_body("OTHER"), headers=key), 409, "conflict")
        assert snapshot() == before

    def test_a_new_key_for_a_known_order_answers_200(
        self, stocked: Masters, oms: ConnectedApp
    ) -> None:
        client = oms.client()
        client.post("/orders", order_body(), headers={"Idempotency-Key": "a"})
        again = client.post("/orders", order_body(), headers={"Idempotency-Key": "b"})
        assert again.status == 200
        assert IdempotencyRecord.objects.get(key="b").created is False
        replay = client.post("/orders", order_body(), headers={"Idempotency-Key": "b"})
        assert (replay.status, replay.body) == (200, again.body)

    def test_a_refused_push_keeps_no_answer(self, stocked: Masters, oms: ConnectedApp) -> None:
        client = oms.client()
        key = {"Idempotency-Key": "retry-me"}
        body = order_body(lines=[("TEE-RED-M", 12)])
        assert_error(client.post("/orders", body, headers=key), 409, "insufficient_stock")
        assert not IdempotencyRecord.objects.exists()

    def test_keys_are_per_app(
        self, stocked: Masters, oms: ConnectedApp, other_oms: ConnectedApp
    ) -> None:
        key = {"Idempotency-Key": "shared"}
        assert oms.client().post("/orders", order_body("A"), headers=key).status == 201
        other = other_oms.client().post("/orders", order_body("B"), headers=key)
        assert other.status == 201 and other.body["site"] == "WH3"

    @pytest.mark.parametrize("key", ["", "k" * 256, "ключ", "tab\there"])
    def test_bad_keys_are_refused(self, stocked: Masters, oms: ConnectedApp, key: str) -> None:
        before = snapshot()
        answer = oms.client().post("/orders", order_body(), headers={"Idempotency-Key": key})
        error = assert_error(answer, 422, "validation_error")
        assert error["details"][0]["field"] == "Idempotency-Key"
        assert snapshot() == before


def test_disabled_app_is_refused(stocked: Masters, oms: ConnectedApp) -> None:
    oms.app.enabled = False
    oms.app.save()
    before = snapshot()
    assert_error(oms.client().post("/orders", order_body()), 403, "app_disabled")
    assert_error(oms.client().get("/orders/BT-100045"), 403, "app_disabled")
    assert_error(oms.client().get("/inventory"), 403, "app_disabled")
    assert snapshot() == before


def test_callers_other_than_an_app_key_cannot_push(
    stocked: Masters, api: ApiClient, admin: tuple[Any, str]
) -> None:
    before = snapshot()
    assert_error(api.post("/orders", order_body()), 403, "forbidden")
    assert_error(ApiClient().post("/orders", order_body()), 401, "unauthenticated")
    assert_error(ApiClient("omsk_unknown").post("/orders", order_body()), 401, "unauthenticated")
    keyless_app = connect_app(stocked.org_unit, admin[0], enabled=False)
    keyless_app.app.delete()
    assert_error(keyless_app.client().post("/orders", order_body()), 403, "forbidden")
    assert snapshot() == before


def test_org_unit_without_online_site_is_a_conflict(
    masters: Masters, admin: tuple[Any, str]
) -> None:
    org_unit = org_unit_create(
        payload=OrgUnitIn(
            code="OU3", name="No Online Ltd", gstin="29ABCDE1234F2Z5", state_code="KA"
        )
    )
    site_create(payload=SiteIn(code="WH9", name="Depot", org_unit="OU3", online_fulfilment=False))
    app = connect_app(org_unit, admin[0])
    before = snapshot()
    error = assert_error(app.client().post("/orders", order_body()), 409, "conflict")
    assert "online fulfilment site" in error["message"]
    assert_error(app.client().get("/inventory"), 409, "conflict")
    assert snapshot() == before


def test_each_app_sees_only_its_own_orders(
    stocked: Masters, oms: ConnectedApp, other_oms: ConnectedApp
) -> None:
    mine = oms.client().post("/orders", order_body("SHARED-ID"))
    theirs = other_oms.client().post("/orders", order_body("SHARED-ID"))
    assert (mine.status, theirs.status) == (201, 201)
    assert mine.body["id"] != theirs.body["id"] and theirs.body["site"] == "WH3"
    assert oms.client().get("/orders/SHARED-ID").body["id"] == mine.body["id"]
    assert other_oms.client().get("/orders/SHARED-ID").body["id"] == theirs.body["id"]
    only_mine = oms.client().post("/orders", order_body("ONLY-OU1"))
    assert only_mine.status == 201
    assert_error(other_oms.client().get("/orders/ONLY-OU1"), 404, "not_found")
    assert_error(
        other_oms.client().post("/orders/ONLY-OU1/cancel", {"reason": "x"}), 404, "not_found"
    )
    assert_error(
        other_oms.client().post("/orders/ONLY-OU1/awb", {"courier": "X", "awb": "1"}),
        404,
        "not_found",
    )
    assert_error(oms.client().get(f"/orders/{only_mine.body['id']}"), 404, "not_found")
    assert balance("WH1", "TEE-RED-M") == (10, 4, 0)
    assert balance("WH3", "TEE-RED-M") == (10, 2, 0)


def test_failed_push_leaves_no_event(stocked: Masters, oms: ConnectedApp) -> None:
    client = oms.client()
    client.post("/orders", order_body("BIG", [("TEE-RED-M", 11)]))
    client.post("/orders", order_body("BAD", [("NOPE", 1)]))
    client.post("/orders", order_body("INVALID", [("TEE-RED-M", 0)]))
    assert not Event.objects.exists() and not Delivery.objects.exists()


def test_reserved_then_cancelled_events_count_one_and_two(
    stocked: Masters, oms: ConnectedApp
) -> None:
    client = oms.client()
    order = client.post("/orders", order_body()).body
    client.post("/orders", order_body())
    client.post("/orders/BT-100045/cancel", {"reason": "customer changed mind"})
    events = list(
        Event.objects.order_by("sequence").values_list("ordering_key", "sequence", "type")
    )
    key = f"order:{order['id']}"
    assert events == [(key, 1, "order.reserved"), (key, 2, "order.cancelled")]
    cancelled = Event.objects.get(sequence=2).data
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancellation"]["by"] == "oms"
    assert cancelled["cancellation"]["reason"] == "customer changed mind"
