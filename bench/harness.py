"""What every bench shares: a scratch database, omslink's own processes, a set-up made through
the public API, the correctness checks run after each load, and the printed tables.

The benches treat omslink as a user does: `omslink migrate`, `omslink serve`, `omslink relay`
and `omslink stock check` run as subprocesses with their defaults, and the data a bench needs
is created through the HTTP API with real tokens. Only bulk data (backlogs, a million orders)
is written straight into the tables, as a data migration would.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# The webhook secret and encryption key of the bench's OMS app (as an OMS would choose them).
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENCRYPTION_KEY = "q2Vw5u0tGg3bKpYQ0cJQ3mNnVqYw2rj7bq3m8bWk0eQ"
PASSWORD = "bench-password-1"  # a throw-away user in a throw-away database


def say(text: str = "") -> None:
    print(text, flush=True)


def machine_load() -> str:
    """The load average as `uptime` prints it: the machine is shared, so every run notes it."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of already collected samples."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds: float) -> str:
    """A duration for a table: milliseconds, or seconds once it is long."""
    if seconds != seconds:  # NaN: nothing measured
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table, so a run's output can be pasted into docs/benchmarks.md as it is."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ensure_wrk() -> str:
    """Debian's wrk, installed with apt-get the first time a bench needs it."""
    found = shutil.which("wrk")
    if found:
        return found
    say("installing Debian's wrk (the HTTP load generator) ...")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: wrk is still missing after apt-get install wrk")
    return found


class BenchFailed(SystemExit):
    """A correctness check failed: the bench exits non-zero after printing why."""


@dataclass
class Database:
    """A scratch database that exists for one bench run: PostgreSQL or a SQLite file."""

    vendor: str
    url: str
    admin_url: str = ""
    name: str = ""
    kept: bool = False

    @classmethod
    def create(
        cls, vendor: str, admin_url: str | None, scratch: Path, *, keep: str | None = None
    ) -> Database:
        """A fresh scratch database, or with `keep` the PostgreSQL database of that name,
        never dropped and reused when an earlier run finished setting it up (`remember`), so
        that a slow set-up is paid once."""
        if vendor == "sqlite":
            return cls("sqlite", f"sqlite:///{scratch / 'bench.sqlite3'}")
        admin = admin_url or os.environ.get("OMSLINK_BENCH_DATABASE_URL") or DEFAULT_ADMIN_URL
        name = keep or f"omslink_bench_{os.getpid()}"
        url = urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
        database = cls("postgresql", url, admin, name, kept=bool(keep))
        if keep and database.finished_set_up():
            return database
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        return database

    def finished_set_up(self) -> bool:
        with contextlib.suppress(psycopg.OperationalError), self.connect() as connection:
            found = connection.execute("SELECT to_regclass('bench_kept')").fetchone()
            return found[0] is not None
        return False

    def drop(self) -> None:
        if self.vendor != "postgresql" or self.kept:
            return
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @property
    def sqlite_path(self) -> str:
        return self.url.removeprefix("sqlite:///")

    def connect(self) -> Any:
        """A DB-API connection in autocommit mode (each bench statement commits alone)."""
        if self.vendor == "postgresql":
            return psycopg.connect(self.url, autocommit=True)
        connection = sqlite3.connect(self.sqlite_path, timeout=60, isolation_level=None)
        # The pragmas omslink's own SQLite connections use.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.vendor == "sqlite":
            sql = sql.replace("%s", "?")
        connection = self.connect()
        try:
            return list(connection.execute(sql, params).fetchall())
        finally:
            connection.close()

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.rows(sql, params)[0][0]


