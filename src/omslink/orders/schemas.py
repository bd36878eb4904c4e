"""The order the OMS pushes (CONTRACT §4), validated strictly, and the resource we answer (§5)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, Field, StrictStr

from omslink.core.errors import ValidationFailed
from omslink.core.input_types import (
    PRINTABLE,
    Code,
    Gstin,
    Name,
    OffsetDateTime,
    Quantity,
    Sku,
    StateCode,
    documented,
)
from omslink.core.json_format import iso_timestamp
from omslink.core.money import Money, format_money
from omslink.core.pagination import PageQuery
from omslink.core.resources import Resource
from omslink.inventory.schemas import MAX_LINES
from omslink.orders.models import Order, OrderLine, OrderStatus

if TYPE_CHECKING:
    # Packing and invoicing are fulfilment's; the order resource only shows their result.
    from omslink.fulfilment.models import Invoice, Package


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


_IDENTIFIER = documented(
    r"^[^\s/\x00-\x1f\x7f-\x9f](?:[^/\x00-\x1f\x7f-\x9f]*[^\s/\x00-\x1f\x7f-\x9f])?$",
    "Printable, without '/' or white space at either end",
)
_PRINTABLE = documented(PRINTABLE, "Printable text on one line")
ExternalId = Annotated[
    StrictStr, Field(min_length=1, max_length=64), _IDENTIFIER, AfterValidator(_identifier)
]
Text = Annotated[StrictStr, Field(max_length=200), _PRINTABLE, AfterValidator(_printable)]
Reason = Annotated[
    StrictStr, Field(min_length=1, max_length=500), _PRINTABLE, AfterValidator(_printable)
]
Label = Annotated[
    StrictStr, Field(min_length=1, max_length=64), _IDENTIFIER, AfterValidator(_identifier)
]


class OrderCustomerIn(BaseModel):
    """The buyer of an online order (not a wholesale customer of the masters)."""

    name: Name
    phone: (
        Annotated[
            StrictStr,
            Field(max_length=20),
            documented(
                r"^(?:(?:[+() -]*[0-9]){6}[0-9+() -]*)?$", "At least six digits, + - ( ) and spaces"
            ),
            AfterValidator(_phone),
        ]
        | None
    ) = None
    email: (
        Annotated[
            StrictStr,
            Field(max_length=254),
            documented(
                r"^(?:[^ ]+@[^ @]*\.[^ @]*)?$", "An e-mail address such as asha@example.com"
            ),
            AfterValidator(_email),
        ]
        | None
    ) = None


class AddressIn(BaseModel):
    line1: Annotated[Text, Field(min_length=1)]
    line2: Text = ""
    city: Annotated[
        StrictStr, Field(min_length=1, max_length=100), _PRINTABLE, AfterValidator(_printable)
    ]
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
        StrictStr, Field(min_length=1, max_length=64), _PRINTABLE, AfterValidator(_printable)
    ]
    marketplace_order_id: Annotated[
        StrictStr, Field(max_length=100), _PRINTABLE, AfterValidator(_printable)
    ] = ""
    ordered_at: OffsetDateTime
    payment_mode: Literal["PREPAID", "COD"]
    customer: OrderCustomerIn
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


INVOICE_PDF_PATH = "/api/v1/invoices/{number}.pdf"


class OrderLineOut(Resource):
    line_id: str
    sku: str
    quantity: int
    unit_price: str
    discount: str


class PackageOut(Resource):
    weight_grams: int
    length_mm: int
    breadth_mm: int
    height_mm: int


class InvoiceOut(Resource):
    number: str
    date: str
    taxable_value: str
    cgst: str
    sgst: str
    igst: str
    total: str
    pdf_url: str


class ShipmentOut(Resource):
    courier: str | None
    awb: str | None
    shipped_at: str | None


class CancellationOut(Resource):
    by: Order.CancelledBy
    reason: str
    at: str


class OrderOut(Resource):
    """The order resource of CONTRACT §5, also the `data` of every order event."""

    id: str
    external_order_id: str
    marketplace: str
    marketplace_order_id: str
    org_unit: str
    site: str
    status: OrderStatus
    payment_mode: Order.PaymentMode
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

    @classmethod
    def of(cls, order: Order) -> Self:
        """Render an order read with `orders_for_resource()` (its relations prefetched)."""
        picklist_entry = getattr(order, "picklist_entry", None)
        return cls._of_parts(
            order,
            lines=order.resource_lines,
            packages=order.resource_packages,
            picklist=picklist_entry.picklist.number if picklist_entry else None,
            invoice=getattr(order, "invoice", None),
            # Oldest first, whatever order the prefetch kept.
            returns=[ret.number for ret in sorted(order.resource_returns, key=attrgetter("pk"))],
        )

    @classmethod
    def of_new(cls, order: Order, lines: Iterable[OrderLine]) -> Self:
        """Render an order just stored with these lines (their items set), without reading it
        back: nothing is picked, packed, invoiced or returned yet. The order's fields must hold
        what the database gives back (times in UTC, JSON keys in its order)."""
        return cls._of_parts(
            order, lines=lines, packages=(), picklist=None, invoice=None, returns=[]
        )

    @classmethod
    def _of_parts(
        cls,
        order: Order,
        *,
        lines: Iterable[OrderLine],
        packages: Iterable[Package],
        picklist: str | None,
        invoice: Invoice | None,
        returns: list[str],
    ) -> Self:
        return cls.model_validate(
            {
                "id": order.number,
                "external_order_id": order.external_order_id,
                "marketplace": order.marketplace,
                "marketplace_order_id": order.marketplace_order_id,
                "org_unit": order.org_unit.code,
                "site": order.site.code,
                "status": order.status,
                "payment_mode": order.payment_mode,
                "ordered_at": iso_timestamp(order.ordered_at),
                "customer": order.customer,
                "shipping_address": order.shipping_address,
                "billing_gstin": order.billing_gstin or None,
                "lines": [
                    {
                        "line_id": line.line_id,
                        "sku": line.item.sku,
                        "quantity": line.quantity,
                        "unit_price": format_money(line.unit_price),
                        "discount": format_money(line.discount),
                    }
                    for line in lines
                ],
                "shipping_charge": format_money(order.shipping_charge),
                "cod_charge": format_money(order.cod_charge),
                "picklist": picklist,
                "packages": [
                    {
                        "weight_grams": package.weight_grams,
                        "length_mm": package.length_mm,
                        "breadth_mm": package.breadth_mm,
                        "height_mm": package.height_mm,
                    }
                    for package in packages
                ],
                "invoice": None
                if invoice is None
                else {
                    "number": invoice.number,
                    "date": iso_timestamp(invoice.date),
                    "taxable_value": format_money(invoice.taxable_value),
                    "cgst": format_money(invoice.cgst),
                    "sgst": format_money(invoice.sgst),
                    "igst": format_money(invoice.igst),
                    "total": format_money(invoice.total),
                    "pdf_url": INVOICE_PDF_PATH.format(number=invoice.number),
                },
                "shipment": {
                    "courier": order.courier or None,
                    "awb": order.awb or None,
                    "shipped_at": iso_timestamp(order.shipped_at),
                },
                "cancellation": None
                if not order.cancelled_by
                else {
                    "by": order.cancelled_by,
                    "reason": order.cancel_reason,
                    "at": iso_timestamp(order.cancelled_at),
                },
                "delivered_at": iso_timestamp(order.delivered_at),
                "returns": returns,
                "created_at": iso_timestamp(order.created_at),
                "updated_at": iso_timestamp(order.updated_at),
            }
        )
