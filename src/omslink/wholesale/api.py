"""Wholesale orders API (CONTRACT §3): staff only, allowed by the role's operations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from omslink.api_auth import caller_user, staff
from omslink.core.pagination import Page, page_of
from omslink.inventory.selectors import site_named
from omslink.inventory.services import DocumentLine
from omslink.wholesale import services
from omslink.wholesale.schemas import WholesaleListQuery, WholesaleOrderIn, WholesaleOrderOut
from omslink.wholesale.selectors import wholesale_order_by_number, wholesale_orders

router = Router(tags=["wholesale"])


@router.post("/wholesale-orders", response={201: WholesaleOrderOut}, auth=staff("wholesale_create"))
def create_wholesale_order(request: HttpRequest, payload: WholesaleOrderIn) -> Status:
    user = caller_user(request)
    order = services.wholesale_order_create(
        user=user,
        customer=payload.customer,
        site=payload.site,
        lines=[DocumentLine(line.sku, line.quantity) for line in payload.lines],
    )
    return Status(201, WholesaleOrderOut.of(order))


@router.get("/wholesale-orders", response=Page[WholesaleOrderOut], auth=staff("wholesale_view"))
def list_wholesale_orders(request: HttpRequest, query: Query[WholesaleListQuery]) -> dict[str, Any]:
    """Newest first, like online orders."""
    orders = wholesale_orders()
    if query.status is not None:
        orders = orders.filter(status=query.status)
    if query.site is not None:
        orders = orders.filter(site=site_named(query.site))
    return page_of(orders, query, newest_first=True, render=WholesaleOrderOut.of)


@router.get(
    "/wholesale-orders/{order_id}", response=WholesaleOrderOut, auth=staff("wholesale_view")
)
def get_wholesale_order(request: HttpRequest, order_id: str) -> WholesaleOrderOut:
    return WholesaleOrderOut.of(wholesale_order_by_number(order_id))


@router.post(
    "/wholesale-orders/{order_id}/dispatch",
    response=WholesaleOrderOut,
    auth=staff("wholesale_dispatch"),
)
def dispatch_wholesale_order(request: HttpRequest, order_id: str) -> WholesaleOrderOut:
    return WholesaleOrderOut.of(services.wholesale_order_dispatch(number=order_id))


@router.post(
    "/wholesale-orders/{order_id}/cancel",
    response=WholesaleOrderOut,
    auth=staff("wholesale_cancel"),
)
def cancel_wholesale_order(request: HttpRequest, order_id: str) -> WholesaleOrderOut:
    return WholesaleOrderOut.of(services.wholesale_order_cancel(number=order_id))
