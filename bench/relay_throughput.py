"""How fast the relay empties the outbox, and how soon a committed event reaches the receiver.

Run: `.venv/bin/python -m bench.relay_throughput [--events 2000 --keys 50 --concurrency 64]`
on SQLite, or with OMSLINK_TEST_DATABASE_URL=postgres://… on PostgreSQL (a throw-away test
database is created and dropped, as the test suite does).

Prints three figures measured in the same run against the same local receiver (the OMS
simulator, which verifies and decrypts every request):
- the reference: the same number of requests sealed and posted straight from a pooled httpx
  client with the same concurrency, no database: the ceiling for this machine and receiver;
- throughput: events per second while the relay drains a backlog spread over many keys;
- latency: commit-to-receipt times of single events published to an idle relay.

Everything shares one Python process (and its GIL) with the receiver, so the figures are for
comparing changes on one machine; on PostgreSQL more relays add throughput in other processes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import threading
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402
from tests.conftest import connect_app  # noqa: E402

from omslink.connected_apps.models import OmsApp  # noqa: E402
from omslink.core.outbound_http import guarded_async_client  # noqa: E402
from omslink.masters.models import OrgUnit  # noqa: E402
from omslink.oms_simulator.config import SimulatorConfig  # noqa: E402
from omslink.oms_simulator.server import OmsSimulator  # noqa: E402
from omslink.webhooks.event_types import EventType  # noqa: E402
from omslink.webhooks.models import Delivery  # noqa: E402
from omslink.webhooks.relay import Relay, RelayOptions  # noqa: E402
from omslink.webhooks.services import event_publish  # noqa: E402
from omslink.webhooks.signing import seal_webhook  # noqa: E402

ORDER_DATA: dict[str, Any] = {
    "status": "reserved",
    "lines": [{"line_id": "1", "sku": "TEE-RED-M", "quantity": 2, "unit_price": "499.00"}],
}


def _app(config: SimulatorConfig, url: str) -> tuple[OrgUnit, OmsApp]:
    owner = User.objects.create_user("bench")
    org_unit = OrgUnit.objects.create(
        code="OU1", name="Bench", gstin="29ABCDE1234F1Z5", state_code="KA"
    )
    app = connect_app(
        org_unit,
        owner,
        webhook_url=url,
        secret=config.webhook_secret,
        encryption_key=config.encryption_key,
    ).app
    return org_unit, app


def _publish(org_unit: OrgUnit, app: OmsApp, key: str) -> str:
    with transaction.atomic():
        return event_publish(
            org_unit=org_unit,
            type=EventType.ORDER_RESERVED,
            ordering_key=key,
            data=ORDER_DATA,
            apps=[app],
        ).event_id


def _wait(condition: Any, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("bench: gave up waiting for the relay")
        time.sleep(0.01)


async def _reference(config: SimulatorConfig, url: str, count: int, concurrency: int) -> float:
    """Requests per second straight from httpx: sealing and HTTP only, no database."""
    numbers = iter(range(count))
    async with guarded_async_client(timeout=10) as client:

        async def worker() -> None:
            for number in numbers:
                request = seal_webhook(
                    webhook_id=f"evt_ref{number}",
                    payload={"id": f"evt_ref{number}", **ORDER_DATA},
                    secret=config.webhook_secret,
                    encryption_key=config.encryption_key,
                    at=timezone.now(),
                )
                (
                    await client.post(url, content=request.body, headers=request.headers)
                ).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)


def _run_relay(options: RelayOptions) -> tuple[Relay, threading.Thread]:
    relay = Relay(options)
    thread = threading.Thread(target=lambda: asyncio.run(relay.run()), daemon=True)
    thread.start()
    relay.wait_started(30)
    return relay, thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-samples", type=int, default=100)
    args = parser.parse_args()
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
    databases = setup_databases(verbosity=0, interactive=False)
    config = SimulatorConfig.fresh(org_unit="OU1", erp_url="http://127.0.0.1:9", port=0)
    receiver = OmsSimulator(config, port=0).start()
    try:
        org_unit, app = _app(config, receiver.webhook_url)
        print(
            f"database: {connection.vendor}; {args.events} events over {args.keys} keys, "
            f"{args.concurrency} in flight; receiver verifies and decrypts every request"
        )

        reference = asyncio.run(
            _reference(config, receiver.webhook_url, args.events, args.concurrency)
        )
        print(f"reference, httpx straight to the receiver: {reference:8.0f} requests/s")

        started = time.perf_counter()
        for number in range(args.events):
            _publish(org_unit, app, f"order:SO-{number % args.keys:06d}")
        publish_rate = args.events / (time.perf_counter() - started)
        print(f"publishing (one transaction per event):   {publish_rate:8.0f} events/s")

        relay, thread = _run_relay(RelayOptions(concurrency=args.concurrency))
        started = time.perf_counter()
        _wait(lambda: Delivery.objects.filter(status="succeeded").count() == args.events)
        drained = args.events / (time.perf_counter() - started)
        print(
            f"relay draining the backlog:               {drained:8.0f} events/s "
            f"({drained / reference:.0%} of the reference)"
        )

        latencies = []
        for number in range(args.latency_samples):
            before = len(receiver.inbox.received())
            event_id = _publish(org_unit, app, f"order:LAT-{number:06d}")
            committed = time.time()
            _wait(lambda before=before: len(receiver.inbox.received()) > before)
            arrival = next(
                r.received_at for r in receiver.inbox.received() if r.webhook_id == event_id
            )
            latencies.append((arrival - committed) * 1000)
            time.sleep(0.02)
        latencies.sort()
        print(
            f"commit to receipt, idle relay ({len(latencies)} events): "
            f"p50 {statistics.median(latencies):.1f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.1f} ms, "
            f"max {latencies[-1]:.1f} ms"
        )
        relay.request_stop()
        thread.join(30)
    finally:
        receiver.stop()
        connection.close()
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    main()
