"""Every bad push of CONTRACT §2/§4 gets its code and leaves the database as it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import ConnectedApp, Masters, assert_error
from tests.inventory.state import snapshot
from tests.orders.bodies import order_body

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    """Set (or, with `...`, delete) the value at a dotted path such as `lines.0.quantity`."""

    def edit(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        key: Any = int(last) if last.isdigit() else last
        if value is ...:
            del target[key]
        else:
            target[key] = value

    return edit


LINE = {"line_id": "1", "sku": "TEE-RED-M", "quantity": 1, "unit_price": "1.00"}

INVALID: list[tuple[str, Any, str]] = [
    # (path, value, the field the error must name); `...` removes the field
    ("external_order_id", ..., "external_order_id"),
    ("external_order_id", "", "external_order_id"),
    ("external_order_id", "X" * 65, "external_order_id"),
    ("external_order_id", " BT-1", "external_order_id"),
    ("external_order_id", "BT\x07", "external_order_id"),
    ("external_order_id", "BT/1", "external_order_id"),
    ("external_order_id", 100045, "external_order_id"),
    ("marketplace", ..., "marketplace"),
    ("marketplace", "", "marketplace"),
    ("marketplace", "M" * 65, "marketplace"),
    ("marketplace_order_id", "9" * 101, "marketplace_order_id"),
    ("ordered_at", ..., "ordered_at"),
    ("ordered_at", "2026-11-26T10:15:00", "ordered_at"),
    ("ordered_at", "2026-11-26", "ordered_at"),
    ("ordered_at", "yesterday", "ordered_at"),
    ("ordered_at", "2026-13-40T10:15:00+05:30", "ordered_at"),
    ("ordered_at", 1764132300, "ordered_at"),
    # Offsets beyond -12:00..+14:00 and years beyond 1970..9998 do not fit every database.
    ("ordered_at", "2026-11-26T10:15:00+16:00", "ordered_at"),
    ("ordered_at", "2026-11-26T10:15:00+14:01", "ordered_at"),
    ("ordered_at", "2026-11-26T10:15:00-12:30", "ordered_at"),
    ("ordered_at", "9999-12-31T23:59:59-12:00", "ordered_at"),
    ("ordered_at", "0001-01-01T00:00:00+14:00", "ordered_at"),
    ("ordered_at", "1969-12-31T23:59:59Z", "ordered_at"),
    ("payment_mode", ..., "payment_mode"),
    ("payment_mode", "CARD", "payment_mode"),
    ("payment_mode", "cod", "payment_mode"),
    ("customer", ..., "customer"),
    ("customer", "Asha", "customer"),
    ("customer.name", ..., "customer.name"),
    ("customer.name", "", "customer.name"),
    ("customer.phone", "call me", "customer.phone"),
    ("customer.email", "not-an-email", "customer.email"),
    ("shipping_address", ..., "shipping_address"),
    ("shipping_address.line1", ..., "shipping_address.line1"),
    ("shipping_address.city", "", "shipping_address.city"),
    ("shipping_address.state_code", "XX", "shipping_address.state_code"),
    ("shipping_address.state_code", ..., "shipping_address.state_code"),
    ("shipping_address.pincode", "56001", "shipping_address.pincode"),
    ("shipping_address.pincode", "060001", "shipping_address.pincode"),
    ("shipping_address.pincode", 560001, "shipping_address.pincode"),
    ("shipping_address.country", "US", "shipping_address.country"),
    ("billing_gstin", "NOT-A-GSTIN", "billing_gstin"),
    ("lines", ..., "lines"),
    ("lines", [], "lines"),
    ("lines", [{**LINE, "line_id": str(n)} for n in range(501)], "lines"),
    ("lines", {"line_id": "1"}, "lines"),
    ("lines.0.line_id", ..., "lines[0].line_id"),
    ("lines.0.line_id", "", "lines[0].line_id"),
    ("lines.0.line_id", 1, "lines[0].line_id"),
    ("lines.0.sku", ..., "lines[0].sku"),
    ("lines.0.sku", "", "lines[0].sku"),
    ("lines.0.sku", "S" * 65, "lines[0].sku"),
    ("lines.0.quantity", ..., "lines[0].quantity"),
    ("lines.0.quantity", 0, "lines[0].quantity"),
    ("lines.0.quantity", -1, "lines[0].quantity"),
    ("lines.0.quantity", 10_001, "lines[0].quantity"),
    ("lines.0.quantity", 10**30, "lines[0].quantity"),
    ("lines.0.quantity", "2", "lines[0].quantity"),
    ("lines.0.quantity", 2.5, "lines[0].quantity"),
    ("lines.0.quantity", 2.0, "lines[0].quantity"),
    ("lines.0.quantity", True, "lines[0].quantity"),
    ("lines.0.quantity", None, "lines[0].quantity"),
    ("lines.0.unit_price", ..., "lines[0].unit_price"),
    ("lines.0.unit_price", 499.0, "lines[0].unit_price"),
    ("lines.0.unit_price", "499.001", "lines[0].unit_price"),
    ("lines.0.unit_price", "-1.00", "lines[0].unit_price"),
    ("lines.0.unit_price", "1e3", "lines[0].unit_price"),
    ("lines.0.unit_price", "NaN", "lines[0].unit_price"),
    ("lines.0.unit_price", "", "lines[0].unit_price"),
    ("lines.0.unit_price", "12345678901.00", "lines[0].unit_price"),
    ("lines.0.unit_price", " 499.00", "lines[0].unit_price"),
    ("lines.0.discount", "998.01", "lines[0].discount"),
    ("lines.0.discount", "-0.01", "lines[0].discount"),
    ("shipping_charge", 40, "shipping_charge"),
    ("shipping_charge", "forty", "shipping_charge"),
    ("cod_charge", "1.234", "cod_charge"),
    ("customer.name", "Asha\x00Rao", "customer.name"),
]


@pytest.mark.parametrize(
    ("path", "value", "field"), INVALID, ids=[f"{p}={v!r}"[:60] for p, v, _ in INVALID]
)
def test_invalid_field_is_named_and_nothing_changes(
    stocked: Masters, oms: ConnectedApp, path: str, value: Any, field: str
) -> None:
    body = order_body()
    _set(path, value)(body)
    before = snapshot()
    error = assert_error(oms.client().post("/orders", body), 422, "validation_error")
    assert field in [detail["field"] for detail in error["details"]], error
    assert snapshot() == before


def test_repeated_line_ids_are_refused(stocked: Masters, oms: ConnectedApp) -> None:
    body = order_body(lines=[("TEE-RED-M", 1), ("CAP-GRY", 1), ("TEE-BLU-L", 1)])
    body["lines"][2]["line_id"] = "1"
    before = snapshot()
    error = assert_error(oms.client().post("/orders", body), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["lines[2].line_id"]
    assert snapshot() == before


def test_discount_may_equal_but_not_exceed_the_line_gross(
    stocked: Masters, oms: ConnectedApp
) -> None:
    body = order_body(lines=[("TEE-RED-M", 2)])
    body["lines"][0]["discount"] = "998.00"
    assert oms.client().post("/orders", body).status == 201


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b'{"external_order_id": "BT-1",', "application/json", 400, "malformed_json"),
        (b"not json at all", "application/json", 400, "malformed_json"),
        (b'{"lines": [NaN]}', "application/json", 400, "malformed_json"),
        (b"\xff\xfe\x00", "application/json", 400, "malformed_json"),
        (json.dumps(order_body()).encode(), "text/plain", 415, "unsupported_media_type"),
        (
            json.dumps(order_body()).encode(),
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
        ),
        (b'{"pad": "' + b"x" * (1024 * 1024) + b'"}', "application/json", 413, "payload_too_large"),
        (b"", "application/json", 400, "malformed_json"),
        (b"[]", "application/json", 422, "validation_error"),
        (b'"order"', "application/json", 422, "validation_error"),
        (b"null", "application/json", 422, "validation_error"),
    ],
    ids=[
        "truncated",
        "text",
        "nan",
        "binary",
        "text-plain",
        "form",
        "over-1MiB",
        "empty",
        "array",
        "string",
        "null",
    ],
)
def test_bad_bodies_get_their_code_and_change_nothing(
    stocked: Masters, oms: ConnectedApp, raw: bytes, content_type: str, status: int, code: str
) -> None:
    before = snapshot()
    answer = oms.client().post("/orders", raw=raw, content_type=content_type)
    assert_error(answer, status, code)
    assert snapshot() == before


def test_every_missing_field_is_listed_at_once(stocked: Masters, oms: ConnectedApp) -> None:
    error = assert_error(oms.client().post("/orders", {}), 422, "validation_error")
    fields = {detail["field"] for detail in error["details"]}
    assert {
        "external_order_id",
        "marketplace",
        "ordered_at",
        "payment_mode",
        "customer",
        "shipping_address",
        "lines",
    } <= fields


def test_optional_fields_may_be_left_out(stocked: Masters, oms: ConnectedApp) -> None:
    body = order_body()
    for optional in ("marketplace_order_id", "billing_gstin", "shipping_charge", "cod_charge"):
        del body[optional]
    del body["lines"][0]["discount"]
    del body["customer"]["phone"], body["customer"]["email"]
    answer = oms.client().post("/orders", body)
    assert answer.status == 201, answer.body
    assert answer.body["lines"][0]["discount"] == "0.00"
    assert answer.body["billing_gstin"] is None


@pytest.mark.parametrize(
    "moment",
    [
        "1970-01-01T00:00:00+14:00",
        "9998-12-31T23:59:59-12:00",
        "2026-11-26T10:15:00.123456+05:45",
        "2026-11-26T10:15:00-12:00",
    ],
)
def test_times_at_the_edges_are_accepted(stocked: Masters, oms: ConnectedApp, moment: str) -> None:
    answer = oms.client().post("/orders", order_body(ordered_at=moment))
    assert answer.status == 201, answer.body
    assert answer.body["ordered_at"].endswith("Z")


def test_z_offset_and_a_billing_gstin_are_accepted(stocked: Masters, oms: ConnectedApp) -> None:
    body = order_body(ordered_at="2026-11-26T04:45:00Z", billing_gstin="29aabcu9603r1zm")
    answer = oms.client().post("/orders", body)
    assert answer.status == 201, answer.body
    assert answer.body["ordered_at"] == "2026-11-26T04:45:00Z"
    assert answer.body["billing_gstin"] == "29AABCU9603R1ZM"
