"""The webhook relay: drain a backlog with one and with two relays, against plain httpx.

Run: `./bench/run relay [--short]` (PostgreSQL; see docs/benchmarks.md).

A scratch PostgreSQL database gets an OMS app (created through the API, with a webhook secret
and an encryption key) whose webhook URL is bench/receiver.py, a bare asyncio receiver in its
own process; its capacity is measured first with wrk and printed. Then:

- reference: a plain async httpx loop in the bench process seals (signs and encrypts, with
  omslink's own `seal_webhook`) and posts the backlog's events to the same receiver with the
  relay's concurrency (64): the ceiling for this machine, receiver and sealing;
- drain: a backlog of events (order events of a realistic size, spread over many ordering
  keys, bulk-inserted as pending deliveries) emptied by one `omslink relay`, then a fresh
  backlog by two relays side by side; the rate is taken from the receiver's own clock, and
  the relays' CPU time per event (from /proc) is printed beside it, as is the reference's;
- latency: single events committed at a steady rate to an idle relay, commit to receipt.

Checks: every event of a backlog arrived, per-key order held at the receiver (the first
arrival of sequence n+1 after that of n, for every key), every delivery is `succeeded`, and a
sample of the requests the receiver kept verifies with `standardwebhooks` and decrypts with
`joserfc` to the event that was sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from joserfc import jwe
from joserfc.jwk import OctKey
from standardwebhooks.webhooks import Webhook

from bench.harness import (
    ENCRYPTION_KEY,
    WEBHOOK_SECRET,
    BenchFailed,
    CheckResult,
    Omslink,
    Receiver,
    bench_run,
    ensure_wrk,
    expect,
    finish,
    machine_load,
    ms,
    percentile,
    report_checks,
    say,
    start_receiver,
    table,
)
from omslink.webhooks.signing import encryption_key_bytes, seal_webhook

# The channel `omslink relay` listens on (omslink.webhooks.services.RELAY_CHANNEL).
RELAY_CHANNEL = "omslink_outbox"
# Standard Webhooks' tolerance between a request's timestamp and its arrival, in seconds.
TIMESTAMP_TOLERANCE = 300


def receiver_capacity(receiver: Receiver, body: bytes, *, connections: int, seconds: int) -> float:
    """Requests per second the receiver answers from wrk (C, one thread): its own ceiling."""
    script = receiver.process.log.with_name("capacity.lua")
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
        'wrk.headers["Content-Type"] = "application/jose"\n'
        'wrk.headers["webhook-id"] = "capacity-probe"\n'
    )
    done = subprocess.run(
        [
            ensure_wrk(),
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(script),
            receiver.webhook_url,
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchFailed(f"bench: wrk against the receiver failed:\n{done.stderr}")
    rate = next(line for line in done.stdout.splitlines() if line.startswith("Requests/sec"))
    receiver.control("reset", post=True)
    return float(rate.split()[1])


def sample_order(omslink: Omslink) -> dict[str, Any]:
    """A real order resource, pushed through the API: the backlog's events carry it."""
    with omslink.api(omslink.partner_key) as partner:
        return dict(
            expect(
                partner.post(
                    "/orders",
                    json={
                        "external_order_id": "BT-SAMPLE-1",
                        "marketplace": "AMAZON",
                        "marketplace_order_id": "402-1234567-1234567",
                        "ordered_at": "2026-11-26T10:15:00+05:30",
                        "payment_mode": "COD",
                        "customer": {
                            "name": "Asha Rao",
                            "phone": "+919800000000",
                            "email": "asha@example.com",
                        },
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
                                "sku": "SKU-1",
                                "quantity": 1,
                                "unit_price": "499.00",
                                "discount": "0.00",
                            },
                            {
                                "line_id": "2",
                                "sku": "SKU-2",
                                "quantity": 1,
                                "unit_price": "499.00",
                                "discount": "0.00",
                            },
                        ],
                        "shipping_charge": "0.00",
                        "cod_charge": "0.00",
                    },
                ),
                201,
            )
        )


