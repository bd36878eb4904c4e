"""Read an uploaded CSV or XLSX file as a header and a stream of rows, refusing what is unsafe.

CSV is UTF-8 (a BOM is skipped) with commas or semicolons, whichever the header uses more of;
XLSX is read with openpyxl's read-only mode, which streams the sheet instead of loading it.
A workbook is a zip: its members' declared sizes are checked before openpyxl opens it (Python's
zipfile never inflates past the declared size), so a zip bomb is refused, not unpacked.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

MAX_UNPACKED_BYTES = 512 * 1024 * 1024
"""Largest total an XLSX workbook may unpack to."""
MAX_PACKING_RATIO = 200
"""A real workbook's XML packs 5-20 times; far more is a zip bomb."""
MAX_ROWS = 1_000_000
MAX_CELL_CHARS = 10_000
FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


class FileProblem(Exception):
    """The file as a whole cannot be read; `row` is where reading stopped, if anywhere."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass
class Sheet:
    """The header row's cells and an iterator of (row number, cells); row 1 is the header."""

    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    fraction_read: Any  # Callable[[], float]: how far through the file reading has got


def max_file_bytes() -> int:
    """Largest file accepted (`OMSLINK_IMPORT_MAX_MB`, default 100 MiB)."""
    return int(settings.OMSLINK_IMPORT_MAX_MB * 2**20)


def refuse_oversized(size: int) -> None:
    if size > max_file_bytes():
        raise FileProblem(
            f"the file is {size:,} bytes, over the {settings.OMSLINK_IMPORT_MAX_MB:g} MiB limit "
            "of one import; split it"
        )


def file_format(name: str) -> str:
    """`csv` or `xlsx` from a file name, or a FileProblem naming what is accepted."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        shown = suffix or "no extension"
        raise FileProblem(f"files of type {shown} cannot be imported; save it as .csv or .xlsx")
    return FORMATS[suffix]


def open_sheet(path: Path, fmt: str) -> Sheet:
    """Open a stored file for reading; raise FileProblem for anything that is not a table."""
    size = path.stat().st_size
    if size == 0:
        raise FileProblem("the file is empty")
    refuse_oversized(size)
    if fmt == "xlsx":
        return _open_xlsx(path)
    return _open_csv(path, size)


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read, for the progress bar."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()


def _open_csv(path: Path, size: int) -> Sheet:
    counting = _CountingReader(path.open("rb"))
    text = io.TextIOWrapper(
        io.BufferedReader(counting), encoding="utf-8-sig", errors="strict", newline=""
    )
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        text.close()
        raise FileProblem(
            "the file is not UTF-8 text; save it as CSV UTF-8 or as an Excel workbook", row=1
        ) from exc
    if "\x00" in first:
        text.close()
        raise FileProblem("the file holds binary data, not CSV text", row=1)
    delimiter = ";" if first.count(";") > first.count(",") else ","
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(itertools.chain([first], text), delimiter=delimiter, strict=True)

    def records() -> Iterator[list[str]]:
        number = 0
        try:
            while True:
                number += 1
                try:
                    record = next(reader)
                except StopIteration:
                    return
                yield record
        except UnicodeDecodeError as exc:
            raise FileProblem(
                "the file is not UTF-8 text from here on; save it as CSV UTF-8", row=number
            ) from exc
        except csv.Error as exc:
            reason = str(exc)
            if "NUL" in reason:
                reason = "the file holds binary data (NUL bytes), not CSV text"
            elif "field larger" in reason:
                reason = f"a cell is longer than {MAX_CELL_CHARS} characters"
            raise FileProblem(reason, row=number) from exc
        finally:
            text.close()

    return _sheet(records(), lambda: counting.consumed / size)


def _refuse_zip_bomb(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileProblem("the file is not an Excel workbook (.xlsx)") from exc
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(
            f"the workbook unpacks to {unpacked / 2**20:.0f} MiB, over the "
            f"{MAX_UNPACKED_BYTES // 2**20} MiB limit"
        )
    for member in members:
        if member.file_size > 2**20 and member.file_size > MAX_PACKING_RATIO * max(
            member.compress_size, 1
        ):
            ratio = member.file_size // max(member.compress_size, 1)
            raise FileProblem(
                f"the workbook part {member.filename} is packed {ratio} times over; "
                "it looks like a zip bomb and is not opened"
            )


def _open_xlsx(path: Path) -> Sheet:
    import openpyxl

    _refuse_zip_bomb(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        declared_rows = sheet.max_row or 0
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise FileProblem(f"the workbook cannot be read ({type(exc).__name__})") from exc
    position = [0]

    def records() -> Iterator[list[Any]]:
        try:
            for values in sheet.iter_rows(values_only=True):
                position[0] += 1
                yield list(values)
        except Exception as exc:  # a damaged sheet part fails while streaming
            raise FileProblem(
                f"the workbook cannot be read past here ({type(exc).__name__})",
                row=position[0] + 1,
            ) from exc
        finally:
            workbook.close()

    return _sheet(
        records(), lambda: min(position[0] / declared_rows, 1.0) if declared_rows else 0.0
    )


def _sheet(records: Iterator[list[Any]], fraction: Any) -> Sheet:
    header = next(records, None)
    if header is None or all(_blank(cell) for cell in header):
        raise FileProblem("the file has no header row", row=1)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in enumerate(records, start=2):
            if number > MAX_ROWS + 1:
                raise FileProblem(f"the file has more than {MAX_ROWS:,} rows; split it", row=number)
            if all(_blank(cell) for cell in cells):
                continue
            yield number, cells

    return Sheet([_header_text(cell) for cell in header], rows(), fraction)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _header_text(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()
