"""Request and response shapes of the stock API (CONTRACT §3, §4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, BaseModel, Field

from omslink.core.input_types import Code, Quantity, ShortText, SignedQuantity, Sku
from omslink.core.pagination import PageQuery

MAX_LINES = 500
"""Lines one document may carry: far above any real receipt or order, well below 1 MiB."""

MAX_SKUS_PER_QUERY = 200


def _not_zero(value: int) -> int:
    if value == 0:
        raise ValueError("must not be 0: a positive number adds stock, a negative one removes it")
    return value


class StockLineIn(BaseModel):
    sku: Sku
    quantity: Quantity


class AdjustmentLineIn(BaseModel):
    sku: Sku
    quantity: Annotated[SignedQuantity, AfterValidator(_not_zero)]


class ReceiptIn(BaseModel):
    site: Code
    reference: ShortText
    lines: Annotated[list[StockLineIn], Field(min_length=1, max_length=MAX_LINES)]


class AdjustmentIn(BaseModel):
    site: Code
    reason: ShortText
    lines: Annotated[list[AdjustmentLineIn], Field(min_length=1, max_length=MAX_LINES)]


class DocumentLineOut(Schema):
    sku: str
    quantity: int


class ReceiptOut(Schema):
    id: str
    site: str
    reference: str
    lines: list[DocumentLineOut]
    created_at: datetime
    created_by: str


class AdjustmentOut(Schema):
    id: str
    site: str
    reason: str
    lines: list[DocumentLineOut]
    created_at: datetime
    created_by: str


class SkuFilter(Schema):
    sku: list[Sku] | None = Field(default=None, max_length=MAX_SKUS_PER_QUERY)


class StockQuery(PageQuery, SkuFilter):
    site: Code | None = None


class InventoryQuery(PageQuery, SkuFilter):
    pass


class StockRowOut(Schema):
    site: str
    sku: str
    on_hand: int
    reserved: int
    allocated: int
    available: int


class InventoryRowOut(Schema):
    sku: str
    available: int