def backlog_insert(
    omslink: Omslink, *, tag: str, events: int, keys: int, data: dict[str, Any]
) -> None:
    """`events` pending deliveries over `keys` ordering keys, sequences 1, 2, … per key, in a
    few INSERT … SELECT statements (as fast as the database writes)."""
    ou = omslink.database.value("SELECT id FROM masters_orgunit WHERE code = 'OU1'")
    with omslink.database.connect() as connection, connection.transaction():
        connection.execute(
            "INSERT INTO webhooks_event (event_id, type, ordering_key, sequence, data, "
            "created_at, org_unit_id) SELECT %(tag)s || '-' || g, 'order.reserved', "
            "'order:' || %(tag)s || '-' || (g %% %(keys)s), g / %(keys)s + 1, %(data)s, now(), "
            "%(ou)s FROM generate_series(0, %(last)s) AS g",
            {
                "tag": f"evt_{tag}",
                "keys": keys,
                "data": json.dumps(data),
                "ou": ou,
                "last": events - 1,
            },
        )
        connection.execute(
            "INSERT INTO webhooks_eventstream (key, last_sequence) SELECT ordering_key, "
            "max(sequence) FROM webhooks_event WHERE event_id LIKE %(like)s GROUP BY ordering_key",
            {"like": f"evt\\_{tag}-%"},
        )
        connection.execute(
            "INSERT INTO webhooks_delivery (ordering_key, sequence, status, attempt_count, "
            "next_attempt_at, last_error, created_at, app_id, event_id, claim_token, "
            "round_attempts) SELECT ordering_key, sequence, 'pending', 0, now(), '', now(), "
            "%(app)s, id, '', 0 FROM webhooks_event WHERE event_id LIKE %(like)s ORDER BY id",
            {"app": omslink.app_id, "like": f"evt\\_{tag}-%"},
        )


