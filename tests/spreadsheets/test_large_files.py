"""A brand's whole catalogue and count: 100,000 items, then 100,000 stock rows, in one go each.

How long they take is measured in bench/import_files.py, not here; this checks they load whole,
in chunks, with the stock ledger still equal to the balances.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omslink.cli import main
from omslink.inventory.models import PendingInventoryUpdate, StockBalance, StockDocument, StockMove
from omslink.masters.models import Item
from omslink.spreadsheets.services import import_file
from tests.conftest import Masters
from tests.spreadsheets.conftest import item_rows, write_csv

ROWS = 100_000


def test_100000_items_then_100000_stock_rows(
    masters: Masters, admin: tuple[Any, str], files: Path, capsys: Any
) -> None:
    items = write_csv(files / "items.csv", item_rows(ROWS))
    seen: list[str] = []
    outcome = import_file(
        kind="items",
        path=items,
        file_name=items.name,
        user=admin[0],
        progress=lambda step: seen.append(step.phase),
    )
    assert (outcome.rows, outcome.created) == (ROWS, ROWS)
    assert Item.objects.filter(sku__startswith="SKU-").count() == ROWS
    assert seen.count("writing") == ROWS // 2000, "one progress step per written chunk"

    stock = write_csv(
        files / "stock.csv",
        [("sku", "quantity"), *((f"SKU-{index:06d}", index % 50 + 1) for index in range(ROWS))],
    )
    outcome = import_file(kind="stock", path=stock, file_name=stock.name, user=admin[0], site="WH1")
    assert (outcome.rows, outcome.created, outcome.updated) == (ROWS, ROWS, 0)
    document = StockDocument.objects.get()
    assert StockMove.objects.filter(document=document).count() == ROWS
    assert StockBalance.objects.filter(site=masters.site).count() == ROWS
    assert PendingInventoryUpdate.objects.filter(site=masters.site).count() == ROWS
    assert main(["stock", "check"]) == 0
    assert capsys.readouterr().out == "stock balances equal the ledger\n"
