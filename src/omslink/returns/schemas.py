"""Request shapes of delivery, RTO and returns (CONTRACT §9), and the one return resource.

`ReturnOut.of` is the only place a return becomes JSON: the API answers with it and every
return event carries it as `data`, so an OMS sees one shape everywhere.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictInt

from omslink.core.errors import ValidationFailed
from omslink.core.input_types import MAX_QUANTITY, Code, OffsetDateTime, Quantity, Sku
from omslink.core.json_format import iso_timestamp
from omslink.core.money import format_money
from omslink.core.pagination import PageQuery
from omslink.core.resources import Resource
from omslink.fulfilment.schemas import OrderNumber
from omslink.inventory.schemas import MAX_LINES
from omslink.orders.schemas import ExternalId, Label, Reason
from omslink.returns.models import CreditNote, Return, ReturnStatus, ReturnType

CREDIT_NOTE_PDF_PATH = "/api/v1/credit-notes/{number}.pdf"


class DeliveredIn(BaseModel):
    delivered_at: OffsetDateTime


class RtoIn(BaseModel):
    reason: Reason


class ReturnLineIn(BaseModel):
    line_id: ExternalId
    quantity: Quantity


ReturnLines = Annotated[list[ReturnLineIn], Field(min_length=1, max_length=MAX_LINES)]


def _unique_line_ids(lines: list[ReturnLineIn] | None) -> None:
    details = []
    seen: set[str] = set()
    for index, line in enumerate(lines or []):
        if line.line_id in seen:
            details.append(
                {"field": f"lines[{index}].line_id", "message": f"{line.line_id!r} is given twice"}
            )
        seen.add(line.line_id)
    if details:
        raise ValidationFailed(details[0]["message"], details=details)


class ReturnPushIn(BaseModel):
    """A buyer's return of a delivered order, as the OMS pushes it."""

    external_return_id: ExternalId
    order: ExternalId
    reason: Reason
    lines: ReturnLines
    courier: Label | None = None
    awb: Label | None = None

    def check_lines(self) -> None:
        _unique_line_ids(self.lines)

    def body_hash(self) -> str:
        """SHA-256 of the return as we read it, so key order or spelling do not matter."""
        canonical = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ReturnCreateIn(BaseModel):
    """A parcel that arrived with no notice from the OMS, entered by staff.

    An `rto` brings back the whole shipment: `lines` may be left out, and when given must
    name every line of the order with all its units.
    """

    order: OrderNumber
    type: Literal["rto", "customer_return"]
    reason: Reason
    lines: ReturnLines | None = None
    courier: Label | None = None
    awb: Label | None = None

    def check_lines(self) -> None:
        if self.type == ReturnType.CUSTOMER_RETURN and self.lines is None:
            raise ValidationFailed.for_field("lines", "a customer return names its lines")
        _unique_line_ids(self.lines)


Count = Annotated[StrictInt, Field(ge=0, le=MAX_QUANTITY)]


class ReceivedLineIn(BaseModel):
    sku: Sku
    good: Count
    damaged: Count = 0


class ReceiveIn(BaseModel):
    lines: Annotated[list[ReceivedLineIn], Field(max_length=MAX_LINES)]


class ReturnListQuery(PageQuery):
    status: ReturnStatus | None = None
    site: Code | None = None
    type: ReturnType | None = None


class ReturnLineOut(Resource):
    line_id: str
    sku: str
    quantity: int
    good: int | None
    damaged: int | None
    missing: int | None


class CreditNoteOut(Resource):
    number: str
    date: str
    taxable_value: str
    cgst: str
    sgst: str
    igst: str
    total: str
    pdf_url: str

    @classmethod
    def of(cls, note: CreditNote) -> CreditNoteOut:
        return cls(
            number=note.number,
            date=str(iso_timestamp(note.date)),
            taxable_value=format_money(note.taxable_value),
            cgst=format_money(note.cgst),
            sgst=format_money(note.sgst),
            igst=format_money(note.igst),
            total=format_money(note.total),
            pdf_url=CREDIT_NOTE_PDF_PATH.format(number=note.number),
        )


class ReturnOut(Resource):
    """The return resource of CONTRACT §9: the API's answer and every return event's data."""

    number: str
    external_return_id: str | None
    type: ReturnType
    order: str
    external_order_id: str
    site: str
    status: ReturnStatus
    reason: str
    courier: str | None
    awb: str | None
    lines: list[ReturnLineOut]
    credit_note: CreditNoteOut | None
    created_at: str
    received_at: str | None

    @classmethod
    def of(cls, ret: Return) -> ReturnOut:
        """Render a return fetched with `returns_for_resource()` (no further queries)."""
        note = getattr(ret, "credit_note", None)
        return cls(
            number=ret.number,
            external_return_id=ret.external_return_id or None,
            type=ReturnType(ret.type),
            order=ret.order.number,
            external_order_id=ret.order.external_order_id,
            site=ret.site.code,
            status=ReturnStatus(ret.status),
            reason=ret.reason,
            courier=ret.courier or None,
            awb=ret.awb or None,
            lines=[
                ReturnLineOut(
                    line_id=line.order_line.line_id,
                    sku=line.order_line.item.sku,
                    quantity=line.quantity,
                    good=line.good,
                    damaged=line.damaged,
                    missing=line.missing,
                )
                for line in ret.lines.all()
            ],
            credit_note=None if note is None else CreditNoteOut.of(note),
            created_at=str(iso_timestamp(ret.created_at)),
            received_at=iso_timestamp(ret.received_at),
        )
