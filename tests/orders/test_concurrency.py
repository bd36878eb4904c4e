"""Races on real connections: many clients at once over HTTP, on PostgreSQL and SQLite.

Each client is its own thread with its own database connection, released together by a
barrier so their transactions overlap as much as the database lets them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import pytest
from django.db import connection, transaction

from omslink.inventory.models import StockBalance, StockMove
from omslink.inventory.selectors import LedgerMismatch, ledger_mismatches
from omslink.inventory.services import StockChange, stock_apply
from omslink.masters.models import Item, Site
from omslink.orders.models import Order
from omslink.webhooks.models import Event
from tests.conftest import ApiAnswer, ApiClient, ConnectedApp, Masters
from tests.inventory.state import assert_stock_consistent, balance, receive
from tests.orders.bodies import order_body

T = TypeVar("T")
pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run every call in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        try:
            barrier.wait(timeout=30)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _no_deadlock_was_retried(caplog: pytest.LogCaptureFixture) -> None:
    retried = [r.getMessage() for r in caplog.records if "DeadlockDetected" in r.getMessage()]
    assert retried == []


def _assert_clean(answers: list[ApiAnswer]) -> None:
    for answer in answers:
        assert answer.status < 500, answer.body
        if answer.status >= 400:
            assert answer.body["error"]["code"] == "insufficient_stock", answer.body


def test_64_clients_mixing_online_and_wholesale_never_oversell(
    masters: Masters,
    oms: ConnectedApp,
    admin: tuple[Any, str],
    api: ApiClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    receive(admin[0], "WH1", {"TEE-RED-M": 100})
    rng = random.Random(64)
    wants = [rng.randint(1, 6) for _ in range(64)]  # ~224 units asked for 100 on the shelf
    partner = oms.client()

    def online(n: int) -> Callable[[], ApiAnswer]:
        return lambda: partner.with_token(oms.api_key).post(
            "/orders", order_body(f"HOT-{n}", [("TEE-RED-M", wants[n])])
        )

    def wholesale(n: int) -> Callable[[], ApiAnswer]:
        body = {
            "customer": "RETAIL1",
            "site": "WH1",
            "lines": [{"sku": "TEE-RED-M", "quantity": wants[n]}],
        }
        return lambda: api.with_token(api.token).post("/wholesale-orders", body)

    calls = [online(n) if n % 2 == 0 else wholesale(n) for n in range(64)]
    answers = run_at_once(calls)

    _assert_clean(answers)
    accepted_online = sum(wants[n] for n in range(0, 64, 2) if answers[n].status == 201)
    accepted_wholesale = sum(wants[n] for n in range(1, 64, 2) if answers[n].status == 201)
    on_hand, reserved, allocated = balance("WH1", "TEE-RED-M")
    assert (on_hand, reserved, allocated) == (100, accepted_online, accepted_wholesale)
    assert reserved + allocated <= on_hand
    left = on_hand - reserved - allocated
    # Available only fell during the race, so every refusal asked for more than is left now.
    assert all(wants[n] > left for n in range(64) if answers[n].status == 409)
    assert Order.objects.count() == sum(1 for n in range(0, 64, 2) if answers[n].status == 201)
    assert Event.objects.filter(type="order.reserved").count() == Order.objects.count()
    assert_stock_consistent()
    _no_deadlock_was_retried(caplog)


def test_one_order_pushed_from_16_connections_is_stored_and_reserved_once(
    masters: Masters, oms: ConnectedApp, admin: tuple[Any, str]
) -> None:
    receive(admin[0], "WH1", {"TEE-RED-M": 10})
    body = order_body("SAME-1", [("TEE-RED-M", 3)])
    answers = run_at_once([lambda: ApiClient(oms.api_key).post("/orders", body)] * 16)
    assert sorted(answer.status for answer in answers) == [200] * 15 + [201]
    assert len({answer.body["id"] for answer in answers}) == 1
    assert Order.objects.count() == 1
    assert balance("WH1", "TEE-RED-M") == (10, 3, 0)
    assert Event.objects.count() == 1
    assert_stock_consistent()


def test_one_idempotency_key_from_16_connections_answers_once(
    masters: Masters, oms: ConnectedApp, admin: tuple[Any, str]
) -> None:
    receive(admin[0], "WH1", {"TEE-RED-M": 10})
    key = {"Idempotency-Key": "same-key"}
    bodies = [order_body(f"KEYED-{n % 2}", [("TEE-RED-M", 1)]) for n in range(16)]
    answers = run_at_once(
        [partial(ApiClient(oms.api_key).post, "/orders", body, headers=key) for body in bodies]
    )
    winners = [a for a in answers if a.status == 201]
    assert len({a.body["external_order_id"] for a in winners}) == 1
    losers = [a for a in answers if a.status != 201]
    assert all(a.status == 409 and a.body["error"]["code"] == "conflict" for a in losers)
    assert len(winners) == 8 and len(losers) == 8
    assert Order.objects.count() == 1
    assert balance("WH1", "TEE-RED-M") == (10, 1, 0)


def test_multi_line_orders_in_opposite_sku_order_do_not_deadlock(
    masters: Masters,
    oms: ConnectedApp,
    admin: tuple[Any, str],
    api: ApiClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    skus = ["TEE-RED-M", "TEE-BLU-L", "JKT-BLK-M", "CAP-GRY"]
    receive(admin[0], "WH1", dict.fromkeys(skus, 1000))

    def online(n: int) -> Callable[[], ApiAnswer]:
        order = skus if n % 2 else list(reversed(skus))
        return lambda: ApiClient(oms.api_key).post(
            "/orders", order_body(f"X-{n}", [(sku, 2) for sku in order])
        )

    def wholesale(n: int) -> Callable[[], ApiAnswer]:
        order = list(reversed(skus)) if n % 2 else skus
        body = {
            "customer": "RETAIL1",
            "site": "WH1",
            "lines": [{"sku": sku, "quantity": 3} for sku in order],
        }
        return lambda: ApiClient(api.token).post("/wholesale-orders", body)

    answers = run_at_once([online(n) if n % 3 else wholesale(n) for n in range(24)])
    assert [a.status for a in answers] == [201] * 24
    online_count = sum(1 for n in range(24) if n % 3)
    for sku in skus:
        assert balance("WH1", sku) == (1000, 2 * online_count, 3 * (24 - online_count))
    assert_stock_consistent()
    _no_deadlock_was_retried(caplog)


def test_racing_cancels_release_once(
    masters: Masters, oms: ConnectedApp, admin: tuple[Any, str], api: ApiClient
) -> None:
    receive(admin[0], "WH1", {"TEE-RED-M": 10})
    order = ApiClient(oms.api_key).post("/orders", order_body(lines=[("TEE-RED-M", 4)])).body
    calls: list[Callable[[], ApiAnswer]] = [
        (lambda: ApiClient(oms.api_key).post("/orders/BT-100045/cancel", {"reason": "oms"})),
        (lambda: ApiClient(api.token).post(f"/orders/{order['id']}/cancel", {"reason": "erp"})),
    ] * 4
    answers = run_at_once(calls)
    assert sorted(a.status for a in answers) == [200] + [409] * 7
    assert all(a.body["error"]["code"] == "invalid_transition" for a in answers if a.status == 409)
    assert balance("WH1", "TEE-RED-M") == (10, 0, 0)
    assert list(Event.objects.order_by("sequence").values_list("sequence", "type")) == [
        (1, "order.reserved"),
        (2, "order.cancelled"),
    ]
    assert_stock_consistent()


def test_orders_short_on_their_later_line_reserve_nothing(
    masters: Masters, oms: ConnectedApp, admin: tuple[Any, str]
) -> None:
    """32 two-line orders for 10 units of the second line's item: each balance is moved by
    its own conditional UPDATE in key order, so a refused order has already moved the first
    line's balance when the second refuses it, and the rollback must undo that."""
    receive(admin[0], "WH1", {"TEE-RED-M": 1000})
    receive(admin[0], "WH1", {"TEE-BLU-L": 10})
    red, blue = (
        StockBalance.objects.get(site__code="WH1", item__sku=sku).pk
        for sku in ("TEE-RED-M", "TEE-BLU-L")
    )
    assert red < blue, "the plentiful item's row must be moved first"

    def push(n: int) -> Callable[[], ApiAnswer]:
        body = order_body(f"SHORT-{n}", [("TEE-RED-M", 1), ("TEE-BLU-L", 1)])
        return lambda: ApiClient(oms.api_key).post("/orders", body)

    answers = run_at_once([push(n) for n in range(32)])

    assert sorted(a.status for a in answers) == [201] * 10 + [409] * 22
    for refused in (a for a in answers if a.status == 409):
        assert refused.body["error"]["code"] == "insufficient_stock"
        assert refused.body["error"]["details"] == [
            {"sku": "TEE-BLU-L", "requested": 1, "available": 0}
        ]
    assert balance("WH1", "TEE-RED-M") == (1000, 10, 0)
    assert balance("WH1", "TEE-BLU-L") == (10, 10, 0)
    assert Order.objects.count() == 10
    assert Event.objects.filter(type="order.reserved").count() == 10
    assert_stock_consistent()


