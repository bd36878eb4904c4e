"""Stream a list page's rows as CSV or XLSX, with formula injection neutralised.

CSV is written row by row into a StreamingHttpResponse, so a million orders never sit in
memory. XLSX uses openpyxl's write-only mode, which spools rows to a temporary file as they
come; the finished workbook is then streamed from that file.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a
formula when the file is opened in Excel or LibreOffice (`=HYPERLINK(…)` leaking data, DDE
commands), so it gets a leading `'` (OWASP's advice). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS = ("csv", "xlsx")
CHUNK_ROWS = 2000
"""Rows fetched from the database at a time (`QuerySet.iterator(chunk_size=…)`)."""


def export_format(request: HttpRequest) -> str | None:
    """The format `?export=csv|xlsx` asks for, or None for the page itself."""
    wanted = request.GET.get("export", "")
    return wanted if wanted in EXPORT_FORMATS else None


def safe_cell(value: Any) -> Any:
    """What a cell holds in an export: text that could run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object whose write returns what it was given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)  # the BOM makes Excel read UTF-8
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def spreadsheet_response(
    fmt: str, *, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse | FileResponse:
    """An attachment `name-YYYYMMDD.csv|xlsx` holding the header and rows."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{name}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            _csv_lines(header, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    spool = write_xlsx(header, rows)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Any:
    """A temporary file, positioned at its start, holding the rows as a workbook."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([safe_cell(cell) for cell in header])
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(spool)
    spool.seek(0)
    return spool


def write_csv(handle: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write the rows to an open text file, as the CSV download does."""
    for line in _csv_lines(header, rows):
        handle.write(line)
