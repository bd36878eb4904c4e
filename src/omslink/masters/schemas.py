"""Request and response shapes of the masters API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field, StrictStr

from omslink.core.input_types import (
    Code,
    Flag,
    Gstin,
    LongText,
    Name,
    Sku,
    StateCode,
    documented,
)
from omslink.core.money import Money, MoneyOut
from omslink.masters.models import Customer

GST_RATES = frozenset(
    Decimal(rate)
    for rate in ("0", "0.1", "0.25", "1", "1.5", "3", "5", "6", "7.5", "12", "18", "28", "40")
)


def _gst_rate(value: str) -> str:
    try:
        rate = Decimal(value)
    except ArithmeticError as exc:
        raise ValueError('must be a GST rate such as "5.00"') from exc
    if not rate.is_finite() or rate not in GST_RATES:
        slabs = ", ".join(f"{r:.2f}" for r in sorted(GST_RATES))
        raise ValueError(f"must be one of the GST rates {slabs}")
    return f"{rate:.2f}"


GstRate = Annotated[
    StrictStr,
    Field(max_length=6),
    documented(
        r"^[0-9]{1,2}(\.[0-9]{1,3})?$",
        "A GST rate in percent: " + ", ".join(f"{rate:.2f}" for rate in sorted(GST_RATES)),
    ),
    AfterValidator(_gst_rate),
]
HsnCode = Annotated[
    StrictStr, Field(pattern=r"^([0-9]{4}|[0-9]{6}|[0-9]{8})$", description="4, 6 or 8 digits")
]


class OrgUnitIn(Schema):
    code: Code
    name: Name
    gstin: Gstin
    state_code: StateCode
    address: LongText = ""


class OrgUnitOut(Schema):
    code: str
    name: str
    gstin: str
    state_code: str
    address: str
    created_at: datetime


class SiteIn(Schema):
    code: Code
    name: Name
    org_unit: Code
    online_fulfilment: Flag = False
    address: LongText = ""


class SiteOut(Schema):
    code: str
    name: str
    org_unit: str = Field(validation_alias="org_unit.code")
    online_fulfilment: bool
    address: str
    created_at: datetime


class ItemIn(Schema):
    sku: Sku
    name: Name
    hsn_code: HsnCode
    gst_rate: GstRate
    mrp: Money
    barcode: Annotated[StrictStr, Field(max_length=64)] = ""
    bin: Annotated[StrictStr, Field(max_length=32)] = ""


class ItemOut(Schema):
    sku: str
    name: str
    hsn_code: str
    gst_rate: MoneyOut
    mrp: MoneyOut
    barcode: str
    bin: str
    created_at: datetime


class CustomerIn(Schema):
    code: Code
    name: Name
    gstin: Gstin | None = None
    state_code: StateCode
    address: LongText = ""


class CustomerOut(Schema):
    code: str
    name: str
    gstin: str | None
    state_code: str
    address: str
    created_at: datetime

    @staticmethod
    def resolve_gstin(customer: Customer) -> str | None:
        return customer.gstin or None
