"""Every new route by every built-in role, by the OMS's key, and without a token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from omslink.core.operations import ADMINISTRATOR, BUILT_IN_ROLES, VIEWER, WAREHOUSE
from tests.conftest import ApiAnswer, ApiClient, ConnectedApp, Masters, Push, assert_error
from tests.returns.conftest import (
    deliver,
    external_id,
    push_return,
    receive,
    returns_snapshot,
    shipped,
)

Call = Callable[[ApiClient, dict[str, Any]], ApiAnswer]

STAFF_ROUTES: dict[str, tuple[str, Call, int]] = {
    "list returns": ("returns_view", lambda c, w: c.get("/returns"), 200),
    "get return": ("returns_view", lambda c, w: c.get(f"/returns/{w['expected']}"), 200),
    "credit note PDF": ("returns_view", lambda c, w: c.get(w["pdf"]), 200),
    "receive": (
        "returns_receive",
        lambda c, w: c.post(
            f"/returns/{w['expected']}/receive",
            {"lines": [{"sku": "TEE-RED-M", "good": 1, "damaged": 0}]},
        ),
        200,
    ),
    "enter a return": (
        "returns_receive",
        lambda c, w: c.post("/returns", {"order": w["shipped"], "type": "rto", "reason": "x"}),
        201,
    ),
}
PARTNER_ROUTES: dict[str, Call] = {
    "delivered": lambda c, w: c.post(
        f"/orders/{w['shipped_ext']}/delivered", {"delivered_at": "2026-11-28T10:00:00Z"}
    ),
    "rto": lambda c, w: c.post(f"/orders/{w['shipped_ext']}/rto", {"reason": "x"}),
}


@pytest.fixture
def work(stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp) -> dict[str, Any]:
    """A shipped order, an expected customer return and a received one with a credit note."""
    sent = shipped(push, warehouse, [("TEE-RED-M", 1)])
    delivered = shipped(push, warehouse, [("TEE-RED-M", 2)])
    deliver(oms, warehouse, delivered)
    expected = push_return(oms, warehouse, delivered, [("1", 1)])
    done = push_return(oms, warehouse, delivered, [("1", 1)], external_return_id="BT-R-2")
    note = receive(warehouse, done["number"], {"TEE-RED-M": (1, 0)})["credit_note"]
    return {
        "shipped": sent,
        "shipped_ext": external_id(warehouse, sent),
        "expected": expected["number"],
        "pdf": note["pdf_url"].removeprefix("/api/v1"),
    }


@pytest.mark.parametrize("role", [ADMINISTRATOR, WAREHOUSE, VIEWER])
@pytest.mark.parametrize("route", list(STAFF_ROUTES))
def test_each_role_may_use_exactly_its_operations(
    work: dict[str, Any], make_user: Callable[..., tuple[Any, str]], role: str, route: str
) -> None:
    codename, call, success = STAFF_ROUTES[route]
    client = ApiClient(make_user(role)[1])
    before = returns_snapshot()
    answer = call(client, work)
    if codename in BUILT_IN_ROLES[role]:
        assert answer.status == success, (role, route, answer.body)
    else:
        assert_error(answer, 403, "forbidden")
        assert returns_snapshot() == before


def test_built_in_roles_have_the_returns_operations() -> None:
    assert {"returns_view", "returns_receive"} <= BUILT_IN_ROLES[ADMINISTRATOR]
    assert {"returns_view", "returns_receive"} <= BUILT_IN_ROLES[WAREHOUSE]
    assert "returns_view" in BUILT_IN_ROLES[VIEWER]
    assert "returns_receive" not in BUILT_IN_ROLES[VIEWER]


@pytest.mark.parametrize("role", [ADMINISTRATOR, WAREHOUSE, VIEWER])
@pytest.mark.parametrize("route", list(PARTNER_ROUTES))
def test_partner_routes_refuse_every_personal_token(
    work: dict[str, Any], make_user: Callable[..., tuple[Any, str]], role: str, route: str
) -> None:
    before = returns_snapshot()
    assert_error(PARTNER_ROUTES[route](ApiClient(make_user(role)[1]), work), 403, "forbidden")
    assert returns_snapshot() == before


@pytest.mark.parametrize("route", list(PARTNER_ROUTES))
def test_partner_routes_admit_the_orders_app(
    work: dict[str, Any], oms: ConnectedApp, route: str
) -> None:
    assert PARTNER_ROUTES[route](oms.client(), work).status == 200


@pytest.mark.parametrize("route", ["list returns", "receive"])
def test_the_oms_key_may_not_use_staff_only_routes(
    work: dict[str, Any], oms: ConnectedApp, route: str
) -> None:
    before = returns_snapshot()
    assert_error(STAFF_ROUTES[route][1](oms.client(), work), 403, "forbidden")
    assert returns_snapshot() == before


def test_the_oms_key_reads_its_returns_and_credit_notes(
    work: dict[str, Any], oms: ConnectedApp, other_oms: ConnectedApp
) -> None:
    assert oms.client().get(f"/returns/{work['expected']}").status == 200
    assert oms.client().get(work["pdf"]).status == 200
    assert_error(other_oms.client().get(work["pdf"]), 404, "not_found")


@pytest.mark.parametrize("route", [*STAFF_ROUTES, *PARTNER_ROUTES])
def test_missing_and_unknown_tokens_are_401(work: dict[str, Any], route: str) -> None:
    call = STAFF_ROUTES[route][1] if route in STAFF_ROUTES else PARTNER_ROUTES[route]
    before = returns_snapshot()
    assert_error(call(ApiClient(None), work), 401, "unauthenticated")
    assert_error(call(ApiClient("omsu_made-up"), work), 401, "unauthenticated")
    assert returns_snapshot() == before


def test_a_disabled_app_is_refused(work: dict[str, Any], oms: ConnectedApp) -> None:
    oms.app.enabled = False
    oms.app.save()
    before = returns_snapshot()
    for call in PARTNER_ROUTES.values():
        assert_error(call(oms.client(), work), 403, "app_disabled")
    assert returns_snapshot() == before
