"""Online orders API: the OMS pushes, reads, cancels and assigns couriers with its API key;
staff list, read and cancel with personal tokens (CONTRACT §3, §4).

A path serves both kinds of caller where the contract says so; one handler per path and
method looks at who is calling and scopes the lookup: staff by ERP id (`SO-000001`), the OMS
by its own external_order_id, only within its app.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Header, Query, Router, Status

from omslink.api_auth import caller_app, is_staff, partner, staff, staff_or_partner
from omslink.core.errors import ValidationFailed
from omslink.core.pagination import Page, page_of
from omslink.orders import services
from omslink.orders.models import Order
from omslink.orders.schemas import AwbIn, CancelIn, OrderIn, OrderListQuery, OrderOut
from omslink.orders.selectors import order_by_number, order_of_app, orders_list

router = Router(tags=["orders"])


def _idempotency_key(value: str | None) -> str | None:
    if value is not None and (not value or not value.isprintable() or not value.isascii()):
        raise ValidationFailed.for_field(
            "Idempotency-Key", "must be 1-255 printable ASCII characters"
        )
    return value


@router.post("/orders", response={200: OrderOut, 201: OrderOut}, auth=partner())
def push_order(
    request: HttpRequest,
    payload: OrderIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=255),
) -> Status:
    """Store and reserve a pushed order: 201 new, 200 the same order again."""
    app = caller_app(request)
    intake = services.order_intake(
        app=app, payload=payload, idempotency_key=_idempotency_key(idempotency_key)
    )
    return Status(201 if intake.created else 200, intake.order)


@router.get("/orders", response=Page[OrderOut], auth=staff("orders_view"))
def list_orders(request: HttpRequest, query: Query[OrderListQuery]) -> dict[str, Any]:
    """Staff: newest first, filtered by status and site."""
    orders = orders_list(status=query.status, site=query.site)
    return page_of(orders, query, newest_first=True, render=OrderOut.of)


def _order_for_caller(request: HttpRequest, order_id: str) -> Order:
    if is_staff(request):
        return order_by_number(order_id)
    return order_of_app(caller_app(request), order_id)


@router.get("/orders/{order_id}", response=OrderOut, auth=staff_or_partner("orders_view"))
def get_order(request: HttpRequest, order_id: str) -> OrderOut:
    return OrderOut.of(_order_for_caller(request, order_id))


@router.post("/orders/{order_id}/cancel", response=OrderOut, auth=staff_or_partner("orders_cancel"))
def cancel_order(request: HttpRequest, order_id: str, payload: CancelIn) -> OrderOut:
    """The OMS cancels by its external id; the ERP (role with orders_cancel) by `SO-…`."""
    order = _order_for_caller(request, order_id)
    by = Order.CancelledBy.ERP if is_staff(request) else Order.CancelledBy.OMS
    return OrderOut.of(services.order_cancel(order=order, by=by, reason=payload.reason))


@router.post("/orders/{order_id}/awb", response=OrderOut, auth=partner())
def assign_awb(request: HttpRequest, order_id: str, payload: AwbIn) -> OrderOut:
    """The OMS assigned a courier and an AWB number."""
    order = order_of_app(caller_app(request), order_id)
    return OrderOut.of(
        services.order_assign_awb(order=order, courier=payload.courier, awb=payload.awb)
    )
