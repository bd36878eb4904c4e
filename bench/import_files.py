"""How long `omslink import` takes for a brand's catalogue and opening stock.

Run: `.venv/bin/python -m bench.import_files [--rows 100000]` on SQLite, or with
OMSLINK_TEST_DATABASE_URL=postgres://… on PostgreSQL (a throw-away test database is created and
dropped, as the test suite does).

Imports, through the same service the command and the pages call: ROWS items from a CSV, the
same items again (every row unchanged: the cost of checking alone), ROWS stock rows at one site
from an XLSX, and a dry run of the stock file. Prints seconds and rows per second for each, and
checks `omslink stock check` at the end.

Measured 2026-11-29 on SQLite, on the 2-core development machine while other test suites ran
(load average 16), so read them as an upper bound (columns narrowed to fit):

    sqlite, 100000 rows per file
    items, new (CSV)            151.6 s   660 rows/s  (created 100000, updated 0, unchanged 0)
    items, unchanged (CSV)      102.7 s   974 rows/s  (created 0, updated 0, unchanged 100000)
    stock, dry run (XLSX)       100.3 s   997 rows/s  (created 100000, updated 0, unchanged 0)
    stock, one receipt (XLSX)   260.5 s   384 rows/s  (created 100000, updated 0, unchanged 0)
    stock check: balances equal the ledger

The same command-line import of the 100,000-item CSV used 10 s of CPU (`time`: user) of its
57 s; the rest was waiting for the CPU.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from tests.spreadsheets.conftest import item_rows, write_csv, write_xlsx  # noqa: E402

from omslink.accounts.services import command_line_user  # noqa: E402
from omslink.inventory.selectors import ledger_mismatches  # noqa: E402
from omslink.masters.schemas import OrgUnitIn, SiteIn  # noqa: E402
from omslink.masters.services import org_unit_create, site_create  # noqa: E402
from omslink.spreadsheets.services import import_file  # noqa: E402


def _timed(label: str, rows: int, **options: object) -> None:
    started = time.perf_counter()
    outcome = import_file(user=command_line_user(), **options)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    print(
        f"{label:<28} {seconds:7.1f} s  {rows / seconds:8.0f} rows/s  "
        f"(created {outcome.created}, updated {outcome.updated}, unchanged {outcome.unchanged})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        org_unit_create(
            payload=OrgUnitIn(code="OU1", name="Bench", gstin="29ABCDE1234F1Z5", state_code="KA")
        )
        site_create(
            payload=SiteIn(code="WH1", name="Bench online", org_unit="OU1", online_fulfilment=True)
        )
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            items = write_csv(folder / "items.csv", item_rows(rows))
            stock = write_xlsx(
                folder / "stock.xlsx",
                [("sku", "quantity"), *((f"SKU-{n:06d}", n % 50 + 1) for n in range(rows))],
            )
            print(f"{connection.vendor}, {rows} rows per file")
            _timed("items, new (CSV)", rows, kind="items", path=items, file_name=items.name)
            _timed("items, unchanged (CSV)", rows, kind="items", path=items, file_name=items.name)
            _timed(
                "stock, dry run (XLSX)",
                rows,
                kind="stock",
                path=stock,
                file_name=stock.name,
                site="WH1",
                dry_run=True,
            )
            _timed(
                "stock, one receipt (XLSX)",
                rows,
                kind="stock",
                path=stock,
                file_name=stock.name,
                site="WH1",
            )
        mismatches = ledger_mismatches()
        print("stock check:", "balances equal the ledger" if not mismatches else mismatches[:3])
    finally:
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    main()
