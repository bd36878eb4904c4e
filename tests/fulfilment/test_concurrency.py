"""Racing fulfilment moves on real connections, over HTTP, on PostgreSQL and SQLite.

Every client is its own thread with its own database connection, released together (see
`run_at_once`), so the database decides who wins; the tests check that exactly the contract's
outcome remains.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from omslink.fulfilment.invoice_numbers import financial_year
from omslink.fulfilment.models import Invoice, InvoiceCounter
from omslink.inventory.models import StockMove
from omslink.orders.models import Order
from tests.conftest import ApiAnswer, ApiClient, ConnectedApp, Masters, Push
from tests.fulfilment.conftest import BOX, event_types, to_invoiced, to_picked
from tests.inventory.state import assert_stock_consistent, balance, receive
from tests.orders.test_concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)
SHIP = {"courier": "BlueDart", "awb": "BD-1"}
PACK = {"packages": [BOX]}


def as_client(client: ApiClient) -> ApiClient:
    """A client of its own for a thread: Django's test client is not shared between threads."""
    return client.with_token(client.token)


def post_from_thread(client: ApiClient, path: str, body: Any) -> Callable[[], ApiAnswer]:
    """A call for `run_at_once` that posts with a client of its own."""
    return lambda: as_client(client).post(path, body)


def codes(answers: list[ApiAnswer]) -> list[str]:
    for answer in answers:
        assert answer.status < 500, answer.body
    return sorted(
        "ok" if answer.status == 200 else answer.body["error"]["code"] for answer in answers
    )


def test_32_concurrent_packs_take_consecutive_invoice_numbers(
    stocked: Masters,
    push: Push,
    warehouse: ApiClient,
    admin: tuple[Any, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    receive(admin[0], "WH1", {"TEE-RED-M": 30})
    orders = [push([("TEE-RED-M", 1)]) for _ in range(32)]
    to_picked(warehouse, orders)
    answers = run_at_once([post_from_thread(warehouse, f"/orders/{o}/pack", PACK) for o in orders])
    assert codes(answers) == ["ok"] * 32
    year = financial_year(timezone.localdate())
    numbers = sorted(answer.body["invoice"]["number"] for answer in answers)
    assert numbers == [f"OU1/{year}/{serial:06d}" for serial in range(1, 33)]
    assert sorted(Invoice.objects.values_list("serial", flat=True)) == list(range(1, 33))
    assert InvoiceCounter.objects.get(org_unit__code="OU1", financial_year=year).last_serial == 32
    for order in orders:
        assert event_types(order)[-2:] == ["order.packed", "order.invoiced"]


def test_two_ship_calls_ship_once(stocked: Masters, push: Push, warehouse: ApiClient) -> None:
    order = push([("TEE-RED-M", 3)])
    to_invoiced(warehouse, order)
    answers = run_at_once([lambda: as_client(warehouse).post(f"/orders/{order}/ship", SHIP)] * 2)
    assert codes(answers) == ["invalid_transition", "ok"]
    assert balance("WH1", "TEE-RED-M") == (7, 0, 0)
    assert StockMove.objects.filter(reference=order, kind="ship").count() == 1
    assert event_types(order).count("order.shipped") == 1
    assert_stock_consistent()


def test_ship_wins_over_cancel_once_invoiced(
    stocked: Masters, push: Push, warehouse: ApiClient, api: ApiClient
) -> None:
    order = push([("TEE-RED-M", 2)])
    to_invoiced(warehouse, order)
    answers = run_at_once(
        [
            lambda: as_client(warehouse).post(f"/orders/{order}/ship", SHIP),
            lambda: as_client(api).post(f"/orders/{order}/cancel", {"reason": "too late"}),
        ]
    )
    assert [answer.status for answer in answers] == [200, 409]
    assert answers[1].body["error"]["code"] == "invalid_transition"
    assert balance("WH1", "TEE-RED-M") == (8, 0, 0)
    assert_stock_consistent()


def test_pack_and_cancel_of_a_picked_order_never_both_win(
    stocked: Masters, push: Push, warehouse: ApiClient, api: ApiClient
) -> None:
    orders = [push([("CAP-GRY", 1)]) for _ in range(6)]
    to_picked(warehouse, orders)
    calls: list[Callable[[], ApiAnswer]] = []
    for order in orders:
        calls.append(post_from_thread(warehouse, f"/orders/{order}/pack", PACK))
        calls.append(post_from_thread(api, f"/orders/{order}/cancel", {"reason": "changed mind"}))
    answers = run_at_once(calls)
    packed = 0
    for index, order in enumerate(orders):
        pack, cancel = answers[2 * index], answers[2 * index + 1]
        assert codes([pack, cancel]) == ["invalid_transition", "ok"]
        row = Order.objects.get(pk=int(order[3:]))
        if pack.status == 200:
            packed += 1
            assert row.status == "invoiced" and Invoice.objects.filter(order=row).exists()
        else:
            assert row.status == "cancelled" and not Invoice.objects.filter(order=row).exists()
    assert balance("WH1", "CAP-GRY") == (10, packed, 0)
    # Serials stay gapless whoever won: only the packs that committed took one.
    assert sorted(Invoice.objects.values_list("serial", flat=True)) == list(range(1, packed + 1))
    assert_stock_consistent()


def test_confirm_and_oms_cancel_settle_on_one_outcome(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    kept, cancelled = push([("TEE-RED-M", 2)]), push([("TEE-RED-M", 3)])
    answer = warehouse.post("/picklists", {"site": "WH1", "orders": [kept, cancelled]})
    number = answer.body["number"]
    external = Order.objects.get(pk=int(cancelled[3:])).external_order_id
    answers = run_at_once(
        [
            lambda: as_client(warehouse).post(
                f"/picklists/{number}/confirm", {"lines": [{"sku": "TEE-RED-M", "picked": 5}]}
            ),
            lambda: ApiClient(oms.api_key).post(f"/orders/{external}/cancel", {"reason": "oms"}),
        ]
    )
    assert codes(answers) == ["ok", "ok"]
    assert Order.objects.get(pk=int(kept[3:])).status == "picked"
    assert Order.objects.get(pk=int(cancelled[3:])).status == "cancelled"
    assert balance("WH1", "TEE-RED-M") == (10, 2, 0)
    assert not StockMove.objects.filter(kind="write_off").exists()
    assert_stock_consistent()


def test_two_pick_lists_made_at_once_share_no_order(
    stocked: Masters, push: Push, warehouse: ApiClient
) -> None:
    orders = [push([("TEE-BLU-L", 1)]) for _ in range(8)]
    answers = run_at_once(
        [lambda: as_client(warehouse).post("/picklists", {"site": "WH1", "max_orders": 5})] * 2
    )
    assert sorted(answer.status for answer in answers) == [201, 201]
    taken = [order for answer in answers for order in answer.body["orders"]]
    assert sorted(taken) == orders
    assert sorted(len(answer.body["orders"]) for answer in answers) == [3, 5]
