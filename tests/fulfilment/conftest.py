"""Real reserved orders (pushed by the OMS over the API) and ways to walk them on.

Orders are pushed through the partner API and moved through the fulfilment API by a
Warehouse user, exactly as in production; snapshots cover the fulfilment tables too, so a
refused request is shown to have changed nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from omslink.core.operations import WAREHOUSE
from omslink.fulfilment.models import (
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Package,
    PickList,
    PickListLine,
    PickListOrder,
)
from omslink.webhooks.models import Event
from tests.conftest import ApiClient
from tests.connected_apps.conftest import browser_of  # noqa: F401 - the fixture, shared
from tests.inventory.state import snapshot
from tests.orders.conftest import stocked  # noqa: F401 - the fixture, shared

BOX = {"weight_grams": 450, "length_mm": 300, "breadth_mm": 200, "height_mm": 50}


@pytest.fixture(autouse=True)
def invoice_dir(settings: Any, tmp_path: Path) -> Path:
    """A fresh PDF cache per test: invoice numbers restart with every test database."""
    settings.OMSLINK_INVOICE_DIR = tmp_path / "invoices"
    return Path(settings.OMSLINK_INVOICE_DIR)


@pytest.fixture
def warehouse(make_user: Callable[..., tuple[Any, str]]) -> ApiClient:
    """The API client of a Warehouse user: the role that does fulfilment."""
    return ApiClient(make_user(WAREHOUSE, "picker")[1])


def fulfilment_snapshot() -> dict[str, Any]:
    """Everything any fulfilment request could write, with the stock and order state."""
    counted = (PickList, PickListOrder, PickListLine, Package, Invoice, InvoiceLine, InvoiceCounter)
    return {
        **snapshot(),
        "fulfilment": {model.__name__: model.objects.count() for model in counted},
        "picklists": sorted(PickList.objects.values_list("pk", "status")),
        "picked": sorted(PickListLine.objects.values_list("pk", "picked")),
        "counters": sorted(InvoiceCounter.objects.values_list("pk", "last_serial")),
    }


def event_types(order_id: str) -> list[str]:
    """The order's events in sequence; the sequences must count 1, 2, 3… with no gap."""
    events = list(
        Event.objects.filter(ordering_key=f"order:{order_id}")
        .order_by("sequence")
        .values_list("sequence", "type")
    )
    assert [sequence for sequence, _ in events] == list(range(1, len(events) + 1))
    return [event_type for _, event_type in events]


def last_event(order_id: str) -> Event:
    return Event.objects.filter(ordering_key=f"order:{order_id}").latest("sequence")


def make_picklist(client: ApiClient, orders: list[str], site: str = "WH1") -> dict[str, Any]:
    answer = client.post("/picklists", {"site": site, "orders": orders})
    assert answer.status == 201, answer.body
    return dict(answer.body)


def confirm_all(client: ApiClient, picklist: dict[str, Any]) -> dict[str, Any]:
    """Confirm a pick list as fully picked."""
    lines = [{"sku": line["sku"], "picked": line["quantity"]} for line in picklist["lines"]]
    answer = client.post(f"/picklists/{picklist['number']}/confirm", {"lines": lines})
    assert answer.status == 200, answer.body
    return dict(answer.body)


def to_picked(client: ApiClient, orders: list[str], site: str = "WH1") -> None:
    confirm_all(client, make_picklist(client, orders, site))


def to_invoiced(client: ApiClient, order: str, site: str = "WH1") -> dict[str, Any]:
    to_picked(client, [order], site)
    answer = client.post(f"/orders/{order}/pack", {"packages": [BOX]})
    assert answer.status == 200, answer.body
    return dict(answer.body)


def walk_to(status: str, order: str, staff: ApiClient) -> None:
    """Move a reserved order on to `status` through the API, as a role that may do it all."""
    if status == "cancelled":
        assert staff.post(f"/orders/{order}/cancel", {"reason": "test"}).status == 200
    elif status == "picklist_created":
        make_picklist(staff, [order])
    elif status == "picked":
        to_picked(staff, [order])
    elif status in ("invoiced", "shipped"):
        to_invoiced(staff, order)
        if status == "shipped":
            answer = staff.post(f"/orders/{order}/ship", {"courier": "BlueDart", "awb": "BD-1"})
            assert answer.status == 200, answer.body
