"""CONTRACT §6.1 and balance = ledger as a hypothesis state machine over every stock verb.

Receipts, adjustments, online pushes (and repeats), cancels by the OMS and the ERP, and
wholesale creates, dispatches and cancels run in random order against the real services;
after every step the database's balances must equal both the ledger and a simple model.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import DuplicateOrder, InsufficientStock, InvalidTransition
from omslink.inventory.schemas import AdjustmentIn, AdjustmentLineIn, ReceiptIn, StockLineIn
from omslink.inventory.services import stock_adjustment_create, stock_receipt_create
from omslink.orders.models import Order, OrderStatus
from omslink.orders.schemas import OrderIn
from omslink.orders.services import order_cancel, order_intake
from omslink.wholesale.schemas import WholesaleOrderIn
from omslink.wholesale.selectors import wholesale_order_by_number
from omslink.wholesale.services import (
    wholesale_order_cancel,
    wholesale_order_create,
    wholesale_order_dispatch,
)
from tests.conftest import ConnectedApp, Masters
from tests.inventory.state import assert_stock_consistent, balance
from tests.orders.bodies import order_body

SITES = ("WH1", "WH2")
SKUS = ("TEE-RED-M", "CAP-GRY")
ONLINE_SITE = "WH1"
CANCELLABLE = {OrderStatus.RESERVED, OrderStatus.PICKLIST_CREATED, OrderStatus.PICKED}
NEXT_STATUS = {
    OrderStatus.RESERVED: OrderStatus.PICKLIST_CREATED,
    OrderStatus.PICKLIST_CREATED: OrderStatus.PICKED,
    OrderStatus.PICKED: OrderStatus.INVOICED,
}
_ids = itertools.count(1)

lines_strategy = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(1, 8)), min_size=1, max_size=3
)


class StockMachine(RuleBasedStateMachine):
    """Drives the services; `expected` is the model of every balance."""

    user: User
    app: OmsApp

    online_orders = Bundle("online_orders")
    wholesale_orders = Bundle("wholesale_orders")

    def __init__(self) -> None:
        super().__init__()
        # Every example starts from the same database: what one example did is rolled back.
        self._start = transaction.savepoint()
        self.expected = {(site, sku): list(balance(site, sku)) for site in SITES for sku in SKUS}
        self.online: dict[str, dict[str, Any]] = {}
        self.wholesale: dict[str, dict[str, Any]] = {}

    def _available(self, site: str, sku: str) -> int:
        on_hand, reserved, allocated = self.expected[(site, sku)]
        return on_hand - reserved - allocated

    def _fits(self, site: str, lines: list[tuple[str, int]]) -> bool:
        wanted = Counter[str]()
        for sku, quantity in lines:
            wanted[sku] += quantity
        return all(self._available(site, sku) >= units for sku, units in wanted.items())

    @initialize(
        opening=st.lists(
            st.integers(0, 40), min_size=len(SITES) * len(SKUS), max_size=len(SITES) * len(SKUS)
        )
    )
    def open_shelves(self, opening: list[int]) -> None:
        pairs = [(site, sku) for site in SITES for sku in SKUS]
        for (site, sku), quantity in zip(pairs, opening, strict=True):
            if quantity:
                self.receive(site, sku, quantity)

    @rule(site=st.sampled_from(SITES), sku=st.sampled_from(SKUS), quantity=st.integers(1, 20))
    def receive(self, site: str, sku: str, quantity: int) -> None:
        stock_receipt_create(
            user=self.user,
            payload=ReceiptIn(
                site=site, reference="R", lines=[StockLineIn(sku=sku, quantity=quantity)]
            ),
        )
        self.expected[(site, sku)][0] += quantity

    @rule(
        site=st.sampled_from(SITES),
        sku=st.sampled_from(SKUS),
        quantity=st.integers(-15, 15).filter(bool),
    )
    def adjust(self, site: str, sku: str, quantity: int) -> None:
        payload = AdjustmentIn(
            site=site, reason="count", lines=[AdjustmentLineIn(sku=sku, quantity=quantity)]
        )
        if self._available(site, sku) + quantity < 0:
            with pytest.raises(InsufficientStock):
                stock_adjustment_create(user=self.user, payload=payload)
        else:
            stock_adjustment_create(user=self.user, payload=payload)
            self.expected[(site, sku)][0] += quantity

    @rule(target=online_orders, lines=lines_strategy)
    def push(self, lines: list[tuple[str, int]]) -> Any:
        external_id = f"SM-{next(_ids)}"
        payload = OrderIn.model_validate(order_body(external_id, lines))
        if not self._fits(ONLINE_SITE, lines):
            with pytest.raises(InsufficientStock):
                order_intake(app=self.app, payload=payload, idempotency_key=None)
            return multiple()
        intake = order_intake(app=self.app, payload=payload, idempotency_key=None)
        assert intake.created
        for sku, quantity in lines:
            self.expected[(ONLINE_SITE, sku)][1] += quantity
        self.online[external_id] = {
            "lines": lines,
            "status": OrderStatus.RESERVED,
            "id": intake.order.id,
        }
        return external_id

    @rule(external_id=online_orders, same_body=st.booleans())
    def push_again(self, external_id: str, same_body: bool) -> None:
        lines = self.online[external_id]["lines"]
        body = order_body(external_id, lines if same_body else [*lines, ("CAP-GRY", 1)])
        payload = OrderIn.model_validate(body)
        if same_body:
            intake = order_intake(app=self.app, payload=payload, idempotency_key=None)
            assert (intake.created, intake.order.id) == (False, self.online[external_id]["id"])
        else:
            with pytest.raises(DuplicateOrder):
                order_intake(app=self.app, payload=payload, idempotency_key=None)

    @rule(external_id=online_orders)
    def fulfilment_moves_on(self, external_id: str) -> None:
        """Stand in for pick-list creation, picking and invoicing, which hold stock as is."""
        order = self.online[external_id]
        target = NEXT_STATUS.get(order["status"])
        if target is not None:
            Order.objects.filter(external_order_id=external_id).update(status=target)
            order["status"] = target

    @rule(external_id=online_orders, by=st.sampled_from(Order.CancelledBy.values))
    def cancel(self, external_id: str, by: str) -> None:
        order = self.online[external_id]
        stored = Order.objects.get(app=self.app, external_order_id=external_id)
        if order["status"] not in CANCELLABLE:
            with pytest.raises(InvalidTransition):
                order_cancel(order=stored, by=Order.CancelledBy(by), reason="r")
            return
        order_cancel(order=stored, by=Order.CancelledBy(by), reason="r")
        order["status"] = OrderStatus.CANCELLED
        for sku, quantity in order["lines"]:
            self.expected[(ONLINE_SITE, sku)][1] -= quantity

    @rule(target=wholesale_orders, site=st.sampled_from(SITES), lines=lines_strategy)
    def create_wholesale(self, site: str, lines: list[tuple[str, int]]) -> Any:
        payload = WholesaleOrderIn(
            customer="RETAIL1",
            site=site,
            lines=[StockLineIn(sku=sku, quantity=quantity) for sku, quantity in lines],
        )
        if not self._fits(site, lines):
            with pytest.raises(InsufficientStock):
                wholesale_order_create(user=self.user, payload=payload)
            return multiple()
        number = wholesale_order_create(user=self.user, payload=payload).number
        for sku, quantity in lines:
            self.expected[(site, sku)][2] += quantity
        self.wholesale[number] = {"site": site, "lines": lines}
        return number

    @rule(number=consumes(wholesale_orders))
    def dispatch_wholesale(self, number: str) -> None:
        wholesale_order_dispatch(wholesale_order=wholesale_order_by_number(number))
        order = self.wholesale.pop(number)
        for sku, quantity in order["lines"]:
            self.expected[(order["site"], sku)][0] -= quantity
            self.expected[(order["site"], sku)][2] -= quantity
        with pytest.raises(InvalidTransition):
            wholesale_order_cancel(wholesale_order=wholesale_order_by_number(number))

    @rule(number=consumes(wholesale_orders))
    def cancel_wholesale(self, number: str) -> None:
        wholesale_order_cancel(wholesale_order=wholesale_order_by_number(number))
        order = self.wholesale.pop(number)
        for sku, quantity in order["lines"]:
            self.expected[(order["site"], sku)][2] -= quantity
        with pytest.raises(InvalidTransition):
            wholesale_order_dispatch(wholesale_order=wholesale_order_by_number(number))

    def teardown(self) -> None:
        transaction.savepoint_rollback(self._start)

    @invariant()
    def balances_hold_and_match(self) -> None:
        assert_stock_consistent()
        for (site, sku), counts in self.expected.items():
            assert balance(site, sku) == tuple(counts), (site, sku)


def test_stock_rules_hold_after_every_step(
    masters: Masters, oms: ConnectedApp, admin: tuple[Any, str]
) -> None:
    StockMachine.user = admin[0]
    StockMachine.app = oms.app
    run_state_machine_as_test(
        StockMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