def _wait_for_a_lock_wait(timeout: float = 10) -> None:
    """Return once another session of this database waits on a row lock (PostgreSQL)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # pg_stat_activity is cached for the transaction unless cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("no session waited on a lock")


def test_stock_taken_while_an_order_waits_for_its_row_refuses_the_order_whole(
    masters: Masters, oms: ConnectedApp, admin: tuple[Any, str]
) -> None:
    """The order reads enough stock, then its UPDATE waits for a transaction that takes all of
    the second item: re-checked on the row as committed, the UPDATE moves nothing and the
    whole order (order row, event, first line's reservation) is rolled back."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers before the order reads its stock")
    receive(admin[0], "WH1", {"TEE-RED-M": 5})
    receive(admin[0], "WH1", {"TEE-BLU-L": 5})
    site = Site.objects.get(code="WH1")
    blue = Item.objects.get(sku="TEE-BLU-L")
    holding = threading.Event()

    def take_all_blue() -> None:
        try:
            with transaction.atomic():
                stock_apply(
                    site=site,
                    changes=[StockChange(blue.pk, StockMove.Kind.ALLOCATE, allocated=5)],
                    reference="TAKER",
                )
                holding.set()
                _wait_for_a_lock_wait()
        finally:
            holding.set()
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        taker = pool.submit(take_all_blue)
        assert holding.wait(timeout=10)
        answer = ApiClient(oms.api_key).post(
            "/orders", order_body("RACE-1", [("TEE-RED-M", 1), ("TEE-BLU-L", 1)])
        )
        taker.result(timeout=30)

    assert answer.status == 409, answer.body
    assert answer.body["error"]["details"] == [{"sku": "TEE-BLU-L", "requested": 1, "available": 0}]
    assert balance("WH1", "TEE-RED-M") == (5, 0, 0)
    assert balance("WH1", "TEE-BLU-L") == (5, 0, 5)
    assert Order.objects.count() == 0
    assert not Event.objects.filter(type="order.reserved").exists()
    assert_stock_consistent()


def test_stock_check_passes_while_orders_are_taken(
    masters: Masters, oms: ConnectedApp, admin: tuple[Any, str]
) -> None:
    """`omslink stock check` reads balances and ledger in one snapshot, so orders committing
    while it runs never show as a mismatch."""
    receive(admin[0], "WH1", {"TEE-RED-M": 1000, "TEE-BLU-L": 1000})
    pushing = threading.Event()
    checks: list[list[LedgerMismatch]] = []

    def check_until_done() -> int:
        try:
            while not pushing.is_set():
                checks.append(ledger_mismatches())
            return len(checks)
        finally:
            connection.close()

    def pushes(worker: int) -> Callable[[], list[int]]:
        def run() -> list[int]:
            client = ApiClient(oms.api_key)
            return [
                client.post(
                    "/orders",
                    order_body(f"LIVE-{worker}-{n}", [("TEE-RED-M", 1), ("TEE-BLU-L", 1)]),
                ).status
                for n in range(15)
            ]

        return run

    with ThreadPoolExecutor(max_workers=1) as pool:
        checker = pool.submit(check_until_done)
        try:
            statuses = run_at_once([pushes(worker) for worker in range(6)])
        finally:
            pushing.set()
        assert checker.result(timeout=60) > 0
    assert all(status == 201 for worker in statuses for status in worker)
    assert checks and all(found == [] for found in checks)
    assert balance("WH1", "TEE-RED-M") == (1000, 90, 0)
    assert_stock_consistent()
