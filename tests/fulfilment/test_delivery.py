"""The OMS hears every fulfilment step, in each order's sequence, from the real relay.

The receiver is the bundled OMS simulator on a local port: it verifies every request with
`standardwebhooks` and decrypts it with `joserfc`, as an OMS would.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from omslink.oms_simulator.config import SimulatorConfig
from omslink.oms_simulator.server import OmsSimulator
from omslink.webhooks.relay import Relay, RelayOptions
from tests.conftest import ApiClient, Masters, connect_app
from tests.fulfilment.conftest import BOX
from tests.orders.bodies import order_body

pytestmark = pytest.mark.django_db(transaction=True)
WAIT_SECONDS = 30.0


@contextmanager
def relay_running() -> Iterator[None]:
    """`omslink relay`'s loop in a thread of this process, stopped when the block ends."""
    relay = Relay(RelayOptions())
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(relay.run())
        except BaseException as exc:  # reported by the test
            failures.append(exc)

    thread = threading.Thread(target=run, name="fulfilment-test-relay")
    thread.start()
    assert relay.wait_started(WAIT_SECONDS), failures
    try:
        yield
    finally:
        relay.request_stop()
        thread.join(WAIT_SECONDS)
        assert not thread.is_alive() and not failures, failures


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def test_oms_receives_every_step_in_sequence(
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
            shipped = partner.post("/orders", order_body("FLOW-1", [("TEE-RED-M", 2)])).body
            short = partner.post("/orders", order_body("FLOW-2", [("CAP-GRY", 3)])).body
            picklist = warehouse.post(
                "/picklists", {"site": "WH1", "orders": [shipped["id"], short["id"]]}
            ).body
            warehouse.post(
                f"/picklists/{picklist['number']}/confirm",
                {"lines": [{"sku": "TEE-RED-M", "picked": 2}, {"sku": "CAP-GRY", "picked": 1}]},
            )
            warehouse.post(f"/orders/{shipped['id']}/pack", {"packages": [BOX]})
            last = warehouse.post(
                f"/orders/{shipped['id']}/ship", {"courier": "BlueDart", "awb": "BD-77"}
            ).body
            keys = {f"order:{shipped['id']}": 6, f"order:{short['id']}": 3}

            def all_heard() -> bool:
                heard = [e for e in receiver.inbox.accepted_events() if e["ordering_key"] in keys]
                return len(heard) == sum(keys.values())

            wait_for(all_heard, "every order event accepted by the OMS")
        assert not receiver.inbox.rejected(), receiver.inbox.rejected()
        assert {r.encrypted for r in receiver.inbox.received()} == {True}
        heard: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for event in receiver.inbox.accepted_events():
            if event["ordering_key"] in keys:
                heard[event["ordering_key"]].append((event["sequence"], event["type"]))
        assert heard[f"order:{shipped['id']}"] == list(
            enumerate(
                [
                    "order.reserved",
                    "order.picklist_created",
                    "order.picked",
                    "order.packed",
                    "order.invoiced",
                    "order.shipped",
                ],
                start=1,
            )
        )
        assert heard[f"order:{short['id']}"] == list(
            enumerate(["order.reserved", "order.picklist_created", "order.cancelled"], start=1)
        )
        final = [
            e
            for e in receiver.inbox.accepted_events()
            if e["ordering_key"] == f"order:{shipped['id']}"
        ][-1]
        assert final["data"] == last and final["org_unit"] == "OU1"
    finally:
        receiver.stop()
