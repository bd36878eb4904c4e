"""Wholesale orders: allocate from available stock all or nothing, dispatch, cancel.

`available` already excludes what online orders have reserved, so a wholesale order can never
take stock an online order holds (CONTRACT §3).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils import timezone

from omslink.core.errors import InvalidTransition, ValidationFailed
from omslink.core.transactions import transactional
from omslink.inventory.models import StockMove
from omslink.inventory.selectors import items_by_sku, site_named
from omslink.inventory.services import StockChange, stock_apply
from omslink.masters.models import Customer
from omslink.wholesale.models import WholesaleLine, WholesaleOrder
from omslink.wholesale.schemas import WholesaleOrderIn
from omslink.wholesale.selectors import wholesale_orders


@transactional
def wholesale_order_create(*, user: User, payload: WholesaleOrderIn) -> WholesaleOrder:
    """Store the order and allocate its whole quantity, or refuse with nothing stored."""
    buyer = Customer.objects.filter(code=payload.customer).first()
    if buyer is None:
        raise ValidationFailed.for_field("customer", f"no customer {payload.customer!r}")
    source = site_named(payload.site)
    items = items_by_sku(line.sku for line in payload.lines)
    order = WholesaleOrder.objects.create(customer=buyer, site=source, created_by=user)
    WholesaleLine.objects.bulk_create(
        WholesaleLine(order=order, position=position, item=items[line.sku], quantity=line.quantity)
        for position, line in enumerate(payload.lines, start=1)
    )
    stock_apply(
        site=source,
        changes=[
            StockChange(items[line.sku].pk, StockMove.Kind.ALLOCATE, allocated=line.quantity)
            for line in payload.lines
        ],
        reference=order.number,
    )
    return wholesale_orders().get(pk=order.pk)


def _leave_allocated(order: WholesaleOrder, target: WholesaleOrder.Status, verb: str) -> None:
    """Move an allocated order on; the conditional update lets one of two racing moves win."""
    moved = WholesaleOrder.objects.filter(
        pk=order.pk, status=WholesaleOrder.Status.ALLOCATED
    ).update(status=target, updated_at=timezone.now())
    if not moved:
        current = WholesaleOrder.objects.values_list("status", flat=True).get(pk=order.pk)
        raise InvalidTransition(
            f"{order.number} is {current}; only an allocated wholesale order can be {verb}."
        )


@transactional
def wholesale_order_dispatch(*, wholesale_order: WholesaleOrder) -> WholesaleOrder:
    """The goods left: on-hand and allocated go down together."""
    _leave_allocated(wholesale_order, WholesaleOrder.Status.DISPATCHED, "dispatched")
    stock_apply(
        site=wholesale_order.site,
        changes=[
            StockChange(
                line.item_id,
                StockMove.Kind.DISPATCH,
                on_hand=-line.quantity,
                allocated=-line.quantity,
            )
            for line in wholesale_order.lines.all()
        ],
        reference=wholesale_order.number,
    )
    return wholesale_orders().get(pk=wholesale_order.pk)


@transactional
def wholesale_order_cancel(*, wholesale_order: WholesaleOrder) -> WholesaleOrder:
    """Release the allocation back to available."""
    _leave_allocated(wholesale_order, WholesaleOrder.Status.CANCELLED, "cancelled")
    stock_apply(
        site=wholesale_order.site,
        changes=[
            StockChange(line.item_id, StockMove.Kind.DEALLOCATE, allocated=-line.quantity)
            for line in wholesale_order.lines.all()
        ],
        reference=wholesale_order.number,
    )
    return wholesale_orders().get(pk=wholesale_order.pk)
