"""Order bodies as an OMS pushes them (CONTRACT §4)."""

from __future__ import annotations

import copy
from typing import Any

ORDER: dict[str, Any] = {
    "external_order_id": "BT-100045",
    "marketplace": "AMAZON",
    "marketplace_order_id": "402-1234567-1234567",
    "ordered_at": "2026-11-26T10:15:00+05:30",
    "payment_mode": "COD",
    "customer": {"name": "Asha Rao", "phone": "+919800000000", "email": "asha@example.com"},
    "shipping_address": {
        "line1": "12 MG Road",
        "line2": "",
        "city": "Bengaluru",
        "state_code": "KA",
        "pincode": "560001",
        "country": "IN",
    },
    "billing_gstin": None,
    "lines": [
        {
            "line_id": "1",
            "sku": "TEE-RED-M",
            "quantity": 2,
            "unit_price": "499.00",
            "discount": "0.00",
        }
    ],
    "shipping_charge": "0.00",
    "cod_charge": "0.00",
}


def order_body(
    external_order_id: str = "BT-100045", lines: list[tuple[str, int]] | None = None, **changes: Any
) -> dict[str, Any]:
    """A valid order; `lines` as (sku, quantity) pairs, other fields replaced by `changes`."""
    body = copy.deepcopy(ORDER)
    body["external_order_id"] = external_order_id
    if lines is not None:
        body["lines"] = [
            {
                "line_id": str(n),
                "sku": sku,
                "quantity": quantity,
                "unit_price": "499.00",
                "discount": "0.00",
            }
            for n, (sku, quantity) in enumerate(lines, start=1)
        ]
    body.update(changes)
    return body
