"""The return events an OMS hears (CONTRACT §7, §9), on the ordering key of the return's order,
so the OMS sees them after that order's `order.shipped`."""

from __future__ import annotations

from typing import Literal

from omslink.orders.events import order_ordering_key
from omslink.returns.models import Return
from omslink.returns.schemas import ReturnOut
from omslink.returns.selectors import returns_for_resource
from omslink.webhooks.event_types import EventType
from omslink.webhooks.services import event_publish

ReturnEventType = Literal[
    EventType.RETURN_CREATED,
    EventType.RETURN_RECEIVED,
    EventType.CREDIT_NOTE_ISSUED,
]


def return_event_publish(ret: Return, type: ReturnEventType) -> ReturnOut:
    """Publish `type` with the return as it now is (read again), in the caller's transaction.

    Returns the resource as published.
    """
    current = returns_for_resource().select_related("order__org_unit", "app").get(pk=ret.pk)
    resource = ReturnOut.of(current)
    event_publish(
        org_unit=current.order.org_unit,
        type=type,
        ordering_key=order_ordering_key(current.order),
        data=resource.data(),
        apps=[current.app],
    )
    return resource
