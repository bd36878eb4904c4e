"""Fulfilment as a hypothesis state machine: pushes, pick lists, short and full picks, packing,
shipping and cancels in random order against the real services.

After every step: CONTRACT §6.1 and balance = ledger, the balances equal a simple model,
every order is where the rules put it, and invoice serials run 1..n without a gap.
"""

from __future__ import annotations

import itertools
from collections import Counter
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import InsufficientStock, InvalidTransition
from omslink.fulfilment.models import Invoice
from omslink.fulfilment.schemas import (
    PackageIn,
    PackIn,
    PickedLineIn,
    PickListConfirmIn,
    PickListIn,
)
from omslink.fulfilment.selectors import picklist_by_number
from omslink.fulfilment.services import (
    order_pack,
    order_ship,
    picklist_confirm,
    picklist_create,
)
from omslink.inventory.models import StockMove
from omslink.inventory.schemas import ReceiptIn, StockLineIn
from omslink.inventory.services import stock_receipt_create
from omslink.orders.models import Order, OrderStatus
from omslink.orders.schemas import OrderIn
from omslink.orders.selectors import order_by_number
from omslink.orders.services import order_cancel, order_intake
from tests.conftest import ConnectedApp, Masters
from tests.inventory.state import assert_stock_consistent, balance
from tests.orders.bodies import order_body

SKUS = ("TEE-RED-M", "CAP-GRY")
SITE = "WH1"
BOX = PackIn(packages=[PackageIn(weight_grams=500, length_mm=300, breadth_mm=200, height_mm=100)])
CANCELLABLE = {OrderStatus.RESERVED, OrderStatus.PICKLIST_CREATED, OrderStatus.PICKED}
_ids = itertools.count(1)


def written_off(sku: str) -> int:
    """Units of the SKU written off at WH1 so far."""
    return -sum(
        StockMove.objects.filter(kind="write_off", site__code=SITE, item__sku=sku).values_list(
            "on_hand_delta", flat=True
        )
    )


