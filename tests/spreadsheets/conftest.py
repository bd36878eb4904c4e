"""Files to import, written as a user's spreadsheet program would, and shared fixtures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.fulfilment.conftest import invoice_dir, warehouse  # noqa: F401 - fixtures
from tests.orders.conftest import stocked  # noqa: F401 - the fixture, shared

ITEM_HEADER = ("sku", "name", "hsn_code", "gst_rate", "mrp", "barcode", "bin")


def write_csv(
    path: Path, rows: Iterable[Sequence[Any]], *, delimiter: str = ",", bom: bool = False
) -> Path:
    """Rows joined by hand (no quoting needed by the tests that use it), UTF-8."""
    text = "".join(delimiter.join(str(cell) for cell in row) + "\r\n" for row in rows)
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def write_xlsx(path: Path, rows: Iterable[Sequence[Any]]) -> Path:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def item_rows(count: int, *, prefix: str = "SKU") -> Iterable[tuple[Any, ...]]:
    yield ITEM_HEADER
    for index in range(count):
        yield (
            f"{prefix}-{index:06d}",
            f"Item {index}",
            "6109",
            "5",
            "499.00",
            "",
            f"A-{index % 90}",
        )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    return folder
