"""Racing returns on real connections over HTTP, on PostgreSQL and SQLite: each client its
own thread and database connection, released together, so the database decides who wins."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from omslink.fulfilment.invoice_numbers import financial_year
from omslink.returns.models import CreditNote, CreditNoteCounter, Return, ReturnLine
from tests.conftest import ApiAnswer, ApiClient, ConnectedApp, Masters, Push
from tests.fulfilment.conftest import BOX, event_types, to_picked
from tests.fulfilment.test_concurrency import SHIP, as_client, codes
from tests.inventory.state import assert_stock_consistent, balance, receive
from tests.orders.test_concurrency import run_at_once
from tests.returns.conftest import deliver, external_id, return_body, shipped

pytestmark = pytest.mark.django_db(transaction=True)


def test_32_concurrent_receipts_take_consecutive_credit_note_numbers(
    stocked: Masters,
    push: Push,
    warehouse: ApiClient,
    oms: ConnectedApp,
    admin: tuple[Any, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    receive(admin[0], "WH1", {"TEE-RED-M": 30})
    orders = [push([("TEE-RED-M", 1)]) for _ in range(32)]
    to_picked(warehouse, orders)
    partner = oms.client()
    returns = []
    for order in orders:
        assert warehouse.post(f"/orders/{order}/pack", {"packages": [BOX]}).status == 200
        assert warehouse.post(f"/orders/{order}/ship", SHIP).status == 200
        answer = partner.post(f"/orders/{external_id(warehouse, order)}/rto", {"reason": "RTO"})
        returns.extend(answer.body["returns"])
    assert balance("WH1", "TEE-RED-M") == (8, 0, 0)
    body = {"lines": [{"sku": "TEE-RED-M", "good": 1, "damaged": 0}]}

    def receive_return(number: str) -> Callable[[], ApiAnswer]:
        return lambda: as_client(warehouse).post(f"/returns/{number}/receive", body)

    calls = [receive_return(number) for number in returns]
    answers = run_at_once(calls)
    assert codes(answers) == ["ok"] * 32
    year = financial_year(timezone.localdate())
    numbers = sorted(answer.body["credit_note"]["number"] for answer in answers)
    assert numbers == [f"CN/OU1/{year}/{serial:04d}" for serial in range(1, 33)]
    assert sorted(CreditNote.objects.values_list("serial", flat=True)) == list(range(1, 33))
    counter = CreditNoteCounter.objects.get(org_unit__code="OU1", financial_year=year)
    assert counter.last_serial == 32
    assert balance("WH1", "TEE-RED-M") == (40, 0, 0)
    assert_stock_consistent()
    for order in orders:
        assert event_types(order)[-3:] == [
            "return.received",
            "credit_note.issued",
            "order.rto_received",
        ]


def test_racing_pushes_of_one_return_store_one(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    order = shipped(push, warehouse, [("TEE-RED-M", 2)])
    deliver(oms, warehouse, order)
    body = return_body(external_id(warehouse, order), [("1", 2)])
    answers = run_at_once([lambda: oms.client().post("/returns", body)] * 8)
    assert sorted(answer.status for answer in answers) == [200] * 7 + [201]
    assert len({answer.body["number"] for answer in answers}) == 1
    assert Return.objects.count() == 1 and ReturnLine.objects.count() == 1
    assert event_types(order).count("return.created") == 1


def test_racing_returns_of_one_line_never_claim_more_than_was_shipped(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    order = shipped(push, warehouse, [("TEE-RED-M", 3)])
    deliver(oms, warehouse, order)
    external = external_id(warehouse, order)

    def push_return(n: int) -> Callable[[], ApiAnswer]:
        return lambda: oms.client().post(
            "/returns", return_body(external, [("1", 2)], external_return_id=f"R-{n}")
        )

    calls = [push_return(n) for n in range(6)]
    answers = run_at_once(calls)
    assert sorted(answer.status for answer in answers) == [201] + [422] * 5
    assert sum(ReturnLine.objects.values_list("quantity", flat=True)) == 2


def test_two_receipts_of_one_return_receive_once(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    order = shipped(push, warehouse, [("TEE-RED-M", 2)])
    answer = oms.client().post(f"/orders/{external_id(warehouse, order)}/rto", {"reason": "RTO"})
    [number] = answer.body["returns"]
    body = {"lines": [{"sku": "TEE-RED-M", "good": 2, "damaged": 0}]}
    answers = run_at_once(
        [lambda: as_client(warehouse).post(f"/returns/{number}/receive", body)] * 4
    )
    assert codes(answers) == ["invalid_transition"] * 3 + ["ok"]
    assert balance("WH1", "TEE-RED-M") == (10, 0, 0)
    assert CreditNote.objects.count() == 1
    assert event_types(order).count("return.received") == 1
    assert_stock_consistent()
