"""The OMS hears every step of the way back, in each order's sequence, from the real relay.

The receiver is the bundled OMS simulator on a local port: it verifies every request with
`standardwebhooks` and decrypts it with `joserfc`, as an OMS would.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from omslink.oms_simulator.config import SimulatorConfig
from omslink.oms_simulator.server import OmsSimulator
from tests.conftest import ApiClient, Masters, connect_app
from tests.fulfilment.test_delivery import relay_running, wait_for
from tests.orders.bodies import order_body
from tests.returns.conftest import DELIVERED_AT, receive, return_body, walk_to

pytestmark = pytest.mark.django_db(transaction=True)
SHIPPED = [
    "order.reserved",
    "order.picklist_created",
    "order.picked",
    "order.packed",
    "order.invoiced",
    "order.shipped",
]


def available(receiver: OmsSimulator) -> dict[str, int]:
    """What the OMS last heard is available of the two SKUs the orders use."""
    latest = {
        item["sku"]: item["available"]
        for event in receiver.inbox.accepted_events()
        if event["type"] == "inventory.updated"
        for item in event["data"]["items"]
    }
    return {sku: units for sku, units in latest.items() if sku in ("TEE-RED-M", "CAP-GRY")}


def test_oms_hears_delivery_returns_and_rto_in_sequence(
    stocked: Masters, admin: tuple[Any, str], warehouse: ApiClient, settings: Any
) -> None:
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    config = SimulatorConfig.fresh(org_unit="OU1", erp_url="http://127.0.0.1:9", port=0)
    receiver = OmsSimulator(config, port=0).start()
    try:
        partner = connect_app(
            stocked.org_unit,
            admin[0],
            webhook_url=receiver.webhook_url,
            secret=config.webhook_secret,
            encryption_key=config.encryption_key,
        ).client()
        with relay_running():
            returned = partner.post("/orders", order_body("BACK-1", [("TEE-RED-M", 2)])).body
            refused = partner.post("/orders", order_body("BACK-2", [("CAP-GRY", 1)])).body
            for order in (returned, refused):
                walk_to("shipped", order["id"], warehouse)
            partner.post("/orders/BACK-1/delivered", {"delivered_at": DELIVERED_AT})
            ret = partner.post("/returns", return_body("BACK-1", [("1", 1)])).body
            customer_return = receive(warehouse, ret["number"], {"TEE-RED-M": (1, 0)})
            rto = partner.post("/orders/BACK-2/rto", {"reason": "Buyer refused"}).body
            receive(warehouse, rto["returns"][0], {"CAP-GRY": (1, 0)})
            last = warehouse.get(f"/orders/{refused['id']}").body
            keys = {f"order:{returned['id']}": 10, f"order:{refused['id']}": 11}

            def all_heard() -> bool:
                heard = [e for e in receiver.inbox.accepted_events() if e["ordering_key"] in keys]
                # The good units are sellable again, and the OMS hears that too.
                return len(heard) == sum(keys.values()) and available(receiver) == {
                    "TEE-RED-M": 9,
                    "CAP-GRY": 10,
                }

            wait_for(all_heard, "every order and return event accepted by the OMS")
        assert not receiver.inbox.rejected(), receiver.inbox.rejected()
        assert {r.encrypted for r in receiver.inbox.received()} == {True}
        heard: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for event in receiver.inbox.accepted_events():
            if event["ordering_key"] in keys:
                heard[event["ordering_key"]].append(event)
        customer = heard[f"order:{returned['id']}"]
        assert [(e["sequence"], e["type"]) for e in customer] == list(
            enumerate(
                [
                    *SHIPPED,
                    "order.delivered",
                    "return.created",
                    "return.received",
                    "credit_note.issued",
                ],
                start=1,
            )
        )
        assert customer[7]["data"] == ret
        assert customer[-1]["data"] == customer_return
        back = heard[f"order:{refused['id']}"]
        assert [(e["sequence"], e["type"]) for e in back] == list(
            enumerate(
                [
                    *SHIPPED,
                    "order.rto_initiated",
                    "return.created",
                    "return.received",
                    "credit_note.issued",
                    "order.rto_received",
                ],
                start=1,
            )
        )
        assert back[6]["data"]["status"] == "rto_initiated"
        assert back[7]["data"]["number"] == rto["returns"][0]
        assert back[-1]["data"] == last and last["status"] == "rto_received"
    finally:
        receiver.stop()
