"""Request and response shapes of the fulfilment API (CONTRACT §3 "Fulfilment")."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, StrictInt, StrictStr

from omslink.core.input_types import Code, Sku
from omslink.core.json_format import iso_timestamp
from omslink.core.pagination import PageQuery
from omslink.core.resources import Resource
from omslink.fulfilment.models import PickList
from omslink.fulfilment.selectors import MAX_PICKLIST_ORDERS
from omslink.orders.schemas import Label

MAX_PICKLIST_LINES = 10_000
"""SKUs one confirmation may list; a list of 200 orders of 500 lines stays far below it."""
MAX_PICKED = 1_000_000_000
MAX_PACKAGES = 50
MAX_WEIGHT_GRAMS = 1_000_000
"""A tonne: above any parcel or pallet a courier takes."""
MAX_DIMENSION_MM = 10_000

OrderNumber = Annotated[
    StrictStr, Field(pattern=r"^SO-\d{6,18}$", description="the ERP order id, e.g. SO-000001")
]


class PickListIn(BaseModel):
    site: Code
    orders: (
        Annotated[list[OrderNumber], Field(min_length=1, max_length=MAX_PICKLIST_ORDERS)] | None
    ) = None
    max_orders: Annotated[StrictInt, Field(ge=1, le=MAX_PICKLIST_ORDERS)] | None = None


class PickedLineIn(BaseModel):
    sku: Sku
    picked: Annotated[StrictInt, Field(ge=0, le=MAX_PICKED)]


class PickListConfirmIn(BaseModel):
    lines: Annotated[list[PickedLineIn], Field(min_length=1, max_length=MAX_PICKLIST_LINES)]


class PickListQuery(PageQuery):
    status: Literal["open", "confirmed"] | None = None
    site: Code | None = None


class PickListLineOut(Resource):
    sku: str
    bin: str
    quantity: int
    picked: int | None


class PickListOut(Resource):
    """The contract's pick list, with its status and who made and confirmed it."""

    number: str
    site: str
    orders: list[str]
    lines: list[PickListLineOut]
    status: str
    created_at: str
    created_by: str
    confirmed_at: str | None
    confirmed_by: str | None

    @classmethod
    def of(cls, picklist: PickList) -> Self:
        """Render a pick list read with `picklists_for_resource()`."""
        return cls.model_validate(
            {
                "number": picklist.number,
                "site": picklist.site.code,
                "orders": [entry.order.number for entry in picklist.entries.all()],
                "lines": [
                    {
                        "sku": line.item.sku,
                        "bin": line.bin,
                        "quantity": line.quantity,
                        "picked": line.picked,
                    }
                    for line in picklist.lines.all()
                ],
                "status": picklist.status,
                "created_at": iso_timestamp(picklist.created_at),
                "created_by": picklist.created_by.username,
                "confirmed_at": iso_timestamp(picklist.confirmed_at),
                "confirmed_by": picklist.confirmed_by.username if picklist.confirmed_by else None,
            }
        )


Grams = Annotated[StrictInt, Field(ge=1, le=MAX_WEIGHT_GRAMS)]
Millimetres = Annotated[StrictInt, Field(ge=1, le=MAX_DIMENSION_MM)]


class PackageIn(BaseModel):
    weight_grams: Grams
    length_mm: Millimetres
    breadth_mm: Millimetres
    height_mm: Millimetres


class PackIn(BaseModel):
    packages: Annotated[list[PackageIn], Field(min_length=1, max_length=MAX_PACKAGES)]


class ShipIn(BaseModel):
    courier: Label | None = None
    awb: Label | None = None
