"""inventory.updated: stock changes at an online fulfilment site, merged per site by the relay."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.inventory.events import inventory_flush
from omslink.inventory.models import PendingInventoryUpdate, StockBalance
from omslink.inventory.schemas import ReceiptIn, StockLineIn
from omslink.inventory.services import stock_receipt_create
from omslink.webhooks.coalescing import coalesced_sources_flush
from omslink.webhooks.models import Delivery, Event
from tests.conftest import Masters, connect_app


def _receive(user: Any, site: str, sku: str, quantity: int) -> None:
    stock_receipt_create(
        user=user,
        payload=ReceiptIn(
            site=site, reference=f"GRN {sku}", lines=[StockLineIn(sku=sku, quantity=quantity)]
        ),
    )


@pytest.mark.django_db
def test_flush_merges_a_sites_changes_into_one_event_with_the_latest_numbers(
    masters: Masters, admin: Any
) -> None:
    app = connect_app(masters.org_unit, admin[0], enabled=False).app
    other = connect_app(masters.other_org_unit, admin[0]).app
    for quantity in (3, 4):
        _receive(admin[0], "WH1", "TEE-RED-M", quantity)
    _receive(admin[0], "WH1", "CAP-GRY", 2)
    _receive(admin[0], "WH2", "CAP-GRY", 50)  # not the online fulfilment site
    _receive(admin[0], "WH3", "CAP-GRY", 6)  # OU2's site, flushed on its own
    assert PendingInventoryUpdate.objects.filter(site__code="WH2").count() == 0
    assert inventory_flush(window=timedelta(seconds=0)) is None
    events = {event.ordering_key: event for event in Event.objects.all()}
    assert set(events) == {"inventory:WH1", "inventory:WH3"}
    assert events["inventory:WH1"].data == {
        "site": "WH1",
        "items": [{"sku": "CAP-GRY", "available": 2}, {"sku": "TEE-RED-M", "available": 7}],
    }
    assert events["inventory:WH3"].data == {
        "site": "WH3",
        "items": [{"sku": "CAP-GRY", "available": 6}],
    }
    assert set(Delivery.objects.values_list("app_id", "ordering_key")) == {
        (app.pk, "inventory:WH1"),
        (other.pk, "inventory:WH3"),
    }
    assert not PendingInventoryUpdate.objects.exists()


@pytest.mark.django_db
def test_flush_waits_for_the_window_and_says_when_it_closes(masters: Masters, admin: Any) -> None:
    _receive(admin[0], "WH1", "TEE-RED-M", 1)
    marked = PendingInventoryUpdate.objects.get().marked_at
    window = timedelta(minutes=10)
    assert inventory_flush(window=window) == marked + window
    assert not Event.objects.exists()
    PendingInventoryUpdate.objects.update(marked_at=timezone.now() - window)
    assert inventory_flush(window=window) is None
    assert Event.objects.get().data["items"] == [{"sku": "TEE-RED-M", "available": 1}]


@pytest.mark.django_db(transaction=True)
def test_no_stock_change_is_lost_while_flushes_run(masters: Masters, admin: Any) -> None:
    """Receipts race with flushes; the last event still carries the final numbers."""
    OmsApp.objects.all().delete()
    done = threading.Event()
    failures: list[BaseException] = []

    def receive() -> None:
        try:
            for number in range(25):
                _receive(admin[0], "WH1", ("TEE-RED-M", "JKT-BLK-M")[number % 2], 1)
        except BaseException as exc:
            failures.append(exc)
        finally:
            done.set()
            connection.close()

    def flush() -> None:
        try:
            while not done.is_set():
                inventory_flush(window=timedelta(seconds=0))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive), threading.Thread(target=flush)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    inventory_flush(window=timedelta(seconds=0))
    latest: dict[str, int] = {}
    sequences = []
    for event in Event.objects.filter(ordering_key="inventory:WH1").order_by("sequence"):
        sequences.append(event.sequence)
        latest.update({item["sku"]: item["available"] for item in event.data["items"]})
    assert sequences == list(range(1, len(sequences) + 1))
    final = {
        balance.item.sku: balance.available
        for balance in StockBalance.objects.filter(site__code="WH1").select_related("item")
    }
    assert latest == final == {"TEE-RED-M": 13, "JKT-BLK-M": 12}


@pytest.mark.django_db
def test_the_relay_flushes_inventory_through_the_outbox_registration(
    masters: Masters, admin: Any
) -> None:
    """The outbox knows no stock: inventory registers its flush, and the relay's call finds it."""
    _receive(admin[0], "WH1", "CAP-GRY", 2)
    marked = PendingInventoryUpdate.objects.get().marked_at
    assert coalesced_sources_flush() == marked + timedelta(seconds=1)
    assert not Event.objects.exists()
    assert coalesced_sources_flush(window=timedelta(0)) is None
    event = Event.objects.get()
    assert (event.type, event.ordering_key) == ("inventory.updated", "inventory:WH1")
    assert event.data == {"site": "WH1", "items": [{"sku": "CAP-GRY", "available": 2}]}
