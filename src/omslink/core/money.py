"""Money as the contract writes it: a decimal string with two places, never a float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, WithJsonSchema

PAISA = Decimal("0.01")
_MONEY_TEXT = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


def to_paisa(value: Decimal) -> Decimal:
    """Round half up to the paisa, as GST invoices do."""
    return value.quantize(PAISA, rounding=ROUND_HALF_UP)


def parse_money(text: object) -> Decimal:
    if not isinstance(text, str) or not _MONEY_TEXT.match(text):
        raise ValueError('must be a decimal string with at most two places, e.g. "499.00"')
    return to_paisa(Decimal(text))


def format_money(value: Decimal) -> str:
    return f"{to_paisa(value):.2f}"


Money = Annotated[
    str,
    AfterValidator(lambda text: format_money(parse_money(text))),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,10}(\.\d{1,2})?$", "example": "499.00"}),
]
"""A non-negative money amount in request bodies, normalised to two places."""

MoneyOut = Annotated[
    Decimal,
    PlainSerializer(format_money, return_type=str),
    WithJsonSchema({"type": "string", "example": "499.00"}),
]
"""A Decimal that renders as the contract's two-place string."""
