"""Request and response shapes of the wholesale API (CONTRACT §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BaseModel, Field

from omslink.core.input_types import Code
from omslink.core.pagination import PageQuery
from omslink.inventory.schemas import MAX_LINES, StockLineIn


class WholesaleOrderIn(BaseModel):
    customer: Code
    site: Code
    lines: Annotated[list[StockLineIn], Field(min_length=1, max_length=MAX_LINES)]


class WholesaleLineOut(Schema):
    sku: str
    quantity: int


class WholesaleOrderOut(Schema):
    id: str
    customer: str
    site: str
    status: Literal["allocated", "dispatched", "cancelled"]
    lines: list[WholesaleLineOut]
    created_at: datetime
    created_by: str
    updated_at: datetime


class WholesaleListQuery(PageQuery):
    status: Literal["allocated", "dispatched", "cancelled"] | None = None
    site: Code | None = None
