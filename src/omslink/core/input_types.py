"""Field types shared by request schemas: strict, bounded, and with messages a client can act on.

Types are strict (a quantity of "2" or 2.5 is refused, not coerced) because an OMS that sends
the wrong type has a bug the integration should surface, not hide.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, StrictInt, StrictStr

from omslink.core.states import STATE_CODES, canonical_state_code

MAX_QUANTITY = 10_000
_GSTIN = re.compile(r"^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")


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
Sku = Annotated[StrictStr, Field(min_length=1, max_length=64), AfterValidator(_trimmed)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=200), AfterValidator(_trimmed)]
StateCode = Annotated[StrictStr, Field(min_length=2, max_length=2), AfterValidator(_state_code)]
Gstin = Annotated[StrictStr, Field(min_length=15, max_length=15), AfterValidator(_gstin)]
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]
SignedQuantity = Annotated[StrictInt, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
Flag = StrictBool


def _printable(value: str) -> str:
    if not value.replace("\n", " ").replace("\t", " ").isprintable():
        raise ValueError("must not contain control characters")
    return value


ShortText = Annotated[StrictStr, Field(min_length=1, max_length=100), AfterValidator(_printable)]
"""A required free-text field such as a reference or a reason."""

LongText = Annotated[StrictStr, Field(max_length=500), AfterValidator(_printable)]
"""An optional multi-line free-text field such as an address."""
