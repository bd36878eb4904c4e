"""`omslink import` and `omslink export` run as the installed command, against the test database."""

from __future__ import annotations

import csv
import io
import os
import pty
import signal
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from openpyxl import load_workbook

from omslink.inventory.models import StockDocument, StockMove
from omslink.inventory.selectors import ledger_mismatches
from omslink.masters.models import Item
from tests.accounts.test_cli import OMSLINK, run_omslink
from tests.conftest import Masters
from tests.spreadsheets.conftest import ITEM_HEADER, item_rows, write_csv, write_xlsx


def database_env() -> dict[str, str]:
    """The environment `run_omslink` gives the command, for a process we drive ourselves."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        )
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@pytest.mark.django_db(transaction=True)
def test_import_then_export_round_trip(masters: Masters, files: Path) -> None:
    items = write_csv(files / "items.csv", list(item_rows(5)), delimiter=";", bom=True)
    done = run_omslink("import", "items", str(items))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["imported 5 rows: created 5, updated 0, unchanged 0"]
    assert "writing:" in done.stderr, "plain progress lines when not on a terminal"

    stock = write_xlsx(
        files / "stock.xlsx", [("SKU", "Quantity"), ("SKU-000001", 12), ("SKU-000003", 4)]
    )
    dry = run_omslink("import", "stock", str(stock), "--site", "WH2", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("dry run: 2 rows are good")
    assert StockMove.objects.count() == 0
    received = run_omslink("import", "stock", str(stock), "--site", "WH2")
    assert received.returncode == 0, received.stderr
    document = StockDocument.objects.get()
    assert received.stdout.splitlines() == [
        f"imported 2 rows on receipt {document.number}: created 2, updated 0"
    ]
    assert document.created_by.username == "command-line"
    assert ledger_mismatches() == []
    assert run_omslink("stock", "check").returncode == 0

    exported = run_omslink("export", "stock", "--site", "WH2", "--sku", "SKU-000001")
    assert exported.returncode == 0, exported.stderr
    assert list(csv.reader(io.StringIO(exported.stdout.removeprefix("\ufeff")))) == [
        ["site", "sku", "on_hand", "reserved", "allocated", "available"],
        ["WH2", "SKU-000001", "12", "0", "0", "12"],
    ]
    workbook = files / "items-out.xlsx"
    assert run_omslink("export", "items", "--output", str(workbook)).returncode == 0
    rows = list(load_workbook(workbook).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ITEM_HEADER
    assert len(rows) == 1 + len(masters.items) + 5
    again = run_omslink("import", "items", str(workbook))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith(f"created 0, updated 0, unchanged {len(rows) - 1}")


@pytest.mark.django_db(transaction=True)
def test_a_bad_file_prints_every_bad_row_and_stores_nothing(masters: Masters, files: Path) -> None:
    path = write_csv(
        files / "bad.csv",
        [
            ("sku", "quantity"),
            ("TEE-RED-M", "1"),
            ("GHOST", "2"),
            ("CAP-GRY", "many"),
            ("TEE-RED-M", "3"),
        ],
    )
    done = run_omslink("import", "stock", str(path), "--site", "WH1")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "row 3: sku: no item has SKU GHOST; import the items first",
        "row 4: quantity: must be a whole number",
        "row 5: sku: TEE-RED-M is already on row 2",
    ]
    assert (
        done.stderr.strip().splitlines()[-1]
        == f"omslink: {path} was refused (3 problems); nothing was stored"
    )
    assert StockMove.objects.count() == 0
    missing = run_omslink("import", "stock", str(path))
    assert (missing.returncode, missing.stdout.strip()) == (
        1,
        "file: opening stock needs the site it is at",
    )
    unknown = run_omslink("import", "planets", str(path))
    assert unknown.returncode == 2 and "invalid choice: 'planets'" in unknown.stderr


@pytest.mark.django_db(transaction=True)
def test_killing_the_import_mid_write_leaves_nothing(masters: Masters, files: Path) -> None:
    """SIGKILL while the write transaction is open: the database rolls the whole file back."""
    path = write_csv(files / "many.csv", list(item_rows(12_000, prefix="KILL")))
    process = subprocess.Popen(
        [str(OMSLINK), "import", "items", str(path)],
        env=database_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("writing:"):
            break
    written_some = any(line.startswith("writing:") for line in seen)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert written_some, seen
    assert process.returncode == -signal.SIGKILL
    assert not Item.objects.filter(sku__startswith="KILL-").exists()
    # The database is usable again at once, and the same file then loads whole.
    again = run_omslink("import", "items", str(path))
    assert again.returncode == 0, again.stderr
    assert Item.objects.filter(sku__startswith="KILL-").count() == 12_000


@pytest.mark.django_db(transaction=True)
def test_export_refuses_bad_options() -> None:
    xlsx = run_omslink("export", "orders", "--format", "xlsx")
    assert (xlsx.returncode, xlsx.stderr.strip()) == (
        1,
        "omslink: an XLSX export needs --output FILE",
    )


@pytest.mark.django_db(transaction=True)
def test_on_a_terminal_the_import_shows_a_progress_bar(masters: Masters, files: Path) -> None:
    path = write_csv(files / "items.csv", list(item_rows(3000, prefix="TTY")))
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(OMSLINK), "import", "items", str(path)],
        env={**database_env(), "COLUMNS": "100", "TERM": "xterm"},
        stdin=follower,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            piece = os.read(leader, 65536)
        except OSError:  # the command exited and closed the terminal
            break
        if not piece:
            break
        shown += piece
    os.close(leader)
    assert process.wait(timeout=60) == 0
    text = shown.decode("utf-8", "replace")
    assert "━" in text, "rich draws a bar"
    assert "writing 3,000 rows" in text
    assert "imported 3000 rows: created 3000, updated 0, unchanged 0" in text
