"""Orders pages: list with filters and paging, one order with stock held and events, cancel."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from omslink.web import page_inputs
from omslink.webhooks.models import Delivery
from tests.conftest import ConnectedApp, MakeUser, Masters
from tests.inventory.state import balance, page_client, snapshot
from tests.orders.bodies import order_body


@pytest.fixture
def orders(stocked: Masters, oms: ConnectedApp, other_oms: ConnectedApp) -> list[str]:
    """Three OU1 orders at WH1 and one OU2 order at WH3, oldest first."""
    ids = [oms.client().post("/orders", order_body(f"PAGE-{n}")).body["id"] for n in range(3)]
    ids.append(other_oms.client().post("/orders", order_body("PAGE-3")).body["id"])
    oms.client().post("/orders/PAGE-1/cancel", {"reason": "customer"})
    return ids


def _listed(html: str, ids: list[str]) -> list[str]:
    """The order ids a page links to, in the order it shows them."""
    found = [(html.index(f">{order_id}<"), order_id) for order_id in ids if f">{order_id}<" in html]
    return [order_id for _, order_id in sorted(found)]


def test_list_filters_and_pages(
    orders: list[str], admin: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = page_client("admin")
    html = client.get("/orders/").content.decode()
    assert _listed(html, orders) == list(reversed(orders))
    html = client.get("/orders/?status=reserved&site=WH1").content.decode()
    assert _listed(html, orders) == [orders[2], orders[0]]
    html = client.get("/orders/?status=cancelled").content.decode()
    assert _listed(html, orders) == [orders[1]]
    unknown = client.get("/orders/?site=NOPE").content.decode()
    assert _listed(unknown, orders) == [] and "no site &#x27;NOPE&#x27;" in unknown
    monkeypatch.setattr(page_inputs, "PAGE_SIZE", 2)
    first = client.get("/orders/").content.decode()
    assert _listed(first, orders) == [orders[3], orders[2]]
    cursor = first.split("cursor=")[1].split('"')[0]
    second = client.get(f"/orders/?cursor={cursor}").content.decode()
    assert _listed(second, orders) == [orders[1], orders[0]]
    broken = client.get("/orders/?cursor=%%%")
    assert broken.status_code == 200 and "not a cursor" in broken.content.decode()


def test_detail_shows_lines_stock_held_and_events(
    orders: list[str], admin: tuple[Any, str]
) -> None:
    Delivery.objects.filter(event__ordering_key=f"order:{orders[1]}", sequence=1).update(
        status=Delivery.Status.SUCCEEDED, attempt_count=1, last_status_code=204
    )
    held = page_client("admin").get(f"/orders/{orders[0]}/").content.decode()
    assert "PAGE-0" in held and "TEE-RED-M" in held
    assert 'id="stock-held"' in held and "This order holds no stock" not in held
    assert "order.reserved" in held and 'id="cancel"' in held
    assert f"/picklists/orders/{orders[0]}/" in held
    cancelled = page_client("admin").get(f"/orders/{orders[1]}/").content.decode()
    assert "This order holds no stock" in cancelled
    assert "order.cancelled" in cancelled and "last HTTP 204" in cancelled
    assert "Cancelled by OMS" in cancelled and 'id="cancel"' not in cancelled


def test_cancel_is_shown_and_allowed_only_with_the_operation(
    orders: list[str], make_user: MakeUser
) -> None:
    make_user("Viewer", "viewer")
    make_user("Warehouse", "warehouse")
    viewer = page_client("viewer")
    assert 'id="cancel"' not in viewer.get(f"/orders/{orders[0]}/").content.decode()
    before = snapshot()
    assert viewer.post(f"/orders/{orders[0]}/cancel/", {"reason": "x"}).status_code == 403
    assert snapshot() == before
    warehouse = page_client("warehouse")
    assert 'id="cancel"' in warehouse.get(f"/orders/{orders[0]}/").content.decode()
    answer = warehouse.post(f"/orders/{orders[0]}/cancel/", {"reason": "damaged"})
    assert answer.status_code == 302
    page = warehouse.get(answer["Location"]).content.decode()
    assert "Cancelled by ERP" in page and "damaged" in page
    assert balance("WH1", "TEE-RED-M") == (10, 2, 0)


def test_refused_cancel_changes_nothing(orders: list[str], admin: tuple[Any, str]) -> None:
    client = page_client("admin")
    before = snapshot()
    empty = client.post(f"/orders/{orders[0]}/cancel/", {"reason": ""}, follow=True)
    assert "reason" in empty.content.decode()
    again = client.post(f"/orders/{orders[1]}/cancel/", {"reason": "x"}, follow=True)
    assert "only a reserved" in again.content.decode()
    assert client.get(f"/orders/{orders[1]}/cancel/").status_code == 405
    assert snapshot() == before


def test_unknown_orders_and_anonymous_visitors(orders: list[str], admin: tuple[Any, str]) -> None:
    assert page_client("admin").get("/orders/SO-999999/").status_code == 404
    assert page_client("admin").get("/orders/PAGE-0/").status_code == 404
    anonymous = Client().get("/orders/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
