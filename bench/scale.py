"""Reads at scale: a million orders, then the queries staff and the OMS make all day.

Run: `./bench/run scale [--short] [--orders N] [--keep NAME]` (PostgreSQL; see
docs/benchmarks.md).

The set-up goes through the API as in the other benches; then N orders (two lines each, a
realistic spread of statuses, newest last), one event and one delivery per order (1 % failed
with an attempt, 1 % pending) are generated inside PostgreSQL with INSERT … SELECT over
generate_series, and VACUUM ANALYZE runs, as autovacuum would after such a load.

Each query goes through `omslink serve` (its defaults) with real credentials, one request at
a time, so the figures are latency, not throughput: the staff order list filtered by status
and site (first pages and following cursors), order detail, the stock query for two SKUs, the
partner's order lookup by its external id, the deliveries API and the deliveries page (a
signed-in session). Reference: the SQL each answer needs at minimum, straight from psycopg.
Checks: every answer is 200, and each list holds only what its filters ask for.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.harness import (
    PASSWORD,
    CheckResult,
    Omslink,
    bench_run,
    finish,
    machine_load,
    ms,
    percentile,
    report_checks,
    say,
    start_receiver,
    table,
)

STATUSES = ("reserved", "picklist_created", "picked", "invoiced", "shipped", "cancelled")
# Out of every 20 orders: mostly shipped, a working day's worth still in the warehouse.
# (Every statement below takes parameters, so a literal % is written %%.)
STATUS_OF_TWENTIETH = (
    "CASE WHEN g %% 20 < 14 THEN 'shipped' WHEN g %% 20 < 16 THEN 'reserved' "
    "WHEN g %% 20 = 16 THEN 'picklist_created' WHEN g %% 20 = 17 THEN 'picked' "
    "WHEN g %% 20 = 18 THEN 'invoiced' ELSE 'cancelled' END"
)


def generate(omslink: Omslink, orders: int) -> float:
    """Bulk-insert `orders` orders with lines, events and deliveries; return the seconds taken."""
    started = time.perf_counter()
    database = omslink.database
    site, ou = database.rows("SELECT id, org_unit_id FROM masters_site WHERE code = 'WH1'")[0]
    values = {"n": orders, "site": site, "ou": ou, "app": omslink.app_id}
    with database.connect() as connection:
        connection.execute(
            "INSERT INTO orders_order (external_order_id, body_hash, marketplace, "
            "marketplace_order_id, ordered_at, payment_mode, customer, shipping_address, "
            "billing_gstin, shipping_charge, cod_charge, status, courier, awb, cancelled_by, "
            "cancel_reason, created_at, updated_at, app_id, org_unit_id, site_id) "
            "SELECT 'BULK-' || g, md5(g::text), 'AMAZON', '402-' || g, "
            "now() - make_interval(secs => %(n)s - g), "
            "CASE WHEN g %% 3 = 0 THEN 'PREPAID' ELSE 'COD' END, "
            '\'{"name": "Asha Rao", "phone": "+919800000000", '
            '"email": "asha@example.com"}\', '
            '\'{"line1": "12 MG Road", "line2": "", "city": "Bengaluru", '
            '"state_code": "KA", "pincode": "560001", "country": "IN"}\', '
            f"'', 0, 0, {STATUS_OF_TWENTIETH}, '', '', '', '', "
            "now() - make_interval(secs => %(n)s - g), now() - make_interval(secs => %(n)s - g), "
            "%(app)s, %(ou)s, %(site)s FROM generate_series(1, %(n)s) AS g",
            values,
        )
        connection.execute(
            "INSERT INTO orders_orderline (position, line_id, quantity, unit_price, discount, "
            "item_id, order_id) "
            "SELECT p, p::text, 1 + o.id %% 3, 499.00, 0, "
            "items.ids[1 + (o.id * 7 + p * 13) %% array_length(items.ids, 1)], o.id "
            "FROM orders_order o, generate_series(1, 2) AS p, "
            "(SELECT array_agg(id ORDER BY id) AS ids FROM masters_item) AS items "
            "WHERE o.external_order_id LIKE 'BULK-%%'",
            values,
        )
        connection.execute(
            "INSERT INTO webhooks_event (event_id, type, ordering_key, sequence, data, "
            "created_at, org_unit_id) "
            # SO- numbers have at least six digits (lpad alone would cut a seventh).
            "SELECT 'evt_bulk-' || o.id, 'order.reserved', 'order:SO-' || "
            "lpad(o.id::text, greatest(6, length(o.id::text)), '0'), 1, "
            "jsonb_build_object('id', 'SO-' || lpad(o.id::text, greatest(6, length(o.id::text)), "
            "'0'), 'status', "
            "'reserved'), o.created_at, o.org_unit_id FROM orders_order o "
            "WHERE o.external_order_id LIKE 'BULK-%%'",
            values,
        )
        connection.execute(
            "INSERT INTO webhooks_delivery (ordering_key, sequence, status, attempt_count, "
            "next_attempt_at, last_error, last_status_code, created_at, delivered_at, app_id, "
            "event_id, claim_token, round_attempts) "
            "SELECT e.ordering_key, 1, CASE WHEN e.id %% 100 = 0 THEN 'failed' "
            "WHEN e.id %% 100 = 1 THEN 'pending' ELSE 'succeeded' END, "
            "CASE WHEN e.id %% 100 = 1 THEN 0 ELSE 1 END, e.created_at, "
            "CASE WHEN e.id %% 100 = 0 THEN 'HTTP 500' ELSE '' END, "
            "CASE WHEN e.id %% 100 = 0 THEN 500 WHEN e.id %% 100 = 1 THEN NULL ELSE 200 END, "
            "e.created_at, CASE WHEN e.id %% 100 > 1 THEN e.created_at END, %(app)s, e.id, '', "
            "CASE WHEN e.id %% 100 = 1 THEN 0 ELSE 1 END "
            "FROM webhooks_event e WHERE e.event_id LIKE 'evt\\_bulk-%%'",
            values,
        )
        connection.execute(
            "INSERT INTO webhooks_deliveryattempt (attempted_at, status_code, latency_ms, error, "
            "request_headers, response_body, delivery_id) "
            "SELECT d.created_at, 500, 40, 'HTTP 500', '{}', 'internal error', d.id "
            "FROM webhooks_delivery d WHERE d.status = 'failed'",
            values,
        )
        # Autovacuum vacuums a table after many inserts too, which lets counts and lists
        # read their indexes alone; the bench starts from that steady state.
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def signed_in(omslink: Omslink) -> httpx.Client:
    """A browser-like session: the login form, its CSRF token and the session cookie."""
    client = httpx.Client(base_url=omslink.url, timeout=60)
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None:
        raise SystemExit("bench: no CSRF token on the login page")
    answer = client.post(
        "/login/",
        data={"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{omslink.url}/login/"},
    )
    if answer.status_code != 302:
        raise SystemExit(f"bench: signing in answered {answer.status_code}")
    return client


def timed(samples: int, call: Callable[[int], bool]) -> tuple[list[float], int]:
    """Run `call` a few times to warm up, then `samples` times; its seconds and its failures."""
    for number in range(3):
        call(number)
    seconds, failures = [], 0
    for number in range(samples):
        started = time.perf_counter()
        ok = call(number)
        seconds.append(time.perf_counter() - started)
        failures += not ok
    return seconds, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server to create the scratch DB on")
    parser.add_argument("--short", action="store_true", help="a quick run (under 2 minutes)")
    parser.add_argument("--orders", type=int, help="orders to generate (1,000,000; short 20,000)")
    parser.add_argument("--samples", type=int, help="requests per query (200; short 30)")
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="keep the generated data in database NAME and reuse it on the next run with the "
        "same NAME and --orders (pending migrations are applied); drop it yourself when done",
    )
    args = parser.parse_args()
    orders = args.orders or (20_000 if args.short else 1_000_000)
    samples = args.samples or (30 if args.short else 200)
    say(
        f"# scale bench: postgresql, {orders:,} orders, {samples} requests per query, one at a time"
    )
    say(f"load before: {machine_load()}")
    rng = random.Random(9)
    rows: list[list[Any]] = []
    checks: list[CheckResult] = []
    with bench_run("postgresql", args.database_url, keep=args.keep) as omslink:
        kept = omslink.resume() if args.keep else None
        if kept is not None and kept["orders"] != orders:
            raise SystemExit(f"bench: {args.keep} holds {kept['orders']:,} orders, not {orders:,}")
        if kept is None:
            receiver = start_receiver(omslink)
            omslink.set_up(items=1000, on_hand=10_000, webhook_url=receiver.webhook_url)
            took = generate(omslink, orders)
            say(
                f"generated {orders:,} orders, {2 * orders:,} lines, {orders:,} events and "
                f"deliveries in {took:.0f} s"
            )
            if args.keep:
                omslink.remember(orders=orders)
        else:
            say(f"reusing the {orders:,} orders kept in {args.keep}")
        site = omslink.database.value("SELECT id FROM masters_site WHERE code = 'WH1'")
        first_id, last_id = omslink.database.rows("SELECT min(id), max(id) FROM orders_order")[0]
        staff, partner = omslink.api(), omslink.api(omslink.partner_key)
        session = signed_in(omslink)
        db = omslink.database.connect()

        def listed(status: str, answer: httpx.Response) -> bool:
            if answer.status_code != 200:
                return False
            items = answer.json()["items"]
            return bool(items) and all(o["status"] == status and o["site"] == "WH1" for o in items)

        cursors: dict[str, str | None] = {}

        def order_list(number: int) -> bool:
            status = STATUSES[number % len(STATUSES)]
            return listed(status, staff.get("/orders", params={"status": status, "site": "WH1"}))

        def order_list_next(number: int) -> bool:
            status = STATUSES[number % len(STATUSES)]
            params = {"status": status, "site": "WH1"}
            if cursors.get(status):
                params["cursor"] = str(cursors[status])
            answer = staff.get("/orders", params=params)
            ok = listed(status, answer)
            cursors[status] = answer.json().get("next_cursor") if ok else None
            return ok

        def order_detail(number: int) -> bool:
            pk = rng.randint(first_id, last_id)
            answer = staff.get(f"/orders/SO-{pk:06d}")
            return answer.status_code == 200 and answer.json()["id"] == f"SO-{pk:06d}"

        def stock(number: int) -> bool:
            skus = [f"SKU-{n}" for n in rng.sample(range(1, 1001), 2)]
            answer = staff.get("/stock", params={"site": "WH1", "sku": skus})
            return answer.status_code == 200 and sorted(
                row["sku"] for row in answer.json()["items"]
            ) == sorted(skus)

        def partner_lookup(number: int) -> bool:
            external = f"BULK-{rng.randint(1, orders)}"
            answer = partner.get(f"/orders/{external}")
            return answer.status_code == 200 and answer.json()["external_order_id"] == external

        def deliveries_api(number: int) -> bool:
            answer = staff.get("/webhook-deliveries", params={"status": "failed"})
            return answer.status_code == 200 and all(
                d["status"] == "failed" for d in answer.json()["items"]
            )

        def deliveries_page(number: int) -> bool:
            params = {"status": "failed"} if number % 2 else {}
            answer = session.get("/webhooks/deliveries/", params=params)
            return answer.status_code == 200 and "evt_bulk-" in answer.text

        def sql(statement: str, make: Callable[[], list[Any]]) -> Callable[[int], bool]:
            def run(number: int) -> bool:
                return db.execute(statement, make()).fetchall() is not None

            return run

        order_columns = "o.*, (SELECT json_agg(l) FROM orders_orderline l WHERE l.order_id = o.id)"
        measured = [
            (
                "staff order list, status + site, first page",
                order_list,
                sql(
                    f"SELECT {order_columns} FROM orders_order o WHERE o.site_id = %s "
                    "AND o.status = %s ORDER BY o.id DESC LIMIT 50",
                    lambda: [site, rng.choice(STATUSES)],
                ),
            ),
            (
                "staff order list, following pages (cursor)",
                order_list_next,
                sql(
                    f"SELECT {order_columns} FROM orders_order o WHERE o.site_id = %s "
                    "AND o.status = %s AND o.id < %s ORDER BY o.id DESC LIMIT 50",
                    lambda: [site, rng.choice(STATUSES), rng.randint(first_id, last_id)],
                ),
            ),
            (
                "order detail (staff)",
                order_detail,
                sql(
                    f"SELECT {order_columns} FROM orders_order o WHERE o.id = %s",
                    lambda: [rng.randint(first_id, last_id)],
                ),
            ),
            (
                "stock query, 2 SKUs",
                stock,
                sql(
                    "SELECT i.sku, b.* FROM masters_item i LEFT JOIN inventory_stockbalance b "
                    "ON b.item_id = i.id AND b.site_id = %s WHERE i.sku IN (%s, %s)",
                    lambda: [site, *(f"SKU-{n}" for n in rng.sample(range(1, 1001), 2))],
                ),
            ),
            (
                "partner order lookup (external id)",
                partner_lookup,
                sql(
                    f"SELECT {order_columns} FROM orders_order o WHERE o.app_id = %s "
                    "AND o.external_order_id = %s",
                    lambda: [omslink.app_id, f"BULK-{rng.randint(1, orders)}"],
                ),
            ),
            (
                "deliveries API, status=failed",
                deliveries_api,
                sql(
                    "SELECT d.*, e.*, (SELECT json_agg(a) FROM webhooks_deliveryattempt a "
                    "WHERE a.delivery_id = d.id) FROM webhooks_delivery d JOIN webhooks_event e "
                    "ON e.id = d.event_id WHERE d.status = %s ORDER BY d.id DESC LIMIT 50",
                    lambda: ["failed"],
                ),
            ),
            (
                "deliveries page (HTML), all / failed",
                deliveries_page,
                sql(
                    "SELECT d.*, e.* FROM webhooks_delivery d JOIN webhooks_event e "
                    "ON e.id = d.event_id ORDER BY d.id DESC LIMIT 50",
                    list,
                ),
            ),
        ]
        for name, call, reference in measured:
            seconds, failures = timed(samples, call)
            ref = timed(samples, reference)[0] if reference else []
            p99 = percentile(seconds, 0.99)
            rows.append(
                [
                    name,
                    ms(percentile(seconds, 0.5)),
                    ms(p99),
                    ms(percentile(ref, 0.5)) if ref else "-",
                    ms(percentile(ref, 0.99)) if ref else "-",
                    "yes" if p99 <= 0.1 else "no",
                ]
            )
            say(
                f"{name}: p50 {rows[-1][1]}, p99 {rows[-1][2]}; SQL alone p50 {rows[-1][3]}, "
                f"p99 {rows[-1][4]}"
            )
            checks.append(
                CheckResult(
                    f"{name}: every answer 200 with what was asked",
                    failures == 0,
                    f"{failures} of {samples} wrong",
                )
            )
        db.close()
        for client in (staff, partner, session):
            client.close()
    say(f"load after: {machine_load()}")
    passed = report_checks(checks, label="scale")
    say()
    say(table(["query", "p50", "p99", "SQL alone p50", "SQL alone p99", "p99 <= 100 ms"], rows))
    say()
    finish(passed)


if __name__ == "__main__":
    main()
