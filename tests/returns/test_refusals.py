"""Every refusal of the returns API gets the contract's code and changes nothing, and no
input however hostile gets a 5xx: the database is snapshotted around each refused call."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import ApiAnswer, ApiClient, ConnectedApp, Masters, Push, assert_error
from tests.returns.conftest import (
    deliver,
    external_id,
    push_return,
    receive,
    return_body,
    returns_snapshot,
    shipped,
)


@pytest.fixture
def world(stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp) -> dict[str, Any]:
    """A reserved, a shipped and a delivered order (one tee of two returned, not yet
    received), and an RTO order already received."""
    reserved = push([("TEE-RED-M", 1)])
    sent = shipped(push, warehouse, [("TEE-RED-M", 1)])
    delivered = shipped(push, warehouse, [("TEE-RED-M", 2), ("CAP-GRY", 1)])
    deliver(oms, warehouse, delivered)
    expected = push_return(oms, warehouse, delivered, [("1", 1)])
    rto = shipped(push, warehouse, [("CAP-GRY", 1)])
    partner = oms.client()
    rto_return = partner.post(f"/orders/{external_id(warehouse, rto)}/rto", {"reason": "RTO"})
    received = receive(warehouse, rto_return.body["returns"][0], {"CAP-GRY": (1, 0)})
    orders = {"reserved": reserved, "shipped": sent, "delivered": delivered, "rto": rto}
    return {
        **orders,
        "ext": {name: external_id(warehouse, order) for name, order in orders.items()},
        "expected": expected["number"],
        "received": received["number"],
    }


Refusal = Callable[[ApiClient, ApiClient, dict[str, Any]], ApiAnswer]
COUNT = {"lines": [{"sku": "TEE-RED-M", "good": 1, "damaged": 0}]}

REFUSALS: dict[str, tuple[Refusal, int, str, str | None]] = {
    "return more than shipped": (
        lambda p, s, w: p.post("/returns", return_body(w["ext"]["delivered"], [("2", 2)], "R-NEW")),
        422,
        "validation_error",
        "lines[0].quantity",
    ),
    "return more than earlier returns left": (
        lambda p, s, w: p.post("/returns", return_body(w["ext"]["delivered"], [("1", 2)], "R-NEW")),
        422,
        "validation_error",
        "lines[0].quantity",
    ),
    "return a line the order lacks": (
        lambda p, s, w: p.post("/returns", return_body(w["ext"]["delivered"], [("9", 1)], "R-NEW")),
        422,
        "validation_error",
        "lines[0].line_id",
    ),
    "return a line twice": (
        lambda p, s, w: p.post(
            "/returns", return_body(w["ext"]["delivered"], [("2", 1), ("2", 1)], "R-NEW")
        ),
        422,
        "validation_error",
        "lines[1].line_id",
    ),
    "return an order not delivered": (
        lambda p, s, w: p.post("/returns", return_body(w["ext"]["shipped"], [("1", 1)], "R-NEW")),
        409,
        "invalid_transition",
        None,
    ),
    "return an unknown order": (
        lambda p, s, w: p.post("/returns", return_body("NO-SUCH", [("1", 1)], "R-NEW")),
        422,
        "validation_error",
        "order",
    ),
    "same return id, another body": (
        lambda p, s, w: p.post(
            "/returns", return_body(w["ext"]["delivered"], [("2", 1)], "BT-R-1")
        ),
        409,
        "duplicate_order",
        None,
    ),
    "deliver a reserved order": (
        lambda p, s, w: p.post(
            f"/orders/{w['ext']['reserved']}/delivered",
            {"delivered_at": "2026-11-28T10:00:00+05:30"},
        ),
        409,
        "invalid_transition",
        None,
    ),
    "deliver an RTO": (
        lambda p, s, w: p.post(
            f"/orders/{w['ext']['rto']}/delivered", {"delivered_at": "2026-11-28T10:00:00Z"}
        ),
        409,
        "invalid_transition",
        None,
    ),
    "RTO of a delivered order": (
        lambda p, s, w: p.post(f"/orders/{w['ext']['delivered']}/rto", {"reason": "late"}),
        409,
        "invalid_transition",
        None,
    ),
    "RTO of a reserved order": (
        lambda p, s, w: p.post(f"/orders/{w['ext']['reserved']}/rto", {"reason": "late"}),
        409,
        "invalid_transition",
        None,
    ),
    "receive twice": (
        lambda p, s, w: s.post(f"/returns/{w['received']}/receive", COUNT),
        409,
        "invalid_transition",
        None,
    ),
    "receive more than expected": (
        lambda p, s, w: s.post(
            f"/returns/{w['expected']}/receive",
            {"lines": [{"sku": "TEE-RED-M", "good": 1, "damaged": 1}]},
        ),
        422,
        "validation_error",
        "lines[0]",
    ),
    "receive a SKU not on the return": (
        lambda p, s, w: s.post(
            f"/returns/{w['expected']}/receive",
            {"lines": [{"sku": "CAP-GRY", "good": 1, "damaged": 0}]},
        ),
        422,
        "validation_error",
        "lines[0].sku",
    ),
    "receive a SKU twice": (
        lambda p, s, w: s.post(
            f"/returns/{w['expected']}/receive",
            {"lines": [COUNT["lines"][0], {"sku": "TEE-RED-M", "good": 0, "damaged": 0}]},
        ),
        422,
        "validation_error",
        "lines[1].sku",
    ),
    "receive an unknown return": (
        lambda p, s, w: s.post("/returns/RT-999999/receive", COUNT),
        404,
        "not_found",
        None,
    ),
    "staff RTO of a delivered order": (
        lambda p, s, w: s.post(
            "/returns", {"order": w["delivered"], "type": "rto", "reason": "Came back"}
        ),
        409,
        "invalid_transition",
        None,
    ),
    "staff RTO of part of a shipment": (
        lambda p, s, w: s.post(
            "/returns",
            {
                "order": w["shipped"],
                "type": "rto",
                "reason": "Came back",
                "lines": [{"line_id": "1", "quantity": 1}, {"line_id": "2", "quantity": 1}],
            },
        ),
        422,
        "validation_error",
        "lines",
    ),
    "staff customer return without lines": (
        lambda p, s, w: s.post(
            "/returns", {"order": w["delivered"], "type": "customer_return", "reason": "x"}
        ),
        422,
        "validation_error",
        "lines",
    ),
    "staff customer return of a shipped order": (
        lambda p, s, w: s.post(
            "/returns",
            {
                "order": w["shipped"],
                "type": "customer_return",
                "reason": "x",
                "lines": [{"line_id": "1", "quantity": 1}],
            },
        ),
        409,
        "invalid_transition",
        None,
    ),
    "staff return of an unknown order": (
        lambda p, s, w: s.post(
            "/returns", {"order": "SO-999999", "type": "rto", "reason": "Came back"}
        ),
        422,
        "validation_error",
        "order",
    ),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_refusals_have_their_code_and_change_nothing(
    world: dict[str, Any], oms: ConnectedApp, warehouse: ApiClient, refusal: str
) -> None:
    call, status, code, field = REFUSALS[refusal]
    before = returns_snapshot()
    error = assert_error(call(oms.client(), warehouse, world), status, code)
    if field is not None:
        assert field in [detail["field"] for detail in error["details"]], error
    assert returns_snapshot() == before


def test_another_apps_orders_and_returns_are_unknown(
    world: dict[str, Any], other_oms: ConnectedApp, oms: ConnectedApp
) -> None:
    stranger = other_oms.client()
    before = returns_snapshot()
    for path, body in [
        (f"/orders/{world['ext']['shipped']}/delivered", {"delivered_at": "2026-11-28T10:00Z"}),
        (f"/orders/{world['ext']['shipped']}/rto", {"reason": "x"}),
    ]:
        assert_error(stranger.post(path, body), 404, "not_found")
    assert_error(stranger.get("/returns/BT-R-1"), 404, "not_found")
    assert_error(stranger.get(f"/returns/{world['expected']}"), 404, "not_found")
    # A return id of this app pushed by another app names nothing of the other's.
    answer = stranger.post("/returns", return_body(world["ext"]["delivered"], [("1", 1)]))
    assert_error(answer, 422, "validation_error")
    assert returns_snapshot() == before
    assert oms.client().get(f"/returns/{world['expected']}").status == 200


BAD_BODIES = [
    (b'{"reason": ', "application/json", 400, "malformed_json"),
    (b"\xff\xfe\x00", "application/json", 400, "malformed_json"),
    (b'{"lines": [NaN]}', "application/json", 400, "malformed_json"),
    (b'{"reason": "x"}', "text/plain", 415, "unsupported_media_type"),
    (b'{"pad": "' + b"x" * (1024 * 1024) + b'"}', "application/json", 413, "payload_too_large"),
    (b"[]", "application/json", 422, "validation_error"),
    (b"null", "application/json", 422, "validation_error"),
    (b"{}", "application/json", 422, "validation_error"),
]


def input_paths(world: dict[str, Any]) -> list[tuple[str, str]]:
    """Every new path that reads a body: (who calls, path)."""
    return [
        ("partner", f"/orders/{world['ext']['shipped']}/delivered"),
        ("partner", f"/orders/{world['ext']['shipped']}/rto"),
        ("partner", "/returns"),
        ("staff", "/returns"),
        ("staff", f"/returns/{world['expected']}/receive"),
    ]


@pytest.mark.parametrize(("raw", "content_type", "status", "code"), BAD_BODIES)
def test_bad_bodies_on_every_input_path(
    world: dict[str, Any],
    oms: ConnectedApp,
    warehouse: ApiClient,
    raw: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    before = returns_snapshot()
    for caller, path in input_paths(world):
        client = oms.client() if caller == "partner" else warehouse
        assert_error(client.post(path, raw=raw, content_type=content_type), status, code)
    assert returns_snapshot() == before


TEXT: list[Any] = [None, "", "x" * 5000, "nul\x00", "line\nbreak", 7, [], {}, True]
OPTIONAL_TEXT = [value for value in TEXT if value is not None]
IDENTIFIER = [*TEXT, " padded ", "slash/in/id"]
COUNT_VALUES: list[Any] = [None, -1, 2**63, 10_001, 1.5, "2", True, [], {}]
MOMENT = [
    *TEXT,
    "2026-11-28T10:00:00+16:00",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "2026-11-28",
    "2026-11-28T10:00:00",
    1764132300,
]
LINES: list[Any] = [None, "x", {}, [1], [None], [[]]]


def hostile_cases(world: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str, list[Any]]]:
    """(caller, path, valid body, field to spoil, values none of which that field accepts)."""
    push_body = return_body(world["ext"]["delivered"], [("2", 1)], "R-HOSTILE", awb="AWB-9")
    staff_body = {
        "order": world["delivered"],
        "type": "customer_return",
        "reason": "Arrived unannounced",
        "lines": [{"line_id": "2", "quantity": 1}],
        "courier": "BlueDart",
    }
    receive_body = {"lines": [{"sku": "TEE-RED-M", "good": 1, "damaged": 0}]}
    receive_path = f"/returns/{world['expected']}/receive"
    return [
        ("partner", f"/orders/{world['ext']['shipped']}/delivered", {}, "delivered_at", MOMENT),
        ("partner", f"/orders/{world['ext']['shipped']}/rto", {}, "reason", TEXT),
        ("partner", "/returns", push_body, "external_return_id", IDENTIFIER),
        ("partner", "/returns", push_body, "order", IDENTIFIER),
        ("partner", "/returns", push_body, "reason", TEXT),
        ("partner", "/returns", push_body, "courier", OPTIONAL_TEXT),
        ("partner", "/returns", push_body, "awb", OPTIONAL_TEXT),
        ("partner", "/returns", push_body, "lines", [*LINES, []]),
        ("partner", "/returns", push_body, "lines.0.line_id", IDENTIFIER),
        ("partner", "/returns", push_body, "lines.0.quantity", [*COUNT_VALUES, 0]),
        ("staff", "/returns", staff_body, "order", [*TEXT, "SO-1", "RT-000001"]),
        ("staff", "/returns", staff_body, "type", [*TEXT, "exchange"]),
        ("staff", "/returns", staff_body, "reason", TEXT),
        ("staff", "/returns", staff_body, "courier", OPTIONAL_TEXT),
        ("staff", "/returns", staff_body, "lines", LINES),
        ("staff", "/returns", staff_body, "lines.0.quantity", [*COUNT_VALUES, 0]),
        ("staff", receive_path, receive_body, "lines", LINES),
        ("staff", receive_path, receive_body, "lines.0.sku", [*TEXT, " padded "]),
        ("staff", receive_path, receive_body, "lines.0.good", COUNT_VALUES),
        ("staff", receive_path, receive_body, "lines.0.damaged", COUNT_VALUES),
    ]


def spoiled(body: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(body))
    target: Any = copy
    *parents, last = field.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    return dict(copy)


def test_hostile_values_in_every_field_are_refused_naming_the_field(
    world: dict[str, Any], oms: ConnectedApp, warehouse: ApiClient
) -> None:
    before = returns_snapshot()
    for caller, path, body, field, values in hostile_cases(world):
        client = oms.client() if caller == "partner" else warehouse
        named = field.replace(".0.", "[0].")
        for value in values:
            answer = client.post(path, spoiled(body, field, value))
            error = assert_error(answer, 422, "validation_error")
            fields = [detail["field"] for detail in error["details"]]
            assert any(name.startswith(named) for name in fields), (path, field, value, error)
    assert returns_snapshot() == before


@pytest.mark.parametrize(
    "query",
    [
        "status=lost",
        "type=exchange",
        "site=NOPE",
        "cursor=%FF%FE",
        "cursor=not-a-cursor",
        "limit=0",
        "limit=100000",
        "limit=abc",
        "status=" + "x" * 3000,
    ],
)
def test_bad_list_queries_are_422(world: dict[str, Any], warehouse: ApiClient, query: str) -> None:
    assert_error(warehouse.get(f"/returns?{query}"), 422, "validation_error")


@pytest.mark.parametrize(
    "reference",
    [
        "RT-1",
        "RT-0000001",
        "RT-99999999999999999999",
        "RT-\u0660\u0660\u0660\u0660\u0660\u0661",
        "RT-%2000001",
        "x" * 300,
        "SO-000001",
    ],
)
def test_references_that_name_nothing_are_404(
    world: dict[str, Any], warehouse: ApiClient, oms: ConnectedApp, reference: str
) -> None:
    assert_error(warehouse.get(f"/returns/{reference}"), 404, "not_found")
    assert_error(oms.client().get(f"/returns/{reference}"), 404, "not_found")
    assert_error(warehouse.post(f"/returns/{reference}/receive", COUNT), 404, "not_found")
    assert_error(warehouse.get(f"/credit-notes/{reference}.pdf"), 404, "not_found")
