"""What an OMS tells the ERP after shipping: the courier delivered the parcel, the parcel is
coming back (RTO), or the buyer returned what was delivered (CONTRACT §9).

The simulator offers each as a button beside the orders it heard about, so `omslink up`
shows the whole loop; each answers a sentence saying what the ERP did.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from omslink.oms_simulator.config import SimulatorConfig
from omslink.oms_simulator.demo_orders import erp_call, error_text

IST = timezone(timedelta(hours=5, minutes=30))
ACTIONS = ("delivered", "rto", "return")
# Which actions an order in each status offers.
OFFERED = {"shipped": ("delivered", "rto"), "delivered": ("return",)}


def _request(action: str, order: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    external = quote(str(order["external_order_id"]), safe="")
    if action == "delivered":
        moment = datetime.now(IST).isoformat(timespec="seconds")
        return f"/api/v1/orders/{external}/delivered", {"delivered_at": moment}
    if action == "rto":
        return f"/api/v1/orders/{external}/rto", {"reason": "Buyer refused the parcel"}
    return "/api/v1/returns", {
        "external_return_id": f"SIM-R-{secrets.token_hex(4).upper()}",
        "order": order["external_order_id"],
        "reason": "Buyer returned the order",
        "lines": [
            {"line_id": line["line_id"], "quantity": line["quantity"]} for line in order["lines"]
        ],
    }


def order_action(config: SimulatorConfig, action: str, order: dict[str, Any]) -> str:
    """Tell the ERP one thing about an order (its resource as last heard); say what it did."""
    if action not in ACTIONS:
        return f"Unknown action {action!r}."
    if not config.api_key:
        return "No ERP API key is configured for the simulator."
    path, body = _request(action, order)
    try:
        status, answer = erp_call(config, "POST", path, body)
    except OSError as exc:
        return f"The ERP could not be reached: {exc}"
    external = order["external_order_id"]
    if status not in (200, 201) or not isinstance(answer, dict):
        return f"The ERP refused {action} of order {external} with {status} ({error_text(answer)})."
    if action == "return":
        return f"Return of order {external} pushed: the ERP expects it as {answer.get('number')}."
    return f"Order {external} reported {action}: the ERP has it as {answer.get('status')}."
