"""Masters: org units, sites, items, customers (CONTRACT §3)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Query, Router, Status

from omslink.api_auth import staff
from omslink.core.errors import ValidationFailed
from omslink.core.pagination import Page, PageQuery, page_of
from omslink.core.validation import validate_as
from omslink.masters import services
from omslink.masters.models import Customer, Item, OrgUnit, Site
from omslink.masters.schemas import (
    CustomerIn,
    CustomerOut,
    ItemIn,
    ItemOut,
    OrgUnitIn,
    OrgUnitOut,
    SiteIn,
    SiteOut,
)

router = Router(tags=["masters"])


@router.post("/org-units", response={201: OrgUnitOut}, auth=staff("masters_edit"))
def create_org_unit(request: HttpRequest, payload: OrgUnitIn) -> Status:
    return Status(201, services.org_unit_create(payload=payload))


@router.get("/org-units", response=Page[OrgUnitOut], auth=staff("masters_view"))
def list_org_units(request: HttpRequest, query: Query[PageQuery]) -> dict[str, object]:
    return page_of(OrgUnit.objects.all(), query, newest_first=False)


@router.post("/sites", response={201: SiteOut}, auth=staff("masters_edit"))
def create_site(request: HttpRequest, payload: SiteIn) -> Status:
    return Status(201, services.site_create(payload=payload))


@router.get("/sites", response=Page[SiteOut], auth=staff("masters_view"))
def list_sites(request: HttpRequest, query: Query[PageQuery]) -> dict[str, object]:
    return page_of(Site.objects.select_related("org_unit"), query, newest_first=False)


@router.post("/items", response={201: ItemOut | list[ItemOut]}, auth=staff("masters_edit"))
def create_items(
    request: HttpRequest, payload: Body[list[dict[str, Any]] | dict[str, Any]]
) -> Status:
    """Create one item, or a list of items all or none (validated per shape for clear errors)."""
    if isinstance(payload, list):
        if not payload:
            raise ValidationFailed.for_field("body", "the list of items is empty")
        items = validate_as(list[ItemIn], payload)
        return Status(201, services.items_create(items=items))
    item = validate_as(ItemIn, payload)
    return Status(201, services.items_create(items=[item])[0])


@router.get("/items", response=Page[ItemOut], auth=staff("masters_view"))
def list_items(request: HttpRequest, query: Query[PageQuery]) -> dict[str, object]:
    return page_of(Item.objects.all(), query, newest_first=False)


@router.post("/customers", response={201: CustomerOut}, auth=staff("masters_edit"))
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status:
    return Status(201, services.customer_create(payload=payload))


@router.get("/customers", response=Page[CustomerOut], auth=staff("masters_view"))
def list_customers(request: HttpRequest, query: Query[PageQuery]) -> dict[str, object]:
    return page_of(Customer.objects.all(), query, newest_first=False)
