"""Wholesale orders API (CONTRACT §3): staff only, allowed by the role's operations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from omslink.api_auth import caller_user, staff
from omslink.core.pagination import Page, page_of
from omslink.wholesale import services
from omslink.wholesale.schemas import WholesaleListQuery, WholesaleOrderIn, WholesaleOrderOut
from omslink.wholesale.selectors import wholesale_order_by_number, wholesale_orders_list

router = Router(tags=["wholesale"])


@router.post("/wholesale-orders", response={201: WholesaleOrderOut}, auth=staff("wholesale_create"))
def create_wholesale_order(request: HttpRequest, payload: WholesaleOrderIn) -> Status:
    user = caller_user(request)
    order = services.wholesale_order_create(user=user, payload=payload)
    return Status(201, WholesaleOrderOut.of(order))


@router.get("/wholesale-orders", response=Page[WholesaleOrderOut], auth=staff("wholesale_view"))
def list_wholesale_orders(request: HttpRequest, query: Query[WholesaleListQuery]) -> dict[str, Any]:
    """Newest first, like online orders."""
    orders = wholesale_orders_list(status=query.status, site=query.site)
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
    order = wholesale_order_by_number(order_id)
    return WholesaleOrderOut.of(services.wholesale_order_dispatch(wholesale_order=order))


@router.post(
    "/wholesale-orders/{order_id}/cancel",
    response=WholesaleOrderOut,
    auth=staff("wholesale_cancel"),
)
def cancel_wholesale_order(request: HttpRequest, order_id: str) -> WholesaleOrderOut:
    order = wholesale_order_by_number(order_id)
    return WholesaleOrderOut.of(services.wholesale_order_cancel(wholesale_order=order))
