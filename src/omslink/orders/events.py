"""The order events an OMS hears (CONTRACT §7) and their one publisher."""

from __future__ import annotations

from enum import StrEnum

from omslink.orders.models import Order
from omslink.orders.selectors import order_resource, orders_for_resource
from omslink.webhooks.models import Event
from omslink.webhooks.services import event_publish


class OrderEvent(StrEnum):
    RESERVED = "order.reserved"
    PICKLIST_CREATED = "order.picklist_created"
    PICKED = "order.picked"
    PACKED = "order.packed"
    INVOICED = "order.invoiced"
    SHIPPED = "order.shipped"
    CANCELLED = "order.cancelled"
    DELIVERED = "order.delivered"
    RTO_INITIATED = "order.rto_initiated"
    RTO_RECEIVED = "order.rto_received"


def order_ordering_key(order: Order) -> str:
    """The key all of an order's events share, returns' events included."""
    return f"order:{order.number}"


def order_event_publish(order: Order, event: OrderEvent) -> Event:
    """Tell the order's OMS app, in the caller's transaction, with the order as it now is."""
    return event_publish(
        org_unit=order.org_unit,
        type=event,
        ordering_key=order_ordering_key(order),
        data=order_resource(orders_for_resource().get(pk=order.pk)),
        apps=[order.app],
    )