def envelopes(*, events: int, keys: int, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Webhook bodies (CONTRACT §7) shaped as the backlog's, for the reference to send."""
    now = datetime.now(UTC).isoformat()
    return [
        {
            "id": f"evt_ref-{number}",
            "type": "order.reserved",
            "created_at": now,
            "org_unit": "OU1",
            "ordering_key": f"order:ref-{number % keys}",
            "sequence": number // keys + 1,
            "data": data,
        }
        for number in range(events)
    ]


async def _reference(
    url: str, bodies: list[dict[str, Any]], concurrency: int
) -> tuple[float, float]:
    queue = iter(bodies)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            for envelope in queue:
                sealed = seal_webhook(
                    webhook_id=envelope["id"],
                    payload=envelope,
                    secret=WEBHOOK_SECRET,
                    encryption_key=ENCRYPTION_KEY,
                    at=datetime.now(UTC),
                )
                answer = await client.post(url, content=sealed.body, headers=sealed.headers)
                answer.raise_for_status()

        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return (
            len(bodies) / (time.perf_counter() - started),
            (time.process_time() - cpu_started) / len(bodies),
        )


def reference_rate(
    receiver: Receiver, bodies: list[dict[str, Any]], concurrency: int
) -> tuple[float, float]:
    """Events per second a plain async httpx loop seals and posts, and its CPU time per event;
    then the receiver forgets them."""
    measured = asyncio.run(_reference(receiver.webhook_url, bodies, concurrency))
    receiver.control("reset", post=True)
    return measured


def wait_for(
    receiver: Receiver, tag: str, events: int, omslink: Omslink, *, limit: float
) -> list[tuple[float, str]]:
    """The backlog's arrivals, once all of them are in (or the time limit is up)."""
    deadline = time.monotonic() + limit
    seen = 0
    while time.monotonic() < deadline:
        for process in omslink.processes:
            process.check_alive()
        # Counting is cheap for the receiver; the list is fetched once it can be complete.
        if receiver.count() >= events:
            arrivals = [a for a in receiver.arrivals() if a[1].startswith(f"evt_{tag}-")]
            seen = len({webhook_id for _, webhook_id in arrivals})
            if seen >= events:
                return arrivals
        time.sleep(0.25)
    raise BenchFailed(f"bench: only {seen} of {events} events of backlog {tag} arrived")


def order_checks(
    arrivals: list[tuple[float, str]], *, tag: str, events: int, keys: int
) -> list[CheckResult]:
    """Every event arrived, and per key the first arrivals came in sequence order."""
    first: dict[str, float] = {}
    for at, webhook_id in arrivals:
        first.setdefault(webhook_id, at)
    by_key: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for webhook_id, at in first.items():
        number = int(webhook_id.rsplit("-", 1)[1])
        by_key[number % keys].append((at, number // keys + 1))
    out_of_order = 0
    for arrived in by_key.values():
        sequences = [sequence for _, sequence in sorted(arrived)]
        out_of_order += sequences != sorted(sequences)
    return [
        CheckResult("every event arrived", len(first) == events, f"{len(first)} of {events}"),
        CheckResult(
            f"per-key order at the receiver ({len(by_key)} keys)",
            out_of_order == 0,
            f"{out_of_order} keys out of order",
        ),
    ]


def _verified(request: dict[str, Any], key: OctKey) -> bool:
    """Verify as `Webhook.verify` does, against the time the request arrived rather than now
    (a backlog takes longer to drain than the library's five-minute tolerance), then decrypt."""
    headers = request["headers"]
    timestamp = int(headers["webhook-timestamp"])
    expected = Webhook(WEBHOOK_SECRET).sign(
        headers["webhook-id"], datetime.fromtimestamp(timestamp, UTC), request["body"]
    )
    envelope = json.loads(jwe.decrypt_compact(request["body"], key).plaintext or b"")
    return (
        abs(request["at"] - timestamp) <= TIMESTAMP_TOLERANCE
        and expected in headers["webhook-signature"].split(" ")
        and envelope["id"] == headers["webhook-id"]
    )


def sample_checks(receiver: Receiver) -> CheckResult:
    """The kept requests verify and decrypt as an OMS would, to the event named by webhook-id."""
    kept = receiver.control("kept")
    key = OctKey.import_key(encryption_key_bytes(ENCRYPTION_KEY))
    bad = 0
    for request in kept:
        try:
            bad += not _verified(request, key)
        except Exception:  # any failure to verify or decrypt is what this check counts
            bad += 1
    return CheckResult(
        f"sample of {len(kept)} requests verifies (standardwebhooks) and decrypts (joserfc)",
        bad == 0 and len(kept) > 0,
        f"{bad} of {len(kept)} failed",
    )


@dataclass(frozen=True)
class Drained:
    rate: float  # events/s at the receiver, first arrival to last
    wall: float  # events/s from the relays' start
    # The relays' CPU time (start-up included) per event: less noisy than a rate on a machine
    # shared with other work, so the figure to compare changes by.
    cpu_per_event: float
    checks: list[CheckResult]


def drain(
    omslink: Omslink,
    receiver: Receiver,
    *,
    tag: str,
    relays: int,
    events: int,
    keys: int,
    data: dict[str, Any],
    limit: float,
) -> Drained:
    """Insert a backlog, start `relays` relays, wait until the receiver has it all."""
    backlog_insert(omslink, tag=tag, events=events, keys=keys, data=data)
    started = time.time()
    processes = [omslink.relay(f"relay-{tag}-{n}") for n in range(relays)]
    arrivals = wait_for(receiver, tag, events, omslink, limit=limit)
    times = sorted(at for at, _ in arrivals)
    rate = events / max(times[-1] - times[0], 1e-6)
    wall = events / (times[-1] - started)
    cpu = sum(process.cpu_seconds() for process in processes)
    for process in processes:
        process.stop()
        omslink.processes.remove(process)
    left = omslink.database.value(
        "SELECT count(*) FROM webhooks_delivery d JOIN webhooks_event e ON e.id = d.event_id "
        "WHERE e.event_id LIKE %s AND d.status <> 'succeeded'",
        [f"evt\\_{tag}-%"],
    )
    checks = [
        *order_checks(arrivals, tag=tag, events=events, keys=keys),
        CheckResult("every delivery recorded as succeeded", left == 0, f"{left} not succeeded"),
    ]
    return Drained(rate, wall, cpu / events, checks)


def commit_to_receipt(
    omslink: Omslink, receiver: Receiver, *, rate: float, seconds: float, data: dict[str, Any]
) -> list[float]:
    """Commit single events at a steady rate to an idle relay; seconds from commit to receipt.

    Each event is its own transaction written as `event_publish` writes it (stream row,
    event, delivery, NOTIFY), so the commit time is known exactly.
    """
    ou = omslink.database.value("SELECT id FROM masters_orgunit WHERE code = 'OU1'")
    relay = omslink.relay("relay-latency")
    # Started (listening for notices), then idle: a slow start must not count as latency.
    deadline = time.monotonic() + 60
    while not omslink.database.value(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = %s",
        [f"LISTEN {RELAY_CHANNEL}"],
    ):
        relay.check_alive()
        if time.monotonic() > deadline:
            raise BenchFailed(f"bench: the relay never started listening:\n{relay.tail()}")
        time.sleep(0.1)
    time.sleep(1)
    committed: dict[str, float] = {}
    count = max(1, int(rate * seconds))
    with omslink.database.connect() as connection:
        next_at = time.monotonic()
        for number in range(count):
            event_id = f"evt_lat-{number}"
            key = f"order:lat-{number}"
            with connection.transaction():
                connection.execute(
                    "INSERT INTO webhooks_eventstream (key, last_sequence) VALUES (%s, 1)", [key]
                )
                event_pk = connection.execute(
                    "INSERT INTO webhooks_event (event_id, type, ordering_key, sequence, data, "
                    "created_at, org_unit_id) VALUES (%s, 'order.reserved', %s, 1, %s, now(), "
                    "%s) RETURNING id",
                    [event_id, key, json.dumps(data), ou],
                ).fetchone()[0]
                connection.execute(
                    "INSERT INTO webhooks_delivery (ordering_key, sequence, status, "
                    "attempt_count, next_attempt_at, last_error, created_at, app_id, event_id, "
                    "claim_token, round_attempts) VALUES (%s, 1, 'pending', 0, now(), '', "
                    "now(), %s, %s, '', 0)",
                    [key, omslink.app_id, event_pk],
                )
                connection.execute("SELECT pg_notify(%s, '')", [RELAY_CHANNEL])
            committed[event_id] = time.time()
            next_at += 1 / rate
            time.sleep(max(0.0, next_at - time.monotonic()))
    arrivals = wait_for(receiver, "lat", count, omslink, limit=60)
    relay.stop()
    omslink.processes.remove(relay)
    first: dict[str, float] = {}
    for at, webhook_id in arrivals:
        first.setdefault(webhook_id, at)
    return [first[event_id] - at for event_id, at in committed.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server to create the scratch DB on")
    parser.add_argument("--short", action="store_true", help="a quick run (under 2 minutes)")
    parser.add_argument("--events", type=int, help="backlog size (default 20,000; short 600)")
    parser.add_argument("--keys", type=int, help="ordering keys (default events / 20)")
    parser.add_argument(
        "--concurrency", type=int, default=64, help="in flight, as `omslink relay` (default 64)"
    )
    parser.add_argument(
        "--reference-events",
        type=int,
        help="events the httpx reference sends (default: the backlog, at most 5,000)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        help="events/s for the latency run (default 50, or half the one-relay drain rate "
        "if that is lower: latency is measured below capacity, not in a queue)",
    )
    args = parser.parse_args()
    events = args.events or (600 if args.short else 20_000)
    keys = args.keys or max(1, events // 20)
    # A rate needs no more: the reference sends a shorter run of the same kind of bodies.
    reference_events = args.reference_events or min(events, 5_000)
    latency_seconds = 3 if args.short else 20
    ensure_wrk()
    say(
        f"# relay bench: postgresql, backlog of {events:,} events over {keys:,} keys, "
        f"{args.concurrency} in flight"
    )
    say(f"load before: {machine_load()}")
    passed = True
    with bench_run("postgresql", args.database_url) as omslink:
        receiver = start_receiver(omslink)
        omslink.set_up(items=10, on_hand=1000, webhook_url=receiver.webhook_url)
        data = sample_order(omslink)
        server = next(p for p in omslink.processes if p.name == "serve")
        server.stop()
        omslink.processes.remove(server)

        sealed = seal_webhook(
            webhook_id="evt_probe",
            payload={"id": "evt_probe", "data": data},
            secret=WEBHOOK_SECRET,
            encryption_key=ENCRYPTION_KEY,
            at=datetime.now(UTC),
        )
        capacity = receiver_capacity(
            receiver, sealed.body, connections=args.concurrency, seconds=2 if args.short else 5
        )
        say(
            f"receiver capacity (wrk, {args.concurrency} connections, "
            f"{len(sealed.body):,}-byte bodies): {capacity:,.0f} requests/s"
        )

        results = []
        for relays in (1, 2):
            tag = f"r{relays}"
            bodies = envelopes(events=reference_events, keys=keys, data=data)
            reference, reference_cpu = reference_rate(receiver, bodies, args.concurrency * relays)
            drained = drain(
                omslink,
                receiver,
                tag=tag,
                relays=relays,
                events=events,
                keys=keys,
                data=data,
                limit=max(600, events / 5),  # even at 5 events/s, a loaded machine's pace
            )
            say(
                f"{relays} relay(s): {drained.rate:,.0f} events/s at the receiver "
                f"({drained.wall:,.0f}/s including start-up, "
                f"{ms(drained.cpu_per_event)} CPU per event); httpx reference at "
                f"{args.concurrency * relays} in flight: {reference:,.0f}/s, "
                f"{ms(reference_cpu)} CPU per event"
            )
            checks = [*drained.checks, sample_checks(receiver)]
            passed &= report_checks(checks, label=f"{relays} relay(s)")
            results.append((relays, drained, reference, reference_cpu))
            receiver.control("reset", post=True)

        latency_rate = args.rate or min(50.0, max(1.0, round(results[0][1].rate / 2)))
        latencies = commit_to_receipt(
            omslink, receiver, rate=latency_rate, seconds=latency_seconds, data=data
        )
    say(f"load after: {machine_load()}")
    say()
    rows: list[list[Any]] = [["receiver's own capacity (wrk)", f"{capacity:,.0f} req/s", "", ""]]
    for relays, drained, reference, reference_cpu in results:
        rows.append(
            [
                f"drain {events:,} events, {relays} relay{'s' if relays > 1 else ''} "
                f"(with start-up: {drained.wall:,.0f}/s)",
                f"{drained.rate:,.0f} events/s, {ms(drained.cpu_per_event)} CPU/event",
                f"{reference:,.0f} events/s, {ms(reference_cpu)} CPU/event (httpx, "
                f"{args.concurrency * relays} in flight, {reference_events:,} events)",
                f"{drained.rate / reference:.0%}",
            ]
        )
    rows.append(
        [
            f"commit to receipt, {latency_rate:g} events/s for {latency_seconds} s, 1 relay",
            f"p50 {ms(percentile(latencies, 0.5))}, p95 {ms(percentile(latencies, 0.95))}, "
            f"max {ms(max(latencies))}",
            "",
            "",
        ]
    )
    say(table(["measure", "omslink", "reference", "ratio"], rows))
    say()
    finish(passed)


if __name__ == "__main__":
    main()
