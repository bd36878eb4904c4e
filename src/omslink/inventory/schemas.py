"""Request and response shapes of the stock API (CONTRACT §3, §4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from ninja import Schema
from pydantic import AfterValidator, BaseModel, Field

from omslink.core.input_types import Code, Quantity, ShortText, SignedQuantity, Sku
from omslink.core.pagination import PageQuery
from omslink.core.resources import Resource
from omslink.inventory.models import StockBalance, StockDocument
from omslink.masters.models import Site

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


class DocumentLineOut(Resource):
    sku: str
    quantity: int


def _document_fields(document: StockDocument) -> dict[str, Any]:
    """A receipt's or an adjustment's fields; the document's text is named for its kind."""
    text_field = "reference" if document.kind == StockDocument.Kind.RECEIPT else "reason"
    moves = document.moves.select_related("item").order_by("pk")
    return {
        "id": document.number,
        "site": document.site.code,
        text_field: document.reference,
        "lines": [{"sku": move.item.sku, "quantity": move.on_hand_delta} for move in moves],
        "created_at": document.created_at,
        "created_by": document.created_by.username,
    }


class ReceiptOut(Resource):
    id: str
    site: str
    reference: str
    lines: list[DocumentLineOut]
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, document: StockDocument) -> Self:
        return cls.model_validate(_document_fields(document))


class AdjustmentOut(Resource):
    id: str
    site: str
    reason: str
    lines: list[DocumentLineOut]
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, document: StockDocument) -> Self:
        return cls.model_validate(_document_fields(document))


def stock_document_out(document: StockDocument) -> ReceiptOut | AdjustmentOut:
    """A receipt or an adjustment, as whichever the document is."""
    if document.kind == StockDocument.Kind.RECEIPT:
        return ReceiptOut.of(document)
    return AdjustmentOut.of(document)


class SkuFilter(Schema):
    sku: list[Sku] | None = Field(default=None, max_length=MAX_SKUS_PER_QUERY)


class StockQuery(PageQuery, SkuFilter):
    site: Code | None = None


class InventoryQuery(PageQuery, SkuFilter):
    pass


class StockRowOut(Resource):
    site: str
    sku: str
    on_hand: int
    reserved: int
    allocated: int
    available: int

    @classmethod
    def of(cls, balance: StockBalance) -> Self:
        """A balance row read with `balances_everywhere()`."""
        return cls(
            site=balance.site.code,
            sku=balance.item.sku,
            on_hand=balance.on_hand,
            reserved=balance.reserved,
            allocated=balance.allocated,
            available=balance.available,
        )

    @classmethod
    def at(cls, site: Site, item: Any) -> Self:
        """An item annotated with its counts by `items_with_balance_at(site)`."""
        return cls(
            site=site.code,
            sku=item.sku,
            on_hand=item.on_hand,
            reserved=item.reserved,
            allocated=item.allocated,
            available=item.on_hand - item.reserved - item.allocated,
        )


class InventoryRowOut(Resource):
    sku: str
    available: int

    @classmethod
    def of(cls, item: Any) -> Self:
        """An item annotated with its counts by `items_with_balance_at(site)`."""
        return cls(sku=item.sku, available=item.on_hand - item.reserved - item.allocated)
