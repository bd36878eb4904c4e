"""Order events (CONTRACT §7): every `order.*` event, whichever domain moves the order.

Fulfilment and returns move orders too; they publish through `order_event_publish`, so an
order event has one ordering key, one `data` (the order resource) and one audience (the
order's own app) wherever it starts.
"""

from __future__ import annotations

from typing import Literal

from omslink.orders.models import Order
from omslink.orders.schemas import OrderOut
from omslink.webhooks.event_types import EventType
from omslink.webhooks.services import event_publish

OrderEventType = Literal[
    EventType.ORDER_RESERVED,
    EventType.ORDER_PICKLIST_CREATED,
    EventType.ORDER_PICKED,
    EventType.ORDER_PACKED,
    EventType.ORDER_INVOICED,
    EventType.ORDER_SHIPPED,
    EventType.ORDER_CANCELLED,
    EventType.ORDER_DELIVERED,
    EventType.ORDER_RTO_INITIATED,
    EventType.ORDER_RTO_RECEIVED,
]


def order_ordering_key(order: Order) -> str:
    """The ordering key of the order's events, and of its returns' (CONTRACT §7)."""
    return f"order:{order.number}"


def order_event_publish(
    order: Order, type: OrderEventType, resource: OrderOut | None = None
) -> OrderOut:
    """Publish `type` with the order as its data, in the caller's transaction.

    Pass the order as the change left it, read again with `orders_for_resource()`, or its
    `resource` rendered already from what was written: the OMS takes the data for the order's
    state. Returns the resource as published.
    """
    if resource is None:
        resource = OrderOut.of(order)
    event_publish(
        org_unit=order.org_unit,
        type=type,
        ordering_key=order_ordering_key(order),
        data=resource.data(),
        apps=[order.app],
    )
    return resource
