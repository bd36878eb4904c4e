"""Every fulfilment operation by every built-in role, and partner keys, over the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from omslink.core.operations import ADMINISTRATOR, BUILT_IN_ROLES, VIEWER, WAREHOUSE
from tests.conftest import ApiAnswer, ApiClient, ConnectedApp, Masters, Push, assert_error
from tests.fulfilment.conftest import (
    BOX,
    fulfilment_snapshot,
    make_picklist,
    to_invoiced,
    to_picked,
)

SHIP = {"courier": "BlueDart", "awb": "BD-1"}
Call = Callable[[ApiClient, dict[str, Any]], ApiAnswer]

OPERATIONS: dict[str, tuple[str, Call, int]] = {
    "create pick list": (
        "orders_create_picklist",
        lambda c, w: c.post("/picklists", {"site": "WH1", "orders": [w["reserved"]]}),
        201,
    ),
    "list pick lists": ("orders_view", lambda c, w: c.get("/picklists"), 200),
    "get pick list": ("orders_view", lambda c, w: c.get(f"/picklists/{w['picklist']}"), 200),
    "confirm picking": (
        "orders_confirm_picking",
        lambda c, w: c.post(
            f"/picklists/{w['picklist']}/confirm", {"lines": [{"sku": "TEE-RED-M", "picked": 1}]}
        ),
        200,
    ),
    "pack & invoice": (
        "orders_pack",
        lambda c, w: c.post(f"/orders/{w['picked']}/pack", {"packages": [BOX]}),
        200,
    ),
    "ship": ("orders_ship", lambda c, w: c.post(f"/orders/{w['invoiced']}/ship", SHIP), 200),
    "invoice PDF": ("orders_view", lambda c, w: c.get(w["pdf"]), 200),
}


@pytest.fixture
def work(stocked: Masters, push: Push, warehouse: ApiClient) -> dict[str, Any]:
    """One order or list ready for each operation."""
    reserved, listed, picked, invoiced = (push([("TEE-RED-M", 1)]) for _ in range(4))
    picklist = make_picklist(warehouse, [listed])["number"]
    to_picked(warehouse, [picked])
    resource = to_invoiced(warehouse, invoiced)
    return {
        "reserved": reserved,
        "picklist": picklist,
        "picked": picked,
        "invoiced": invoiced,
        "pdf": resource["invoice"]["pdf_url"].removeprefix("/api/v1"),
    }


@pytest.mark.parametrize("role", [ADMINISTRATOR, WAREHOUSE, VIEWER])
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_each_role_may_do_exactly_its_operations(
    work: dict[str, Any], make_user: Callable[..., tuple[Any, str]], role: str, operation: str
) -> None:
    codename, call, success = OPERATIONS[operation]
    client = ApiClient(make_user(role)[1])
    before = fulfilment_snapshot()
    answer = call(client, work)
    if codename in BUILT_IN_ROLES[role]:
        assert answer.status == success, (role, operation, answer.body)
    else:
        assert_error(answer, 403, "forbidden")
        assert fulfilment_snapshot() == before


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op != "invoice PDF"])
def test_partner_keys_and_missing_tokens_are_refused(
    work: dict[str, Any], oms: ConnectedApp, operation: str
) -> None:
    _, call, _ = OPERATIONS[operation]
    before = fulfilment_snapshot()
    assert_error(call(oms.client(), work), 403, "forbidden")
    assert_error(call(ApiClient(None), work), 401, "unauthenticated")
    assert_error(call(ApiClient("omsu_revoked-or-made-up"), work), 401, "unauthenticated")
    assert fulfilment_snapshot() == before
