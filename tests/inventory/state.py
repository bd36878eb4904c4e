"""Helpers shared by the stock, order and wholesale tests: stock set-up and whole-database
snapshots to prove a refused request changed nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from omslink.inventory.models import PendingInventoryUpdate, StockBalance, StockDocument, StockMove
from omslink.inventory.schemas import ReceiptIn, StockLineIn
from omslink.inventory.selectors import ledger_mismatches
from omslink.inventory.services import stock_receipt_create
from omslink.orders.models import IdempotencyRecord, Order, OrderLine
from omslink.webhooks.models import Delivery, Event, EventStream
from omslink.wholesale.models import WholesaleLine, WholesaleOrder


def receive(user: User, site: str, quantities: dict[str, int]) -> None:
    stock_receipt_create(
        user=user,
        payload=ReceiptIn(
            site=site,
            reference="TEST-RECEIPT",
            lines=[StockLineIn(sku=sku, quantity=qty) for sku, qty in quantities.items()],
        ),
    )


def balance(site: str, sku: str) -> tuple[int, int, int]:
    """(on_hand, reserved, allocated) of one SKU at one site; zeros when it has no row."""
    row = (
        StockBalance.objects.filter(site__code=site, item__sku=sku)
        .values_list("on_hand", "reserved", "allocated")
        .first()
    )
    return row or (0, 0, 0)


def snapshot() -> dict[str, Any]:
    """Everything a stock, order or wholesale request could write."""
    counted = (
        Order,
        OrderLine,
        IdempotencyRecord,
        WholesaleOrder,
        WholesaleLine,
        StockDocument,
        StockMove,
        Event,
        Delivery,
        EventStream,
        PendingInventoryUpdate,
    )
    return {
        "counts": {model.__name__: model.objects.count() for model in counted},
        "balances": sorted(
            StockBalance.objects.values_list(
                "site__code", "item__sku", "on_hand", "reserved", "allocated"
            )
        ),
        "orders": sorted(
            Order.objects.values_list("pk", "status", "courier", "awb", "cancel_reason")
        ),
        "wholesale": sorted(WholesaleOrder.objects.values_list("pk", "status")),
    }


def assert_stock_consistent() -> None:
    """CONTRACT §6.1 on every row, and every balance equal to the sum of its ledger."""
    for on_hand, reserved, allocated in StockBalance.objects.values_list(
        "on_hand", "reserved", "allocated"
    ):
        assert reserved >= 0 and allocated >= 0 and reserved + allocated <= on_hand
    assert ledger_mismatches() == []


def page_client(username: str, password: str = "correct-horse-9") -> Client:
    """A browser-like client signed in through the login page's session."""
    client = Client()
    assert client.login(username=username, password=password)
    return client
