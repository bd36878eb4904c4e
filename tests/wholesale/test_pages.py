"""Wholesale pages: the list, the create form, dispatch and cancel, each per role."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.wholesale.models import WholesaleOrder
from tests.conftest import MakeUser, Masters
from tests.inventory.state import balance, page_client, receive, snapshot

FORM = {"customer": "RETAIL1", "site": "WH2", "sku": ["TEE-RED-M", ""], "quantity": ["4", ""]}


@pytest.fixture
def users(masters: Masters, make_user: MakeUser, admin: tuple[Any, str]) -> None:
    receive(admin[0], "WH2", {"TEE-RED-M": 10})
    for role in ("Warehouse", "Viewer"):
        make_user(role, role.lower())


def test_create_dispatch_and_cancel_through_the_pages(users: None) -> None:
    client = page_client("warehouse")
    answer = client.post("/wholesale/create/", FORM)
    assert answer.status_code == 302
    detail = client.get(answer["Location"]).content.decode()
    number = WholesaleOrder.objects.get().number
    assert f"{number} allocated" in detail and "Dispatch" in detail
    assert balance("WH2", "TEE-RED-M") == (10, 0, 4)
    assert client.post(f"/wholesale/{number}/dispatch/").status_code == 302
    assert balance("WH2", "TEE-RED-M") == (6, 0, 0)
    again = client.post(f"/wholesale/{number}/cancel/", follow=True).content.decode()
    assert "only an allocated wholesale order can be cancelled" in again
    listed = client.get("/wholesale/?status=dispatched").content.decode()
    assert number in listed
    second = client.post("/wholesale/create/", FORM)
    other = second["Location"].rstrip("/").rsplit("/", 1)[1]
    assert client.post(f"/wholesale/{other}/cancel/").status_code == 302
    assert balance("WH2", "TEE-RED-M") == (6, 0, 0)


def test_insufficient_stock_is_shown_and_nothing_saved(users: None) -> None:
    before = snapshot()
    answer = page_client("warehouse").post("/wholesale/create/", {**FORM, "quantity": ["11"]})
    assert answer.status_code == 409
    html = answer.content.decode()
    assert "Not enough available stock at WH2 for TEE-RED-M" in html and 'value="11"' in html
    assert snapshot() == before


def test_viewer_sees_no_actions_and_is_refused(users: None, admin: tuple[Any, str]) -> None:
    page_client("warehouse").post("/wholesale/create/", FORM)
    number = WholesaleOrder.objects.get().number
    viewer = page_client("viewer")
    assert 'id="create"' not in viewer.get("/wholesale/").content.decode()
    detail = viewer.get(f"/wholesale/{number}/").content.decode()
    assert number in detail and 'id="actions"' not in detail
    before = snapshot()
    assert viewer.post("/wholesale/create/", FORM).status_code == 403
    assert viewer.post(f"/wholesale/{number}/dispatch/").status_code == 403
    assert viewer.post(f"/wholesale/{number}/cancel/").status_code == 403
    assert snapshot() == before
    assert viewer.get("/wholesale/WO-999999/").status_code == 404
