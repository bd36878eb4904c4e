"""Order intake through the real HTTP server, against the same SQL driven with no HTTP or Django.

Run: `./bench/run intake [--database postgres|sqlite] [--short]` (see docs/benchmarks.md).

omslink side: `omslink serve` and `omslink relay` run as subprocesses with their defaults on a
scratch database (PostgreSQL `omslink_bench_<pid>`, dropped afterwards, or a SQLite file); the
relay delivers every event, encrypted and signed, to bench/receiver.py in another process.
wrk (C, one thread, event loop) pushes two-line orders with unique external ids, spread over
the catalogue or always on one hot SKU plus one other, at each client count in turn.

Reference: the SQL an intake needs, with nothing else: two item look-ups, the two balance
rows locked in id order and moved, the order, its two lines, two ledger rows, the event's
stream row, the event and its delivery, one transaction each. On PostgreSQL pgbench drives it
(C, prepared statements); on SQLite Python threads do (sqlite3 releases the GIL while it works).

After every run: nothing oversold, every reservation backed by stored orders, stored orders
match the 201s, and `omslink stock check` passes. Timings depend on the machine and its load
(printed with `uptime` before and after); the checks must always pass.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import cpu_profile
from bench.harness import (
    ROOT,
    BenchFailed,
    CheckResult,
    Database,
    Omslink,
    bench_run,
    ensure_wrk,
    finish,
    json_line,
    machine_load,
    ms,
    percentile,
    report_checks,
    say,
    start_receiver,
    stock_checks,
    table,
)

LUA = Path(__file__).with_name("intake.lua")
MIXES = ("spread", "hot")
# Stock never runs out: the bench measures intake, not refusals.
ON_HAND = 10_000
HOT_RECEIPTS = 1


@dataclass(frozen=True)
class Result:
    """One load run: throughput and latency of accepted orders."""

    per_second: float
    p50: float  # seconds
    p99: float
    errors: str = "0"


def wrk_run(
    omslink: Omslink, *, mix: str, clients: int, seconds: float, items: int, run: str
) -> tuple[Result, dict[str, Any]]:
    done = subprocess.run(
        [
            ensure_wrk(),
            "-t1",
            f"-c{clients}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "2s",
            "-s",
            str(LUA),
            omslink.url,
            "--",
            omslink.partner_key,
            run,
            str(items),
            "1" if mix == "hot" else "0",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchFailed(f"bench: wrk failed:\n{done.stdout}\n{done.stderr}")
    stats = json_line(done.stdout, "WRK_JSON ")
    seconds_taken = stats["duration_us"] / 1e6
    failures = stats["other"] + stats["connect"] + stats["read"] + stats["write"]
    errors = f"{failures}" + (f" ({stats['timeouts']} timeouts)" if stats["timeouts"] else "")
    if stats["other"]:
        errors += f" e.g. {stats['other_sample'][:80]}"
    return (
        Result(
            stats["created"] / seconds_taken,
            stats["p50_us"] / 1e6,
            stats["p99_us"] / 1e6,
            errors,
        ),
        stats,
    )


# The reference transaction, in pgbench's syntax (`:name` parameters mean the same to sqlite3),
# each statement with the variable its one result sets, if any. pgbench reads `:word` even
# inside quotes, hence 'order:' || 'REF-'.
REFERENCE_SQL = [
    ("SELECT id AS ia FROM masters_item WHERE sku = 'SKU-' || CAST(:a AS TEXT)", "ia"),
    ("SELECT id AS ib FROM masters_item WHERE sku = 'SKU-' || CAST(:b AS TEXT)", "ib"),
    (
        "SELECT id FROM inventory_stockbalance WHERE site_id = :site AND item_id IN (:ia, :ib) "
        "ORDER BY id FOR UPDATE",
        None,
    ),
    (
        "UPDATE inventory_stockbalance SET reserved = reserved + 1 "
        "WHERE site_id = :site AND item_id IN (:ia, :ib)",
        None,
    ),
    (
        "INSERT INTO orders_order (external_order_id, body_hash, marketplace, "
        "marketplace_order_id, ordered_at, payment_mode, customer, shipping_address, "
        "billing_gstin, shipping_charge, cod_charge, status, courier, awb, cancelled_by, "
        "cancel_reason, created_at, updated_at, app_id, org_unit_id, site_id) VALUES ("
        "'REF-' || UNIQUE_NUMBER, '{hash}', 'AMAZON', '402-1234567-1234567', CURRENT_TIMESTAMP, "
        "'COD', '{customer}', '{address}', '', 0, 0, 'reserved', '', '', '', '', "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :app, :ou, :site) RETURNING id AS order_id",
        "order_id",
    ),
    (
        "INSERT INTO orders_orderline (position, line_id, quantity, unit_price, discount, "
        "item_id, order_id) VALUES (1, '1', 1, 499.00, 0, :ia, :order_id), "
        "(2, '2', 1, 499.00, 0, :ib, :order_id)",
        None,
    ),
    (
        "INSERT INTO inventory_stockmove (kind, on_hand_delta, reserved_delta, allocated_delta, "
        "reference, created_at, item_id, site_id) VALUES "
        "('reserve', 0, 1, 0, 'SO-' || CAST(:order_id AS TEXT), CURRENT_TIMESTAMP, :ia, :site), "
        "('reserve', 0, 1, 0, 'SO-' || CAST(:order_id AS TEXT), CURRENT_TIMESTAMP, :ib, :site)",
        None,
    ),
    (
        "INSERT INTO webhooks_eventstream (key, last_sequence) "
        "VALUES ('order:' || 'REF-' || CAST(:order_id AS TEXT), 1)",
        None,
    ),
    (
        "INSERT INTO webhooks_event (event_id, type, ordering_key, sequence, data, created_at, "
        "org_unit_id) VALUES ('evt_ref' || CAST(:order_id AS TEXT), 'order.reserved', "
        "'order:' || 'REF-' || CAST(:order_id AS TEXT), 1, '{event}', CURRENT_TIMESTAMP, :ou) "
        "RETURNING id AS event_id",
        "event_id",
    ),
    (
        "INSERT INTO webhooks_delivery (ordering_key, sequence, status, attempt_count, "
        "next_attempt_at, last_error, created_at, app_id, event_id, claim_token, "
        "round_attempts) VALUES ('order:' || 'REF-' || CAST(:order_id AS TEXT), 1, 'pending', 0, "
        "CURRENT_TIMESTAMP, '', CURRENT_TIMESTAMP, :app, :event_id, '', 0)",
        None,
    ),
]


# Unique external ids for the SQLite reference's orders, across its runs.
_REFERENCE_NUMBERS = itertools.count(1)


def _quoted(value: Any) -> str:
    """JSON as an SQL literal. pgbench would take `:15` in "10:15:00" for a variable, so a
    colon inside a string is written as the JSON escape \\u003a (the same value once parsed)."""
    text = json.dumps(
        json.loads(value) if isinstance(value, str) else value, separators=(", ", ": ")
    )
    return re.sub(r":(?=\w)", r"\\u003a", text).replace("'", "''")


@dataclass(frozen=True)
class Reference:
    """What the reference transaction inserts, taken from what omslink itself stored."""

    database: Database
    ids: dict[str, int]
    texts: dict[str, str]
    items: int

    @classmethod
    def of(cls, database: Database, items: int) -> Reference:
        site, ou = database.rows("SELECT id, org_unit_id FROM masters_site WHERE code = 'WH1'")[0]
        app = database.value("SELECT id FROM connected_apps_omsapp")
        order = database.rows(
            "SELECT body_hash, customer, shipping_address FROM orders_order ORDER BY id LIMIT 1"
        )[0]
        event = database.value(
            "SELECT data FROM webhooks_event WHERE type = 'order.reserved' ORDER BY id LIMIT 1"
        )

        return cls(
            database,
            {"site": site, "ou": ou, "app": app},
            {
                "hash": order[0],
                "customer": _quoted(order[1]),
                "address": _quoted(order[2]),
                "event": _quoted(event),
            },
            items,
        )

    def statements(self, unique_number: str) -> list[tuple[str, str | None]]:
        return [
            (sql.replace("UNIQUE_NUMBER", unique_number).format(**self.texts), result)
            for sql, result in REFERENCE_SQL
        ]

    def run(self, *, mix: str, clients: int, seconds: float, scratch: Path) -> Result:
        if self.database.vendor == "postgresql":
            return self._pgbench(mix=mix, clients=clients, seconds=seconds, scratch=scratch)
        return self._threads(mix=mix, clients=clients, seconds=seconds)

    def _pgbench(self, *, mix: str, clients: int, seconds: float, scratch: Path) -> Result:
        if mix == "hot":
            choose = f"\\set a 1\n\\set b random(2, {self.items})\n"
        else:  # b is any SKU but a
            choose = (
                f"\\set a random(1, {self.items})\n"
                f"\\set b 1 + (:a + random(0, {self.items - 2})) % {self.items}\n"
            )
        ids = "".join(f"\\set {name} {value}\n" for name, value in self.ids.items())
        body = "".join(
            sql + (" \\gset\n" if result else ";\n")
            for sql, result in self.statements("txid_current()")
        )
        script = scratch / f"reference-{mix}.sql"
        script.write_text(ids + choose + "BEGIN;\n" + body + "END;\n")
        log_prefix = scratch / f"pgbench-{mix}-{clients}"
        done = subprocess.run(
            [
                "pgbench",
                "-n",
                "-M",
                "prepared",
                "-c",
                str(clients),
                "-j",
                "1",
                "-T",
                str(max(1, round(seconds))),
                "-f",
                str(script),
                "-l",
                "--log-prefix",
                str(log_prefix),
                self.database.url,
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BenchFailed(f"bench: pgbench failed:\n{done.stdout}\n{done.stderr}")
        tps = next(
            float(line.split()[2]) for line in done.stdout.splitlines() if line.startswith("tps = ")
        )
        latencies = [
            int(line.split()[2]) / 1e6
            for log in scratch.glob(f"{log_prefix.name}.*")
            for line in log.read_text().splitlines()
        ]
        return Result(tps, percentile(latencies, 0.5), percentile(latencies, 0.99))

    def _threads(self, *, mix: str, clients: int, seconds: float) -> Result:
        statements = [(sql.replace(" FOR UPDATE", ""), gset) for sql, gset in self.statements(":n")]
        lock = threading.Lock()
        latencies: list[float] = []
        deadline = time.monotonic() + seconds
        failures: list[BaseException] = []

        def client() -> None:
            connection = self.database.connect()
            own: list[float] = []
            try:
                while time.monotonic() < deadline:
                    with lock:
                        number = next(_REFERENCE_NUMBERS)
                    a = 1 if mix == "hot" else random.randint(1, self.items)
                    b = random.randint(1, self.items - 1)
                    b += b >= a  # any SKU but a
                    values: dict[str, Any] = {**self.ids, "a": a, "b": b, "n": number}
                    started = time.perf_counter()
                    connection.execute("BEGIN IMMEDIATE")
                    for sql, result in statements:
                        row = connection.execute(sql, values).fetchone()
                        if result:
                            values[result] = row[0]
                    connection.execute("COMMIT")
                    own.append(time.perf_counter() - started)
            except BaseException as exc:
                failures.append(exc)
            finally:
                connection.close()
                with lock:
                    latencies.extend(own)

        started = time.monotonic()
        workers = [threading.Thread(target=client) for _ in range(clients)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if failures:
            raise BenchFailed(f"bench: the SQLite reference failed: {failures[0]!r}")
        elapsed = time.monotonic() - started
        return Result(
            len(latencies) / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99)
        )


def _plot(path: Path, clients: list[int], results: dict[tuple[str, str, int], Result]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("no plot: matplotlib is in the bench extra (./bench/run installs it)")
        return
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for side, name, line, alpha in (
        ("omslink", "omslink", "-", 1.0),
        ("reference", "database alone", "--", 0.6),
    ):
        for mix, marker in (("spread", "o"), ("hot", "s")):
            runs = [results[side, mix, n] for n in clients]
            style = {"label": f"{name}, {mix}", "alpha": alpha}
            left.plot(clients, [run.per_second for run in runs], marker + line, **style)
            right.plot(clients, [run.p99 * 1000 for run in runs], marker + line, **style)
    for axis, title in (
        (left, "orders per second (higher is better)"),
        (right, "p99 latency, ms (lower is better)"),
    ):
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xticks(clients, [str(n) for n in clients])
        axis.set_xlabel("clients")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    figure.suptitle("omslink intake through HTTP vs the same SQL alone")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    say(f"plot written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--database-url", help="PostgreSQL server to create the scratch DB on")
    parser.add_argument("--short", action="store_true", help="a quick run (under 2 minutes)")
    parser.add_argument("--seconds", type=float, help="each load run (default 15, short 2)")
    parser.add_argument("--clients", default="1,4,16,64")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy every server worker during the spread run at 16 clients, and summarise",
    )
    parser.add_argument(
        "--plot", help="PNG to write (default docs/bench-intake[-sqlite].png; 'none' for none)"
    )
    args = parser.parse_args()
    seconds = args.seconds or (2.0 if args.short else 15.0)
    clients = [int(n) for n in args.clients.split(",")]
    vendor = "postgresql" if args.database == "postgres" else "sqlite"
    plot = args.plot or (
        "none"
        if args.short
        else f"docs/bench-intake{'' if vendor == 'postgresql' else '-sqlite'}.png"
    )
    ensure_wrk()
    say(f"# intake bench: {vendor}, {args.items} SKUs, {seconds:g} s per run, clients {clients}")
    say(f"load before: {machine_load()}")
    results: dict[tuple[str, str, int], Result] = {}
    profile_summary = "no profile: 16 clients were not among --clients"
    backlog: dict[tuple[str, int], int] = {}
    passed = True
    with bench_run(vendor, args.database_url) as omslink:
        receiver = start_receiver(omslink)
        omslink.set_up(
            items=args.items,
            on_hand=ON_HAND,
            webhook_url=receiver.webhook_url,
            hot_receipts=HOT_RECEIPTS,
        )
        omslink.relay()
        say("omslink serve (defaults: 2 workers x 16 threads), omslink relay, receiver: running")
        wrk_run(
            omslink,
            mix="spread",
            clients=4,
            seconds=min(seconds, 3),
            items=args.items,
            run="warmup",
        )
        accepted = omslink.database.value("SELECT count(*) FROM orders_order")
        unanswered = 4  # the warm-up's clients
        for mix in MIXES:
            for count in clients:
                profiling = []
                if args.profile and mix == "spread" and count == 16:
                    server = next(p for p in omslink.processes if p.name == "serve")
                    profiling = cpu_profile.record(
                        cpu_profile.worker_pids(server.popen.pid),
                        max(1, round(seconds) - 1),
                        omslink.scratch,
                    )
                result, stats = wrk_run(
                    omslink,
                    mix=mix,
                    clients=count,
                    seconds=seconds,
                    items=args.items,
                    run=f"{mix}{count}",
                )
                results["omslink", mix, count] = result
                for spy in profiling:
                    spy.wait(60)
                if profiling:
                    profile_summary = cpu_profile.summarise(omslink.scratch)
                accepted += stats["created"]
                # Requests still in flight when wrk stops, or timed out, may have been stored.
                unanswered += count + stats["timeouts"]
                backlog[mix, count] = omslink.database.value(
                    "SELECT count(*) FROM webhooks_delivery WHERE status = 'pending'"
                )
                say(
                    f"omslink {mix:6} {count:3} clients: {result.per_second:7.0f} orders/s, "
                    f"p50 {ms(result.p50)}, p99 {ms(result.p99)}, errors {result.errors}, "
                    f"relay backlog {backlog[mix, count]}"
                )
                checks = stock_checks(omslink, accepted_orders=None)
                stored = omslink.database.value("SELECT count(*) FROM orders_order")
                # An order whose answer timed out may still have been stored.
                checks.append(
                    CheckResult(
                        "orders stored = 201 answers (+ requests cut off or timed out)",
                        accepted <= stored <= accepted + unanswered,
                        f"{stored} stored, {accepted} answered 201, {unanswered} unanswered",
                    )
                )
                passed &= report_checks(checks, label=f"omslink {mix} {count}")
        omslink.stop_all()
        reference = Reference.of(omslink.database, args.items)
        for mix in MIXES:
            for count in clients:
                result = reference.run(
                    mix=mix, clients=count, seconds=seconds, scratch=omslink.scratch
                )
                results["reference", mix, count] = result
                say(
                    f"reference {mix:6} {count:3} clients: {result.per_second:7.0f} tps, "
                    f"p50 {ms(result.p50)}, p99 {ms(result.p99)}"
                )
        passed &= report_checks(
            stock_checks(omslink, accepted_orders=None), label="after the reference"
        )
    say(f"load after: {machine_load()}")
    say()
    rows = []
    for mix in MIXES:
        for count in clients:
            ours, ref = results["omslink", mix, count], results["reference", mix, count]
            rows.append(
                [
                    "spread over 1,000 SKUs" if mix == "spread" and args.items == 1000 else mix,
                    count,
                    f"{ours.per_second:,.0f}",
                    ms(ours.p50),
                    ms(ours.p99),
                    ours.errors,
                    backlog[mix, count],
                    f"{ref.per_second:,.0f}",
                    ms(ref.p50),
                    ms(ref.p99),
                    f"{ours.per_second / ref.per_second:.0%}" if ref.per_second else "-",
                ]
            )
    say(
        table(
            [
                "mix",
                "clients",
                "omslink orders/s",
                "p50",
                "p99",
                "errors",
                "relay backlog after",
                "database alone (tps)",
                "ref p50",
                "ref p99",
                "ratio",
            ],
            rows,
        )
    )
    say()
    if args.profile:
        say(
            "where the time goes: py-spy --gil on every server worker, spread, 16 clients, "
            "relay running"
        )
        say(profile_summary)
        say()
    if plot != "none":
        _plot(ROOT / plot, clients, results)
    finish(passed)


if __name__ == "__main__":
    main()
