"""API answers and webhook bodies, byte for byte, over a whole working day.

A refactoring of how resources are rendered must not move a field, re-spell a money amount or
a time, or turn a null into an empty string: an OMS parses these bytes. The walk below pushes,
picks, packs, ships and cancels orders, moves stock and wholesale orders, and compares every
answer's raw bytes and every webhook body (as the relay signs it) with the recorded ones in
`answer_bytes/<database>.txt`. Only what differs between runs is masked: times and dates,
document numbers (by order of first appearance, so "the same order" still reads the same),
event ids and the financial year. The webhook bodies are recorded per database because
PostgreSQL's jsonb keeps an event's `data` keys in its own order.

After an intended change of the contract, rewrite the records with
`OMSLINK_RECORD_ANSWER_BYTES=1 ./run-tests tests/fulfilment/test_answer_bytes.py` (once per
database) and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from omslink.inventory.events import inventory_flush
from omslink.webhooks.models import Event
from omslink.webhooks.services import event_envelope
from omslink.webhooks.signing import event_body
from tests.conftest import ConnectedApp, Masters
from tests.fulfilment.conftest import BOX
from tests.orders.bodies import order_body

RECORDS = Path(__file__).with_name("answer_bytes")

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z")
_DATE = re.compile(r'"\d{4}-\d{2}-\d{2}"')
_FINANCIAL_YEAR = re.compile(r"(OU\d)/\d{4}/")
_NUMBERED = re.compile(r"\b(SO|PL|WO|GRN|ADJ)-\d{6,}\b|\bevt_[0-9A-Za-z]+")


class Recorder:
    """Raw answers in the order they were given, masked where runs differ."""

    def __init__(self) -> None:
        self.sections: list[tuple[str, str]] = []
        self._names: dict[str, str] = {}

    def _mask(self, text: str) -> str:
        def numbered(match: re.Match[str]) -> str:
            token = match.group(0)
            prefix = token.split("-")[0] if "-" in token else "evt"
            if token not in self._names:
                count = sum(1 for name in self._names.values() if name.startswith(prefix + "#"))
                self._names[token] = f"{prefix}#{count + 1}"
            return self._names[token]

        text = _TIMESTAMP.sub("<time>", text)
        text = _DATE.sub('"<date>"', text)
        text = _FINANCIAL_YEAR.sub(r"\1/<fy>/", text)
        return _NUMBERED.sub(numbered, text)

    def add(self, label: str, raw: bytes | str) -> None:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        self.sections.append((label, self._mask(text)))

    def text(self) -> str:
        return "".join(f"### {label}\n{body}\n" for label, body in self.sections)


def _caller(token: str, recorder: Recorder) -> Callable[..., Any]:
    client = Client()

    def call(
        method: str,
        path: str,
        body: str | None = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Any:
        response = client.generic(
            method,
            f"/api/v1{path}",
            data=body or "",
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", **(headers or {})},
        )
        assert response.status_code == status, response.content
        recorder.add(f"{method} {path} -> {response.status_code}", response.content)
        return json.loads(response.content)

    return call


def _json(value: Any) -> str:
    return json.dumps(value)


def _webhook_bodies(recorder: Recorder) -> None:
    for event in Event.objects.select_related("org_unit").order_by("pk"):
        recorder.add(f"webhook {event.type}", event_body(event_envelope(event)))


# The recorded paths name documents by number (SO-000001, …), so ids start afresh whatever
# earlier tests used (PostgreSQL sequences survive rolled-back tests).
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_answers_and_webhook_bodies_keep_their_bytes(
    stocked: Masters, oms: ConnectedApp, admin: tuple[Any, str]
) -> None:
    recorder = Recorder()
    partner = _caller(oms.api_key, recorder)
    staff = _caller(admin[1], recorder)
    flush = lambda: inventory_flush(window=timedelta(0))  # noqa: E731

    first = order_body(
        "BT-200001",
        customer={"name": "Āsha Rāo <QA>", "phone": "+91 98000 00000", "email": None},
        billing_gstin="29AAACR5055K1Z5",
        shipping_charge="40.00",
        cod_charge="30.50",
    )
    first["lines"] = [
        {"line_id": "1", "sku": "TEE-RED-M", "quantity": 2, "unit_price": "499.00"},
        {
            "line_id": "L-2",
            "sku": "CAP-GRY",
            "quantity": 1,
            "unit_price": "299.99",
            "discount": "10.5",
        },
    ]
    key = {"Idempotency-Key": "push-200001"}
    a = partner("POST", "/orders", _json(first), status=201, headers=key)["id"]
    partner("POST", "/orders", _json(first), status=201, headers=key)
    partner("POST", "/orders", _json(first), status=200)
    b = partner(
        "POST",
        "/orders",
        _json(order_body("BT-200002", [("TEE-RED-M", 3)], payment_mode="PREPAID")),
        status=201,
    )["id"]
    partner("POST", "/orders", _json(order_body("BT-200003", [("JKT-BLK-M", 1)])), status=201)
    d = partner(
        "POST",
        "/orders",
        _json(
            order_body(
                "BT-200004",
                [("TEE-BLU-L", 1)],
                shipping_address={**first["shipping_address"], "state_code": "MH"},
            )
        ),
        status=201,
    )["id"]
    flush()

    partner("GET", "/orders/BT-200001")
    staff("GET", f"/orders/{a}")
    staff("GET", "/orders?status=reserved")
    partner("POST", "/orders/BT-200001/awb", _json({"courier": "Delhivery", "awb": "DLV42"}))
    partner("POST", "/orders/BT-200003/cancel", _json({"reason": "buyer changed mind"}))
    staff("POST", f"/orders/{d}/cancel", _json({"reason": "address unserviceable"}))

    picklist = staff("POST", "/picklists", _json({"site": "WH1", "orders": [a, b]}), status=201)
    staff("GET", f"/picklists/{picklist['number']}")
    staff(
        "POST",
        f"/picklists/{picklist['number']}/confirm",
        _json(
            {
                "lines": [
                    {"sku": "TEE-RED-M", "picked": 4},
                    {"sku": "CAP-GRY", "picked": 1},
                ]
            }
        ),
    )
    staff("GET", "/picklists?status=confirmed")
    staff("POST", f"/orders/{a}/pack", _json({"packages": [BOX, {**BOX, "weight_grams": 1}]}))
    staff("POST", f"/orders/{a}/ship")
    staff("GET", "/orders")
    flush()

    staff(
        "POST",
        "/stock/receipts",
        _json(
            {"site": "WH1", "reference": "INV-77/Ü", "lines": [{"sku": "CAP-GRY", "quantity": 5}]}
        ),
        status=201,
    )
    staff(
        "POST",
        "/stock/adjustments",
        _json({"site": "WH1", "reason": "count", "lines": [{"sku": "CAP-GRY", "quantity": -2}]}),
        status=201,
    )
    wholesale = staff(
        "POST",
        "/wholesale-orders",
        _json(
            {
                "customer": "RETAIL1",
                "site": "WH2",
                "lines": [{"sku": "TEE-RED-M", "quantity": 4}, {"sku": "CAP-GRY", "quantity": 1}],
            }
        ),
        status=201,
    )["id"]
    staff("GET", f"/wholesale-orders/{wholesale}")
    staff("POST", f"/wholesale-orders/{wholesale}/dispatch")
    other = staff(
        "POST",
        "/wholesale-orders",
        _json(
            {"customer": "RETAIL1", "site": "WH1", "lines": [{"sku": "TEE-BLU-L", "quantity": 2}]}
        ),
        status=201,
    )["id"]
    staff("POST", f"/wholesale-orders/{other}/cancel")
    staff("GET", "/wholesale-orders")
    staff("GET", "/stock?site=WH1")
    staff("GET", "/stock?sku=CAP-GRY&sku=TEE-RED-M")
    partner("GET", "/inventory")
    partner("GET", "/inventory?sku=CAP-GRY")
    flush()

    _webhook_bodies(recorder)
    recorded = RECORDS / f"{connection.vendor}.txt"
    if os.environ.get("OMSLINK_RECORD_ANSWER_BYTES"):
        RECORDS.mkdir(exist_ok=True)
        recorded.write_text(recorder.text(), encoding="utf-8")
    expected = _sections(recorded.read_text(encoding="utf-8"))
    assert recorder.sections == expected


def _sections(text: str) -> list[tuple[str, str]]:
    """The (label, body) pairs of a record, for a diff that names the answer that moved."""
    parts = text.split("### ")[1:]
    return [tuple(part.rstrip("\n").split("\n", 1)) for part in parts]  # type: ignore[misc]
