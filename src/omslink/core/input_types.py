"""Field types shared by request schemas: strict, bounded, and with messages a client can act on.

Types are strict (a quantity of "2" or 2.5 is refused, not coerced) because an OMS that sends
the wrong type has a bug the integration should surface, not hide.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictInt, StrictStr

from omslink.core.states import STATE_CODES, canonical_state_code

MAX_QUANTITY = 10_000
# What every database we run on can store once converted to UTC: PostgreSQL refuses offsets
# beyond ±15:59, and year 9999 late in the day or year 1 early in it leaves Python's range.
EARLIEST_OFFSET, LATEST_OFFSET = timedelta(hours=-12), timedelta(hours=14)
FIRST_YEAR, LAST_YEAR = 1970, 9998
_GSTIN = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")

# The text rules below as JSON-schema patterns, so a client generated from the OpenAPI document
# refuses what the server refuses. They are documentation only: the validators enforce the
# rules with messages for people, where pydantic's own would quote the regex.
_CONTROL = r"\x00-\x1f\x7f-\x9f"
PRINTABLE = rf"^[^{_CONTROL}]*$"
MULTILINE = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
TRIMMED = rf"^(?:[^\s{_CONTROL}](?:[^{_CONTROL}]*[^\s{_CONTROL}])?)?$"


def documented(pattern: str, description: str) -> Any:
    """A Field that states a rule in the OpenAPI document which a validator enforces."""
    return Field(description=description, json_schema_extra={"pattern": pattern})


def _state_code(value: str) -> str:
    upper = value.upper()
    if upper not in STATE_CODES:
        raise ValueError("must be a two-letter Indian state code such as KA or MH")
    return canonical_state_code(upper)


def _gstin(value: str) -> str:
    upper = value.upper()
    if not _GSTIN.match(upper):
        raise ValueError("must be a 15-character GSTIN such as 29ABCDE1234F1Z5")
    return upper


def _trimmed(value: str) -> str:
    if value != value.strip():
        raise ValueError("must not start or end with white space")
    if not value.isprintable():
        raise ValueError("must not contain control characters")
    return value


Code = Annotated[
    StrictStr,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", description="1-32 letters, digits, _ or -"),
]
_TRIMMED_TEXT = documented(TRIMMED, "Printable, without white space at either end")
Sku = Annotated[
    StrictStr, Field(min_length=1, max_length=64), _TRIMMED_TEXT, AfterValidator(_trimmed)
]
Name = Annotated[
    StrictStr, Field(min_length=1, max_length=200), _TRIMMED_TEXT, AfterValidator(_trimmed)
]
StateCode = Annotated[
    StrictStr,
    Field(
        min_length=2,
        max_length=2,
        description="A two-letter Indian state code (either case)",
        json_schema_extra={"enum": sorted(STATE_CODES)},
    ),
    AfterValidator(_state_code),
]
Gstin = Annotated[
    StrictStr,
    Field(min_length=15, max_length=15),
    documented(
        r"^[0-9]{2}[A-Za-z]{5}[0-9]{4}[A-Za-z][1-9A-Za-z][Zz][0-9A-Za-z]$",
        "A 15-character GSTIN such as 29ABCDE1234F1Z5 (either case)",
    ),
    AfterValidator(_gstin),
]
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]
SignedQuantity = Annotated[StrictInt, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
Flag = StrictBool


def _printable(value: str) -> str:
    if not value.replace("\n", " ").replace("\t", " ").isprintable():
        raise ValueError("must not contain control characters")
    return value


_MULTILINE_TEXT = documented(MULTILINE, "Printable text; line breaks and tabs allowed")
ShortText = Annotated[
    StrictStr, Field(min_length=1, max_length=100), _MULTILINE_TEXT, AfterValidator(_printable)
]
"""A required free-text field such as a reference or a reason."""

LongText = Annotated[StrictStr, Field(max_length=500), _MULTILINE_TEXT, AfterValidator(_printable)]
"""An optional multi-line free-text field such as an address."""


def _iso_datetime_with_offset(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(
            "must be an ISO 8601 date and time such as 2026-11-26T10:15:00+05:30"
        ) from exc
    offset = moment.utcoffset()
    if "T" not in value.upper() or offset is None:
        raise ValueError("must be a date and time with an offset such as +05:30 or Z")
    if not EARLIEST_OFFSET <= offset <= LATEST_OFFSET:
        raise ValueError("must have an offset from -12:00 to +14:00")
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")
    return moment


OffsetDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_datetime_with_offset),
    Field(description="ISO 8601 with an offset from -12:00 to +14:00 (or Z), years 1970-9998"),
]
"""A moment a client states, such as when an order was placed."""
