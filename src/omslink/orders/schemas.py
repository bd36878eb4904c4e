"""The order the OMS pushes (CONTRACT §4), validated strictly, and the resource we answer (§5)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StrictStr

from omslink.core.errors import ValidationFailed
from omslink.core.input_types import Code, Gstin, Name, Quantity, Sku, StateCode
from omslink.core.money import Money
from omslink.core.pagination import PageQuery
from omslink.inventory.schemas import MAX_LINES
from omslink.orders.models import OrderStatus


def _identifier(value: str) -> str:
    if value != value.strip() or not value.isprintable():
        raise ValueError("must be printable, without surrounding white space")
    if "/" in value:
        raise ValueError("must not contain '/', which could not be used in the order's URL")
    return value


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must not contain control characters")
    return value


def _iso_datetime_with_offset(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(
            "must be an ISO 8601 date and time such as 2026-11-26T10:15:00+05:30"
        ) from exc
    if "T" not in value.upper() or moment.utcoffset() is None:
        raise ValueError("must be a date and time with an offset such as +05:30 or Z")
    return moment


def _phone(value: str) -> str:
    digits = [c for c in value if c.isdigit()]
    if value and (not all(c.isdigit() or c in "+-() " for c in value) or len(digits) < 6):
        raise ValueError("must be a phone number: digits, with optional +, -, ( ) or spaces")
    return value


def _email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if value and (not at or not local or "." not in domain or " " in value):
        raise ValueError("must be an e-mail address such as asha@example.com")
    return value


ExternalId = Annotated[StrictStr, Field(min_length=1, max_length=64), AfterValidator(_identifier)]
Text = Annotated[StrictStr, Field(max_length=200), AfterValidator(_printable)]
OrderedAt = Annotated[datetime, BeforeValidator(_iso_datetime_with_offset)]
Reason = Annotated[StrictStr, Field(min_length=1, max_length=500), AfterValidator(_printable)]
Label = Annotated[StrictStr, Field(min_length=1, max_length=64), AfterValidator(_identifier)]


class CustomerIn(BaseModel):
    name: Name
    phone: Annotated[StrictStr, Field(max_length=20), AfterValidator(_phone)] | None = None
    email: Annotated[StrictStr, Field(max_length=254), AfterValidator(_email)] | None = None


class AddressIn(BaseModel):
    line1: Annotated[Text, Field(min_length=1)]
    line2: Text = ""
    city: Annotated[StrictStr, Field(min_length=1, max_length=100), AfterValidator(_printable)]
    state_code: StateCode
    pincode: Annotated[
        StrictStr, Field(pattern=r"^[1-9][0-9]{5}$", description="six digits, not starting with 0")
    ]
    country: Literal["IN"] = "IN"


class OrderLineIn(BaseModel):
    line_id: ExternalId
    sku: Sku
    quantity: Quantity
    unit_price: Money
    discount: Money = "0.00"


class OrderIn(BaseModel):
    external_order_id: ExternalId
    marketplace: Annotated[
        StrictStr, Field(min_length=1, max_length=64), AfterValidator(_printable)
    ]
    marketplace_order_id: Annotated[
        StrictStr, Field(max_length=100), AfterValidator(_printable)
    ] = ""
    ordered_at: OrderedAt
    payment_mode: Literal["PREPAID", "COD"]
    customer: CustomerIn
    shipping_address: AddressIn
    billing_gstin: Gstin | None = None
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=MAX_LINES)]
    shipping_charge: Money = "0.00"
    cod_charge: Money = "0.00"

    def check_lines(self) -> None:
        """Refuse repeated line ids and discounts above the line's gross, naming each line."""
        details = []
        seen: set[str] = set()
        for index, line in enumerate(self.lines):
            if line.line_id in seen:
                details.append(
                    {
                        "field": f"lines[{index}].line_id",
                        "message": f"line_id {line.line_id!r} is used twice",
                    }
                )
            seen.add(line.line_id)
            if Decimal(line.discount) > Decimal(line.unit_price) * line.quantity:
                details.append(
                    {
                        "field": f"lines[{index}].discount",
                        "message": "must not exceed unit_price times quantity",
                    }
                )
        if details:
            raise ValidationFailed(
                "; ".join(f"{d['field']}: {d['message']}" for d in details), details=details
            )

    def body_hash(self) -> str:
        """SHA-256 of the order as we read it: key order, number spelling and ignored extra
        fields do not make two pushes of one order differ."""
        canonical = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class CancelIn(BaseModel):
    reason: Reason


class AwbIn(BaseModel):
    courier: Label
    awb: Label


class OrderListQuery(PageQuery):
    status: OrderStatus | None = None
    site: Code | None = None


class OrderLineOut(Schema):
    line_id: str
    sku: str
    quantity: int
    unit_price: str
    discount: str


class PackageOut(Schema):
    weight_grams: int
    length_mm: int
    breadth_mm: int
    height_mm: int


class InvoiceOut(Schema):
    number: str
    date: str
    taxable_value: str
    cgst: str
    sgst: str
    igst: str
    total: str
    pdf_url: str


class ShipmentOut(Schema):
    courier: str | None
    awb: str | None
    shipped_at: str | None


class CancellationOut(Schema):
    by: Literal["oms", "erp"]
    reason: str
    at: str


class OrderOut(Schema):
    """The order resource of CONTRACT §5, also the `data` of every order event."""

    id: str
    external_order_id: str
    marketplace: str
    marketplace_order_id: str
    org_unit: str
    site: str
    status: OrderStatus
    payment_mode: Literal["PREPAID", "COD"]
    ordered_at: str
    customer: dict[str, Any]
    shipping_address: dict[str, Any]
    billing_gstin: str | None
    lines: list[OrderLineOut]
    shipping_charge: str
    cod_charge: str
    picklist: str | None
    packages: list[PackageOut]
    invoice: InvoiceOut | None
    shipment: ShipmentOut
    cancellation: CancellationOut | None
    delivered_at: str | None
    returns: list[str]
    created_at: str
    updated_at: str