class FulfilmentMachine(RuleBasedStateMachine):
    """`stock` models (on_hand, reserved) per SKU at WH1; `orders` each order's needs and status."""

    user: User
    app: OmsApp

    def __init__(self) -> None:
        super().__init__()
        # Every example starts from the same database: what one example did is rolled back.
        self._start = transaction.savepoint()
        self.stock = {sku: list(balance(SITE, sku)[:2]) for sku in SKUS}
        self.orders: dict[str, dict[str, Any]] = {}
        self.picklists: dict[str, list[str]] = {}

    def _needs(self, order: str) -> Counter[str]:
        return Counter(self.orders[order]["needs"])

    def _in(self, status: OrderStatus) -> list[str]:
        return sorted(order for order, state in self.orders.items() if state["status"] == status)

    def _release(self, order: str) -> None:
        for sku, units in self._needs(order).items():
            self.stock[sku][1] -= units

    @initialize(opening=st.lists(st.integers(0, 30), min_size=len(SKUS), max_size=len(SKUS)))
    def open_shelves(self, opening: list[int]) -> None:
        for sku, units in zip(SKUS, opening, strict=True):
            if units:
                self.receive(sku, units)

    @rule(sku=st.sampled_from(SKUS), units=st.integers(1, 20))
    def receive(self, sku: str, units: int) -> None:
        stock_receipt_create(
            user=self.user,
            payload=ReceiptIn(
                site=SITE, reference="R", lines=[StockLineIn(sku=sku, quantity=units)]
            ),
        )
        self.stock[sku][0] += units

    @rule(
        lines=st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 4)), min_size=1, max_size=3)
    )
    def push(self, lines: list[tuple[str, int]]) -> None:
        payload = OrderIn.model_validate(order_body(f"FM-{next(_ids)}", lines))
        needs = Counter[str]()
        for sku, units in lines:
            needs[sku] += units
        if any(self.stock[sku][0] - self.stock[sku][1] < units for sku, units in needs.items()):
            with pytest.raises(InsufficientStock):
                order_intake(app=self.app, payload=payload, idempotency_key=None)
            return
        order = order_intake(app=self.app, payload=payload, idempotency_key=None).order.id
        self.orders[order] = {"needs": dict(needs), "status": OrderStatus.RESERVED}
        for sku, units in needs.items():
            self.stock[sku][1] += units

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def make_picklist(self, data: st.DataObject) -> None:
        """Mostly reserved orders; now and then one that is not, which must change nothing."""
        reserved = self._in(OrderStatus.RESERVED)
        pool = reserved if data.draw(st.integers(0, 9)) and reserved else sorted(self.orders)
        chosen = data.draw(
            st.lists(st.sampled_from(pool), min_size=min(2, len(pool)), max_size=4, unique=True),
            label="orders",
        )
        if any(self.orders[order]["status"] != OrderStatus.RESERVED for order in chosen):
            with pytest.raises(InvalidTransition):
                picklist_create(user=self.user, payload=PickListIn(site=SITE, orders=chosen))
            return
        number = picklist_create(
            user=self.user, payload=PickListIn(site=SITE, orders=chosen)
        ).number
        for order in chosen:
            self.orders[order]["status"] = OrderStatus.PICKLIST_CREATED
        self.picklists[number] = sorted(chosen, key=lambda order: int(order[3:]))

    @precondition(lambda self: self.picklists)
    @rule(data=st.data())
    def confirm(self, data: st.DataObject) -> None:
        number = data.draw(st.sampled_from(sorted(self.picklists)), label="pick list")
        listed = self.picklists.pop(number)
        total = Counter[str]()
        for order in listed:
            total.update(self._needs(order))
        picked = {sku: data.draw(st.integers(0, units), label=sku) for sku, units in total.items()}
        written_off_before = {sku: written_off(sku) for sku in SKUS}
        picklist_confirm(
            user=self.user,
            picklist=picklist_by_number(number),
            payload=PickListConfirmIn(
                lines=[PickedLineIn(sku=sku, picked=units) for sku, units in picked.items()]
            ),
        )
        # The rule: oldest first, an order that cannot be completed takes nothing.
        pool = Counter(picked)
        short_needs = Counter[str]()
        for order in listed:
            if self.orders[order]["status"] != OrderStatus.PICKLIST_CREATED:
                continue
            need = self._needs(order)
            if all(pool[sku] >= units for sku, units in need.items()):
                pool.subtract(need)
                self.orders[order]["status"] = OrderStatus.PICKED
            else:
                self.orders[order]["status"] = OrderStatus.CANCELLED
                short_needs.update(need)
                self._release(order)
        for sku in SKUS:
            # Found units of short orders go back to the shelf; the rest were not there.
            missing = max(0, short_needs[sku] - pool[sku])
            self.stock[sku][0] -= missing
            assert written_off(sku) - written_off_before[sku] == missing, sku

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def pack(self, data: st.DataObject) -> None:
        """Mostly picked orders; any other must be refused, changing nothing."""
        picked = self._in(OrderStatus.PICKED)
        order = data.draw(
            st.sampled_from(picked)
            if data.draw(st.booleans()) and picked
            else st.sampled_from(sorted(self.orders)),
            label="order",
        )
        if self.orders[order]["status"] != OrderStatus.PICKED:
            with pytest.raises(InvalidTransition):
                order_pack(order=order_by_number(order), payload=BOX)
            return
        order_pack(order=order_by_number(order), payload=BOX)
        self.orders[order]["status"] = OrderStatus.INVOICED

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def ship(self, data: st.DataObject) -> None:
        invoiced = self._in(OrderStatus.INVOICED)
        order = data.draw(
            st.sampled_from(invoiced)
            if data.draw(st.booleans()) and invoiced
            else st.sampled_from(sorted(self.orders)),
            label="order",
        )
        if self.orders[order]["status"] != OrderStatus.INVOICED:
            with pytest.raises(InvalidTransition):
                order_ship(order=order_by_number(order), courier="BlueDart", awb="AWB-1")
            return
        order_ship(order=order_by_number(order), courier="BlueDart", awb=f"AWB-{order}")
        self.orders[order]["status"] = OrderStatus.SHIPPED
        for sku, units in self._needs(order).items():
            self.stock[sku][0] -= units
            self.stock[sku][1] -= units

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), by=st.sampled_from(Order.CancelledBy.values))
    def cancel(self, data: st.DataObject, by: str) -> None:
        order = data.draw(st.sampled_from(sorted(self.orders)), label="order")
        cancel = partial(
            order_cancel, order=order_by_number(order), by=Order.CancelledBy(by), reason="r"
        )
        if self.orders[order]["status"] not in CANCELLABLE:
            with pytest.raises(InvalidTransition):
                cancel()
            return
        cancel()
        self.orders[order]["status"] = OrderStatus.CANCELLED
        self._release(order)

    def teardown(self) -> None:
        transaction.savepoint_rollback(self._start)

    @invariant()
    def everything_agrees(self) -> None:
        assert_stock_consistent()
        for sku, (on_hand, reserved) in self.stock.items():
            assert balance(SITE, sku) == (on_hand, reserved, 0), sku
        stored = dict(Order.objects.filter(app=self.app).values_list("pk", "status"))
        assert {order: state["status"] for order, state in self.orders.items()} == {
            order: stored[int(order[3:])] for order in self.orders
        }
        serials = sorted(Invoice.objects.values_list("serial", flat=True))
        assert serials == list(range(1, len(serials) + 1))


def test_fulfilment_rules_hold_after_every_step(
    stocked: Masters, oms: ConnectedApp, admin: tuple[Any, str]
) -> None:
    FulfilmentMachine.user = admin[0]
    FulfilmentMachine.app = oms.app
    run_state_machine_as_test(
        FulfilmentMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
