"""Importing files through the service the CLI and the pages share: all rows or none."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from omslink.inventory.models import PendingInventoryUpdate, StockBalance, StockDocument, StockMove
from omslink.inventory.selectors import ledger_mismatches
from omslink.masters.models import Customer, Item
from omslink.spreadsheets.services import ImportRefused, import_file
from tests.conftest import ApiClient, Masters
from tests.fulfilment.conftest import to_invoiced
from tests.spreadsheets.conftest import ITEM_HEADER, item_rows, write_csv, write_xlsx


def run(kind: str, path: Path, user: Any, **options: Any) -> Any:
    return import_file(kind=kind, path=path, file_name=path.name, user=user, **options)


def refused(kind: str, path: Path, user: Any, **options: Any) -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        run(kind, path, user, **options)
    return [str(error) for error in caught.value.errors]


def test_items_from_semicolon_csv_with_bom_and_any_header_case(
    files: Path, admin: tuple[Any, str]
) -> None:
    path = write_csv(
        files / "items.csv",
        [
            ("SKU", "Name", "HSN_Code", "GST_RATE", "mrp", "Bin"),
            ("TEE-1", "Tee, red", "6109", "5", "499", "A-1"),
            ("TEE-2", "Tee blue", "61091000", "12.00", "1299.5", ""),
        ],
        delimiter=";",
        bom=True,
    )
    outcome = run("items", path, admin[0])
    assert (outcome.created, outcome.updated, outcome.unchanged) == (2, 0, 0)
    first = Item.objects.get(sku="TEE-1")
    assert (first.name, first.gst_rate, first.mrp, first.bin) == (
        "Tee, red",
        Decimal("5.00"),
        Decimal("499.00"),
        "A-1",
    )
    assert Item.objects.get(sku="TEE-2").hsn_code == "61091000"


def test_items_from_xlsx_with_numbers_in_cells(files: Path, admin: tuple[Any, str]) -> None:
    path = write_xlsx(
        files / "items.xlsx",
        [ITEM_HEADER, ("CAP-1", "Cap", 6505, 18, 299.5, 8901234567890, None)],
    )
    assert run("items", path, admin[0]).created == 1
    cap = Item.objects.get(sku="CAP-1")
    assert (cap.hsn_code, cap.gst_rate, cap.mrp, cap.barcode) == (
        "6505",
        Decimal("18.00"),
        Decimal("299.50"),
        "8901234567890",
    )


def test_items_upsert_by_sku_changing_only_the_columns_in_the_file(
    files: Path, admin: tuple[Any, str], masters: Masters
) -> None:
    path = write_csv(
        files / "update.csv",
        [
            ("sku", "name", "hsn_code", "gst_rate", "mrp"),
            ("TEE-RED-M", "Tee red medium", "6109", "5", "549.00"),
            ("TEE-BLU-L", "Tee blue L", "6109", "5.00", "499"),
            ("NEW-1", "New", "6109", "5", "10"),
        ],
    )
    outcome = run("items", path, admin[0])
    assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 1, 1)
    red = Item.objects.get(sku="TEE-RED-M")
    assert (red.name, red.mrp, red.bin) == ("Tee red medium", Decimal("549.00"), "A-01-02")


def test_hsn_and_gst_rate_of_an_invoiced_item_are_refused_with_the_reason(
    files: Path, admin: tuple[Any, str], stocked: Masters, push: Any, warehouse: ApiClient
) -> None:
    to_invoiced(warehouse, push([("TEE-RED-M", 1)]))
    path = write_csv(
        files / "tax.csv",
        [
            ("sku", "name", "hsn_code", "gst_rate", "mrp"),
            ("TEE-RED-M", "Tee red M", "6110", "12", "499.00"),
            ("TEE-BLU-L", "Tee blue L", "6110", "12", "499.00"),
        ],
    )
    errors = refused("items", path, admin[0])
    assert len(errors) == 2
    assert errors[0].startswith("row 2: gst_rate: cannot change from 5.00 to 12")
    assert errors[1].startswith("row 2: hsn_code: cannot change from 6109 to 6110: invoices")
    assert Item.objects.get(sku="TEE-BLU-L").hsn_code == "6109", "nothing stored"
    # Not invoiced: the same change is allowed.
    path = write_csv(
        files / "ok.csv",
        [
            ("sku", "hsn_code", "gst_rate", "name", "mrp"),
            ("TEE-BLU-L", "6110", "12", "Tee blue L", "499.00"),
        ],
    )
    assert run("items", path, admin[0]).updated == 1
    assert Item.objects.get(sku="TEE-BLU-L").gst_rate == Decimal("12.00")


def test_customers_upsert_by_code(files: Path, admin: tuple[Any, str], masters: Masters) -> None:
    path = write_csv(
        files / "customers.csv",
        [
            ("code", "name", "gstin", "state_code"),
            ("RETAIL1", "Rao Retail Pvt Ltd", "29AAACR5055K1Z5", "KA"),
            ("DIST9", "Mehta Distributors", "", "mh"),
        ],
    )
    outcome = run("customers", path, admin[0])
    assert (outcome.created, outcome.updated) == (1, 1)
    assert Customer.objects.get(code="RETAIL1").name == "Rao Retail Pvt Ltd"
    assert (
        Customer.objects.get(code="DIST9").state_code,
        Customer.objects.get(code="DIST9").gstin,
    ) == ("MH", "")


def test_opening_stock_enters_as_one_receipt_through_the_ledger(
    files: Path, admin: tuple[Any, str], masters: Masters
) -> None:
    path = write_csv(
        files / "stock.csv", [("sku", "quantity"), ("TEE-RED-M", "40"), ("CAP-GRY", "7")]
    )
    outcome = run("stock", path, admin[0], site="WH1")
    assert (outcome.rows, outcome.created, outcome.updated) == (2, 2, 0)
    document = StockDocument.objects.get()
    assert outcome.document == document.number
    assert (document.kind, document.site.code, document.created_by) == ("receipt", "WH1", admin[0])
    assert sorted(
        StockMove.objects.filter(document=document).values_list("item__sku", "on_hand_delta")
    ) == [
        ("CAP-GRY", 7),
        ("TEE-RED-M", 40),
    ]
    assert StockBalance.objects.get(site=masters.site, item__sku="TEE-RED-M").on_hand == 40
    assert PendingInventoryUpdate.objects.filter(site=masters.site).count() == 2, (
        "inventory.updated"
    )
    again = run("stock", path, admin[0], site="WH1")
    assert (again.created, again.updated) == (0, 2)
    assert StockBalance.objects.get(site=masters.site, item__sku="TEE-RED-M").on_hand == 80
    assert ledger_mismatches() == []


def test_a_file_with_bad_rows_is_refused_whole_with_every_bad_row_named(
    files: Path, admin: tuple[Any, str], masters: Masters
) -> None:
    before = Item.objects.count()
    path = write_csv(
        files / "bad.csv",
        [
            ITEM_HEADER,
            ("GOOD-1", "Fine", "6109", "5", "499.00", "", ""),
            ("GOOD-1", "Twice", "6109", "5", "499.00", "", ""),
            ("BAD-2", "Types", "61", "7", "abc", "", ""),
            ("BAD-3", "Nul\x00here", "6109", "5", "1", "bar\x07code", ""),
            ("BAD-4", "N" * 201, "6109", "5", "1", "", ""),
            ("BAD-5", "", "6109", "5", "1", "", ""),
        ],
    )
    assert refused("items", path, admin[0]) == [
        "row 3: sku: GOOD-1 is already on row 2",
        "row 4: gst_rate: must be one of the GST rates 0.00, 0.10, 0.25, 1.00, 1.50, 3.00, 5.00, "
        "6.00, 7.50, 12.00, 18.00, 28.00, 40.00",
        "row 4: hsn_code: must be 4, 6 or 8 digits",
        'row 4: mrp: must be a decimal string with at most two places, e.g. "499.00"',
        "row 5: barcode: must not contain control characters",
        "row 5: name: must not contain control characters",
        "row 6: name: must be at most 200 characters (this one has 201)",
        "row 7: name: is required",
    ]
    assert Item.objects.count() == before


def test_bad_gstin_and_unknown_sku_are_row_errors(
    files: Path, admin: tuple[Any, str], masters: Masters
) -> None:
    customers = write_csv(
        files / "c.csv",
        [
            ("code", "name", "gstin", "state_code"),
            ("C1", "One", "29ABC", "KA"),
            ("C 2", "Two", "", "ZZ"),
        ],
    )
    assert refused("customers", customers, admin[0]) == [
        "row 2: gstin: must be a 15-character GSTIN such as 29ABCDE1234F1Z5",
        "row 3: code: must be 1-32 letters, digits, _ or -, starting with a letter or digit",
        "row 3: state_code: must be a two-letter Indian state code such as KA or MH",
    ]
    stock = write_csv(
        files / "s.csv",
        [
            ("sku", "quantity"),
            ("TEE-RED-M", "5"),
            ("NOPE", "1"),
            ("CAP-GRY", "2.5"),
            ("TEE-RED-M", "1"),
            ("JKT-BLK-M", "0"),
        ],
    )
    assert refused("stock", stock, admin[0], site="WH1") == [
        "row 3: sku: no item has SKU NOPE; import the items first",
        "row 4: quantity: must be a whole number",
        "row 5: sku: TEE-RED-M is already on row 2",
        "row 6: quantity: must be at least 1",
    ]
    assert StockMove.objects.count() == 0
    assert StockDocument.objects.count() == 0


def test_headers_must_name_the_api_fields(files: Path, admin: tuple[Any, str]) -> None:
    path = write_csv(
        files / "h.csv", [("sku", "title", "hsn_code", "SKU"), ("A", "B", "6109", "A")]
    )
    assert refused("items", path, admin[0]) == [
        "row 1: gst_rate: this column is missing",
        "row 1: mrp: this column is missing",
        "row 1: name: this column is missing",
        "row 1: sku: this column appears twice",
        "row 1: title: unknown column; the columns are "
        "sku, name, hsn_code, gst_rate, mrp, barcode, bin",
    ]


def test_a_dry_run_checks_and_stores_nothing(
    files: Path, admin: tuple[Any, str], masters: Masters
) -> None:
    path = write_csv(files / "items.csv", list(item_rows(3)))
    outcome = run("items", path, admin[0], dry_run=True)
    assert (outcome.dry_run, outcome.rows, outcome.created) == (True, 3, 3)
    assert not Item.objects.filter(sku__startswith="SKU-").exists()
    stock = write_csv(files / "s.csv", [("sku", "quantity"), ("TEE-RED-M", "3")])
    assert run("stock", stock, admin[0], site="WH1", dry_run=True).created == 1
    assert StockMove.objects.count() == 0


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 2**20))
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "items.xls",
            b"\xd0\xcf\x11\xe0",
            "file: files of type .xls cannot be imported; save it as .csv or .xlsx",
        ),
        (
            "items",
            b"sku",
            "file: files of type no extension cannot be imported; save it as .csv or .xlsx",
        ),
        ("items.csv", b"", "file: the file is empty"),
        (
            "items.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "row 1: file: the file is not UTF-8 text",
        ),
        ("items.csv", b"sku\x00,name\n", "row 1: file: the file holds binary data, not CSV text"),
        ("items.csv", b"\n\n", "row 1: file: the file has no header row"),
        (
            "items.csv",
            b"sku,name,hsn_code,gst_rate,mrp\n",
            "row 2: file: the file has a header but no rows",
        ),
        (
            "items.xlsx",
            b"PK\x03\x04 not really a zip",
            "file: the file is not an Excel workbook (.xlsx)",
        ),
        ("items.xlsx", b"sku,name\n", "file: the file is not an Excel workbook (.xlsx)"),
        (
            "items.csv",
            b"sku,name,hsn_code,gst_rate,mrp\n" + b"x" * 20_000 + b",y,1,1,1\n",
            "row 2: file: a cell is longer than 10000 characters",
        ),
    ],
)
def test_files_that_are_not_tables_get_a_clear_error(
    files: Path, admin: tuple[Any, str], name: str, content: bytes, message: str
) -> None:
    path = files / name
    path.write_bytes(content)
    errors = refused("items", path, admin[0])
    assert len(errors) == 1
    assert errors[0].startswith(message), errors


def test_a_zip_bomb_workbook_is_not_unpacked(files: Path, admin: tuple[Any, str]) -> None:
    errors = refused("items", _zip_bomb(files / "bomb.xlsx"), admin[0])
    assert errors == [
        "file: the workbook part xl/worksheets/sheet1.xml is packed "
        + errors[0].split("packed ")[1].split(" ")[0]
        + " times over; it looks like a zip bomb and is not opened"
    ]


def test_a_file_over_the_size_limit_is_refused(
    files: Path, admin: tuple[Any, str], settings: Any
) -> None:
    settings.OMSLINK_IMPORT_MAX_MB = 0.01
    path = write_csv(files / "big.csv", list(item_rows(400)))
    size = path.stat().st_size
    assert refused("items", path, admin[0]) == [
        f"file: the file is {size:,} bytes, over the 0.01 MiB limit of one import; split it"
    ]
