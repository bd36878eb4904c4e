"""Create org units, sites, items and customers; uniqueness is reported, never a 500."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Model

from omslink.core.errors import Conflict, ValidationFailed
from omslink.core.transactions import transactional
from omslink.masters.models import Customer, Item, OrgUnit, Site
from omslink.masters.schemas import CustomerIn, ItemIn, OrgUnitIn, SiteIn


def _refuse_existing(model: type[Model], field: str, value: str) -> None:
    if model._default_manager.filter(**{field: value}).exists():
        raise Conflict(f"A {model._meta.verbose_name} with {field} {value!r} exists already.")


@transactional
def org_unit_create(*, payload: OrgUnitIn) -> OrgUnit:
    """Create a legal entity; its GSTIN's first two digits need not be checked by us."""
    _refuse_existing(OrgUnit, "code", payload.code)
    return OrgUnit.objects.create(
        code=payload.code,
        name=payload.name,
        gstin=payload.gstin,
        state_code=payload.state_code,
        address=payload.address,
    )


@transactional
def site_create(*, payload: SiteIn) -> Site:
    """Create a warehouse; an OU has at most one online fulfilment site."""
    _refuse_existing(Site, "code", payload.code)
    owner = OrgUnit.objects.filter(code=payload.org_unit).first()
    if owner is None:
        raise ValidationFailed.for_field("org_unit", f"no org unit {payload.org_unit!r}")
    if payload.online_fulfilment:
        current = Site.objects.filter(org_unit=owner, online_fulfilment=True).first()
        if current is not None:
            raise Conflict(
                f"{payload.org_unit} already fulfils online orders from site {current.code}."
            )
    return Site.objects.create(
        code=payload.code,
        name=payload.name,
        org_unit=owner,
        online_fulfilment=payload.online_fulfilment,
        address=payload.address,
    )


@transactional
def items_create(*, items: Sequence[ItemIn]) -> list[Item]:
    """Create one or many items, all or none."""
    skus = [item.sku for item in items]
    repeated = sorted({sku for sku in skus if skus.count(sku) > 1})
    if repeated:
        raise ValidationFailed(
            "The same SKU is listed twice.",
            details=[
                {"field": f"[{skus.index(sku)}].sku", "message": f"{sku} is repeated"}
                for sku in repeated
            ],
        )
    existing = sorted(Item.objects.filter(sku__in=skus).values_list("sku", flat=True))
    if existing:
        raise Conflict(
            f"Items exist already: {', '.join(existing)}.",
            details=[{"sku": sku} for sku in existing],
        )
    created = [
        Item(
            sku=item.sku,
            name=item.name,
            hsn_code=item.hsn_code,
            gst_rate=Decimal(item.gst_rate),
            mrp=Decimal(item.mrp),
            barcode=item.barcode,
            bin=item.bin,
        )
        for item in items
    ]
    return Item.objects.bulk_create(created)


@transactional
def customer_create(*, payload: CustomerIn) -> Customer:
    """Create a wholesale buyer; one without a GSTIN is stored with an empty one."""
    _refuse_existing(Customer, "code", payload.code)
    return Customer.objects.create(
        code=payload.code,
        name=payload.name,
        gstin=payload.gstin or "",
        state_code=payload.state_code,
        address=payload.address,
    )
