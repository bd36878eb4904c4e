"""Push a demo order to the ERP's partner API, as an OMS does when a marketplace order arrives.

The order takes one or two items the ERP says are available at the OU's online fulfilment
site, so the demo shows a reservation, its webhooks and the inventory update that follows.
"""

from __future__ import annotations

import json
import random
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

from omslink.oms_simulator.config import SimulatorConfig

REQUEST_TIMEOUT_SECONDS = 10
MARKETPLACES = ("AMAZON", "FLIPKART", "MYNTRA", "AJIO")
CUSTOMERS = (
    ("Asha Rao", "+919800000001", "12 MG Road", "Bengaluru", "KA", "560001"),
    ("Vikram Shah", "+919800000002", "4 Linking Road", "Mumbai", "MH", "400050"),
    ("Meera Iyer", "+919800000003", "7 TTK Road", "Chennai", "TN", "600018"),
)
IST = timezone(timedelta(hours=5, minutes=30))


def erp_call(
    config: SimulatorConfig,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """Call the ERP's partner API with the simulator's key; (status, parsed JSON or None)."""
    request = urllib.request.Request(  # noqa: S310 - the ERP URL comes from our own config
        config.erp_url.rstrip("/") + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {config.api_key}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def error_text(answer: Any) -> str:
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        error = answer["error"]
        return f"{error.get('code')}: {error.get('message')}"
    return "no error details"


def demo_order(skus: list[str], rng: random.Random) -> dict[str, Any]:
    name, phone, street, city, state, pincode = rng.choice(CUSTOMERS)
    return {
        "external_order_id": f"SIM-{secrets.token_hex(4).upper()}",
        "marketplace": rng.choice(MARKETPLACES),
        "marketplace_order_id": f"{rng.randrange(100, 999)}-{rng.randrange(10**6, 10**7)}",
        "ordered_at": datetime.now(IST).isoformat(timespec="seconds"),
        "payment_mode": rng.choice(("PREPAID", "COD")),
        "customer": {"name": name, "phone": phone, "email": None},
        "shipping_address": {
            "line1": street,
            "line2": "",
            "city": city,
            "state_code": state,
            "pincode": pincode,
            "country": "IN",
        },
        "billing_gstin": None,
        "lines": [
            {
                "line_id": str(number),
                "sku": sku,
                "quantity": 1,
                "unit_price": "499.00",
                "discount": "0.00",
            }
            for number, sku in enumerate(skus, start=1)
        ],
        "shipping_charge": "0.00",
        "cod_charge": "0.00",
    }


def push_demo_order(config: SimulatorConfig, rng: random.Random | None = None) -> str:
    """Push one order for available items; answer a sentence saying what the ERP did."""
    rng = rng or random.Random()  # noqa: S311 - demo data, not secrecy
    if not config.api_key:
        return "No ERP API key is configured for the simulator."
    try:
        status, answer = erp_call(config, "GET", "/api/v1/inventory?limit=200")
        if status != 200:
            return f"The ERP answered {status} to the inventory query ({error_text(answer)})."
        available = [item["sku"] for item in answer.get("items", []) if item["available"] > 0]
        if not available:
            return (
                "No item is available at the online fulfilment site; receive stock in the "
                "ERP first."
            )
        order = demo_order(rng.sample(available, k=min(2, len(available))), rng)
        status, answer = erp_call(
            config, "POST", "/api/v1/orders", order, {"Idempotency-Key": order["external_order_id"]}
        )
    except (OSError, KeyError, TypeError, AttributeError) as exc:
        return f"The ERP could not be reached or answered oddly: {exc}"
    if status in (200, 201) and isinstance(answer, dict):
        return (
            f"Order {order['external_order_id']} pushed: the ERP stored it as "
            f"{answer.get('id')}, status {answer.get('status')}."
        )
    return (
        f"The ERP refused order {order['external_order_id']} with {status} ({error_text(answer)})."
    )
