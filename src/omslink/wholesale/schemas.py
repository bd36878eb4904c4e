"""Request and response shapes of the wholesale API (CONTRACT §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field

from omslink.core.input_types import Code
from omslink.core.pagination import PageQuery
from omslink.core.resources import Resource
from omslink.inventory.schemas import MAX_LINES, StockLineIn
from omslink.wholesale.models import WholesaleOrder


class WholesaleOrderIn(BaseModel):
    customer: Code
    site: Code
    lines: Annotated[list[StockLineIn], Field(min_length=1, max_length=MAX_LINES)]


class WholesaleLineOut(Resource):
    sku: str
    quantity: int


class WholesaleOrderOut(Resource):
    id: str
    customer: str
    site: str
    status: Literal["allocated", "dispatched", "cancelled"]
    lines: list[WholesaleLineOut]
    created_at: datetime
    created_by: str
    updated_at: datetime

    @classmethod
    def of(cls, order: WholesaleOrder) -> Self:
        """Render an order read with `wholesale_orders()`."""
        return cls.model_validate(
            {
                "id": order.number,
                "customer": order.customer.code,
                "site": order.site.code,
                "status": order.status,
                "lines": [
                    {"sku": line.item.sku, "quantity": line.quantity} for line in order.lines.all()
                ],
                "created_at": order.created_at,
                "created_by": order.created_by.username,
                "updated_at": order.updated_at,
            }
        )


class WholesaleListQuery(PageQuery):
    status: Literal["allocated", "dispatched", "cancelled"] | None = None
    site: Code | None = None