@dataclass
class Process:
    """A child process whose output goes to a log file, shown only if it fails."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far (Linux's /proc)."""
        stat = Path(f"/proc/{self.popen.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, from field 3 on
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            raise BenchFailed(f"bench: {self.name} exited early:\n{self.tail()}")

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@dataclass
class Omslink:
    """omslink's processes against one scratch database, and a client of its public API."""

    database: Database
    scratch: Path
    processes: list[Process] = field(default_factory=list)
    url: str = ""
    token: str = ""
    partner_key: str = ""
    app_id: int = 0

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database.url,
            "OMSLINK_DATA_DIR": str(self.scratch / "data"),
            "OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS": "1",
            # Off, so that a bench can never measure the per-token API rate limit instead of
            # the server (its default, 1,000/s per process, is above what a process serves).
            "OMSLINK_API_RATE_LIMIT": "0",
            "OMSLINK_LOG_LEVEL": "WARNING",
        }

    def command(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "omslink"), *args], env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise BenchFailed(f"bench: omslink {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def start(self, name: str, args: Sequence[str], *, python_module: bool = False) -> Process:
        log = self.scratch / f"{name}.log"
        program = [sys.executable, "-m", *args] if python_module else [str(BIN / "omslink"), *args]
        popen = subprocess.Popen(
            program,
            env=self.env,
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def serve(self) -> Process:
        """`omslink serve` with its defaults (workers and threads), on a free port."""
        port = free_port()
        server = self.start("serve", ["serve", "--port", str(port)])
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            server.check_alive()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return server
            if time.monotonic() > deadline:
                raise BenchFailed(f"bench: omslink serve did not answer:\n{server.tail()}")
            time.sleep(0.2)

    def relay(self, name: str = "relay") -> Process:
        return self.start(name, ["relay"])

    def api(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/api/v1",
            headers={"Authorization": f"Bearer {token or self.token}"},
            timeout=60,
        )

    def set_up(self, *, items: int, on_hand: int, webhook_url: str, hot_receipts: int = 0) -> None:
        """Migrate, then create a user, an OU with its online site, items, stock, an API key
        and an enabled OMS app through the API, as an administrator would.

        Each item gets `on_hand` units (at most 10,000, a receipt line's limit), and SKU 1
        another 5,000,000 per hot receipt.
        """
        self.command("migrate")
        self.command("user", "create", "bench", "--password", PASSWORD, "--role", "Administrator")
        self.token = self.command("token", "create", "bench").strip().splitlines()[-1]
        self.serve()
        with self.api() as api:
            expect(
                api.post(
                    "/org-units",
                    json={
                        "code": "OU1",
                        "name": "Bench Brand",
                        "gstin": "29ABCDE1234F1Z5",
                        "state_code": "KA",
                    },
                ),
                201,
            )
            expect(
                api.post(
                    "/sites",
                    json={
                        "code": "WH1",
                        "name": "Online",
                        "org_unit": "OU1",
                        "online_fulfilment": True,
                    },
                ),
                201,
            )
            expect(
                api.post(
                    "/items",
                    json=[
                        {
                            "sku": sku(number),
                            "name": f"Bench item {number}",
                            "hsn_code": "6109",
                            "gst_rate": "5.00",
                            "mrp": "999.00",
                            "bin": f"A-{number:05d}",
                        }
                        for number in range(1, items + 1)
                    ],
                ),
                201,
            )
            for first in range(1, items + 1, 500):  # a receipt takes up to 500 lines
                expect(
                    api.post(
                        "/stock/receipts",
                        json={
                            "site": "WH1",
                            "reference": "bench opening stock",
                            "lines": [
                                {"sku": sku(number), "quantity": on_hand}
                                for number in range(first, min(first + 500, items + 1))
                            ],
                        },
                    ),
                    201,
                )
            for _ in range(hot_receipts):  # the hot SKU 1 needs more than a line may carry
                expect(
                    api.post(
                        "/stock/receipts",
                        json={
                            "site": "WH1",
                            "reference": "bench stock for the hot SKU",
                            "lines": [{"sku": sku(1), "quantity": 10_000}] * 500,
                        },
                    ),
                    201,
                )
            self.partner_key = expect(api.post("/api-keys", json={"org_unit": "OU1"}), 201)["key"]
            self.app_id = expect(
                api.post(
                    "/oms-apps",
                    json={
                        "name": "Bench OMS",
                        "org_unit": "OU1",
                        "webhook_url": webhook_url,
                        "webhook_secret": WEBHOOK_SECRET,
                        "encryption_key": ENCRYPTION_KEY,
                        "api_url": self.url,
                        "api_key": self.partner_key,
                    },
                ),
                201,
            )["id"]

    def remember(self, **facts: int) -> None:
        """Note the set-up's credentials and `facts` in a kept database, for `resume`."""
        with self.database.connect() as connection:
            connection.execute(
                "CREATE TABLE bench_kept (token text, partner_key text, app_id bigint, facts jsonb)"
            )
            connection.execute(
                "INSERT INTO bench_kept VALUES (%s, %s, %s, %s)",
                [self.token, self.partner_key, self.app_id, json.dumps(facts)],
            )

    def resume(self) -> dict[str, int] | None:
        """Serve a kept database set up by an earlier run: its `remember`ed facts, or None
        when it holds no finished set-up. Migrations the code gained since then are applied,
        as an upgrade would."""
        if not self.database.finished_set_up():
            return None
        with self.database.connect() as connection:
            token, partner_key, app_id, facts = connection.execute(
                "SELECT token, partner_key, app_id, facts FROM bench_kept"
            ).fetchone()
        self.command("migrate")
        self.token, self.partner_key, self.app_id = token, partner_key, app_id
        self.serve()
        return dict(facts)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


def sku(number: int) -> str:
    """SKU n of the bench's catalogue: SQL builds the same text as 'SKU-' || n."""
    return f"SKU-{number}"


def expect(answer: httpx.Response, status: int) -> Any:
    if answer.status_code != status:
        raise BenchFailed(
            f"bench: {answer.request.method} {answer.request.url.path} answered "
            f"{answer.status_code}, expected {status}: {answer.text[:500]}"
        )
    return answer.json()


@contextlib.contextmanager
def bench_run(vendor: str, admin_url: str | None, *, keep: str | None = None) -> Iterator[Omslink]:
    """A scratch database and directory, torn down however the bench ends (a database kept
    by name stays)."""
    scratch = Path(tempfile.mkdtemp(prefix="omslink-bench-"))
    database = Database.create(vendor, admin_url, scratch, keep=keep)
    omslink = Omslink(database, scratch)
    try:
        yield omslink
    except BaseException:
        for process in omslink.processes:
            if process.popen.poll() is not None and process.popen.returncode not in (0, -15):
                say(f"--- {process.name} log ---\n{process.tail()}")
        raise
    finally:
        omslink.stop_all()
        with contextlib.suppress(psycopg.Error):
            database.drop()
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str


def wait_until_quiet(database: Database, *, limit: float = 15) -> None:
    """Wait for requests still in flight when the load stopped to finish, so that the orders
    stored can be compared with the 201 answers counted."""
    deadline = time.monotonic() + limit
    before = None
    while time.monotonic() < deadline:
        now = database.value("SELECT count(*) FROM inventory_stockmove")
        if now == before:
            return
        before = now
        time.sleep(0.5)


def stock_checks(omslink: Omslink, *, accepted_orders: int | None) -> list[CheckResult]:
    """`omslink stock check` passing, at once while the last requests may still commit (it
    reads balances and ledger in one snapshot); then, at rest, nothing oversold (CONTRACT
    §6.1), every reservation backed by a stored order and every accepted order stored."""
    database = omslink.database
    done = subprocess.run(
        [str(BIN / "omslink"), "stock", "check"],
        env=omslink.env,
        capture_output=True,
        text=True,
    )
    stock_check = CheckResult(
        "omslink stock check",
        done.returncode == 0,
        (done.stdout + done.stderr).strip().splitlines()[-1] if done.stdout else done.stderr,
    )
    wait_until_quiet(database)
    oversold = database.value(
        "SELECT count(*) FROM inventory_stockbalance "
        "WHERE reserved < 0 OR allocated < 0 OR reserved + allocated > on_hand"
    )
    unbacked = database.value(
        "SELECT count(*) FROM inventory_stockbalance b LEFT JOIN ("
        "  SELECT o.site_id, l.item_id, sum(l.quantity) AS held FROM orders_orderline l"
        "  JOIN orders_order o ON o.id = l.order_id WHERE o.status = 'reserved'"
        "  GROUP BY o.site_id, l.item_id) h ON h.site_id = b.site_id AND h.item_id = b.item_id "
        "WHERE b.reserved <> coalesce(h.held, 0)"
    )
    results = [
        CheckResult(
            "nothing oversold (0 <= reserved, allocated; reserved + allocated <= on_hand)",
            oversold == 0,
            f"{oversold} balances break §6.1",
        ),
        CheckResult(
            "reserved = units on stored reserved orders, per balance",
            unbacked == 0,
            f"{unbacked} balances differ",
        ),
    ]
    if accepted_orders is not None:
        stored = database.value("SELECT count(*) FROM orders_order")
        results.append(
            CheckResult(
                "orders stored = 201 answers",
                stored == accepted_orders,
                f"{stored} stored, {accepted_orders} answered 201",
            )
        )
    results.append(stock_check)
    return results


def report_checks(results: Sequence[CheckResult], *, label: str) -> bool:
    """Print each check as `check ... ok|FAILED`; the smoke test reads these lines."""
    for result in results:
        verdict = "ok" if result.passed else f"FAILED ({result.detail})"
        say(f"check [{label}] {result.name}: {verdict}")
    return all(result.passed for result in results)


def finish(all_passed: bool) -> None:
    if not all_passed:
        raise BenchFailed("bench: a correctness check FAILED (see above)")
    say("all correctness checks passed")


def json_line(text: str, marker: str) -> dict[str, Any]:
    """The JSON object a tool printed on the line starting with `marker`."""
    for line in text.splitlines():
        if line.startswith(marker):
            return dict(json.loads(line[len(marker) :]))
    raise BenchFailed(f"bench: no {marker!r} line in:\n{text[-2000:]}")


@dataclass
class Receiver:
    """bench/receiver.py running in its own process."""

    process: Process
    url: str

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhooks"

    def control(self, path: str, *, post: bool = False) -> Any:
        answer = httpx.request("POST" if post else "GET", f"{self.url}/_bench/{path}", timeout=60)
        answer.raise_for_status()
        return answer.json()

    def arrivals(self, start: int = 0) -> list[tuple[float, str]]:
        return [
            (float(at), str(webhook_id))
            for at, webhook_id in self.control(f"arrivals?from={start}")
        ]

    def count(self) -> int:
        return int(self.control("count")["count"])


def start_receiver(omslink: Omslink) -> Receiver:
    port = free_port()
    process = omslink.start("receiver", ["bench.receiver", "--port", str(port)], python_module=True)
    receiver = Receiver(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    while True:
        process.check_alive()
        with contextlib.suppress(httpx.HTTPError):
            receiver.count()
            return receiver
        if time.monotonic() > deadline:
            raise BenchFailed(f"bench: the receiver did not start:\n{process.tail()}")
        time.sleep(0.1)
