"""What each import reads: its columns (the API's field names), its schema and its permission.

A row is turned into the API's own request schema (`ItemIn`, `CustomerIn`, the receipt's
`StockLineIn`), so a file is refused for exactly what the API refuses; pydantic's wording is
turned into sentences a person acts on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from omslink.inventory.schemas import StockLineIn
from omslink.masters.schemas import CustomerIn, ItemIn


@dataclass(frozen=True)
class RowError:
    """One problem with one cell (or a whole row, or the file when `row` is None)."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f"file: {self.message}"
        return f"row {self.row}: {self.column or 'file'}: {self.message}"


@dataclass(frozen=True)
class ImportKind:
    """One kind of file: `columns` in template order, `key` the column rows upsert on."""

    name: str
    title: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    key: str
    schema: type[BaseModel]
    whole_numbers: frozenset[str]
    pattern_hints: Mapping[str, str]
    operation: str
    view_operation: str
    example: tuple[str, ...]
    needs_site: bool = False


KINDS: dict[str, ImportKind] = {
    kind.name: kind
    for kind in (
        ImportKind(
            name="items",
            title="Items",
            columns=("sku", "name", "hsn_code", "gst_rate", "mrp", "barcode", "bin"),
            required=("sku", "name", "hsn_code", "gst_rate", "mrp"),
            key="sku",
            schema=ItemIn,
            whole_numbers=frozenset(),
            pattern_hints={"hsn_code": "must be 4, 6 or 8 digits"},
            operation="masters_edit",
            view_operation="masters_view",
            example=(
                "TEE-RED-M",
                "Tee red M",
                "6109",
                "5.00",
                "499.00",
                "8901234567890",
                "A-01-02",
            ),
        ),
        ImportKind(
            name="customers",
            title="Customers",
            columns=("code", "name", "gstin", "state_code", "address"),
            required=("code", "name", "state_code"),
            key="code",
            schema=CustomerIn,
            whole_numbers=frozenset(),
            pattern_hints={
                "code": "must be 1-32 letters, digits, _ or -, starting with a letter or digit",
                "gstin": "must be a 15-character GSTIN such as 29ABCDE1234F1Z5",
                "state_code": "must be a two-letter Indian state code such as KA or MH",
            },
            operation="masters_edit",
            view_operation="masters_view",
            example=("RETAIL1", "Rao Retail", "29AAACR5055K1Z5", "KA", "12 MG Road, Bengaluru"),
        ),
        ImportKind(
            name="stock",
            title="Opening stock",
            columns=("sku", "quantity"),
            required=("sku", "quantity"),
            key="sku",
            schema=StockLineIn,
            whole_numbers=frozenset({"quantity"}),
            pattern_hints={},
            operation="stock_receive",
            view_operation="stock_view",
            example=("TEE-RED-M", "120"),
            needs_site=True,
        ),
    )
}


def column_positions(kind: ImportKind, header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """Map each known column to its position, matching names case-insensitively."""
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(header):
        name = cell.strip().lower()
        if not name:
            continue
        if name not in kind.columns:
            errors.append(
                RowError(1, cell, f"unknown column; the columns are {', '.join(kind.columns)}")
            )
        elif name in positions:
            errors.append(RowError(1, name, "this column appears twice"))
        else:
            positions[name] = index
    errors.extend(
        RowError(1, name, "this column is missing")
        for name in kind.required
        if name not in positions
    )
    return positions, errors


def _number_text(value: Any) -> Any:
    """Spreadsheet numbers become the text the API's fields take (6109 → "6109", 5.0 → "5")."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _whole_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        digits = value.removeprefix("-")
        if digits.isascii() and digits.isdigit() and len(digits) <= 12:
            return int(value)
    return value


def _printable(text: str) -> bool:
    return text.isprintable() or text.replace("\n", "").replace("\t", "").isprintable()


def parse_row(
    kind: ImportKind, positions: Mapping[str, int], number: int, cells: list[Any]
) -> tuple[dict[str, Any] | None, list[RowError]]:
    """Validate one row with the API's schema and answer its fields; an empty cell is left out."""
    document: dict[str, Any] = {}
    errors: list[RowError] = []
    for column, index in positions.items():
        value = cells[index] if index < len(cells) else None
        if value is None or value == "":
            continue
        value = _whole_number(value) if column in kind.whole_numbers else _number_text(value)
        if isinstance(value, str) and ("\x00" in value or not _printable(value)):
            errors.append(RowError(number, column, "must not contain control characters"))
            continue
        document[column] = value
    if len(cells) > len(positions) and any(
        cell not in (None, "") for i, cell in enumerate(cells) if i not in positions.values()
    ):
        errors.append(RowError(number, "(no header)", "has a value in a column without a header"))
    if errors:
        return None, errors
    try:
        return kind.schema.model_validate(document).model_dump(), []
    except PydanticValidationError as exc:
        return None, [
            RowError(number, _column_of(error), _message(kind, error, document))
            for error in exc.errors()
        ]


def _column_of(error: Mapping[str, Any]) -> str:
    loc = error.get("loc", ())
    return str(loc[0]) if loc else ""


def _message(kind: ImportKind, error: Mapping[str, Any], document: Mapping[str, Any]) -> str:
    """Pydantic's message for a field, in words a person who filled a spreadsheet acts on."""
    kind_name = error.get("type", "")
    context = error.get("ctx") or {}
    column = _column_of(error)
    value = document.get(column)
    if column in kind.pattern_hints and kind_name in {
        "string_too_short",
        "string_too_long",
        "string_pattern_mismatch",
    }:
        return kind.pattern_hints[column]
    if kind_name == "missing":
        return "is required"
    if kind_name == "string_type":
        return "must be text"
    if kind_name == "string_too_short":
        return (
            "must not be empty"
            if context.get("min_length") == 1
            else (f"must be at least {context.get('min_length')} characters")
        )
    if kind_name == "string_too_long":
        length = len(value) if isinstance(value, str) else "more"
        return f"must be at most {context.get('max_length')} characters (this one has {length})"
    if kind_name == "string_pattern_mismatch":
        return "is not in the expected form"
    if kind_name in {"int_type", "int_parsing", "int_from_float"}:
        return "must be a whole number"
    if kind_name == "greater_than_equal":
        return f"must be at least {context.get('ge')}"
    if kind_name == "less_than_equal":
        return f"must be at most {context.get('le')}"
    return str(error.get("msg", "is invalid")).removeprefix("Value error, ")
