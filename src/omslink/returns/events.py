"""The return events an OMS hears (CONTRACT §7, §9), on the ordering key of the return's order,
so the OMS sees them after that order's `order.shipped`."""

from __future__ import annotations

from enum import StrEnum

from omslink.orders.events import order_ordering_key
from omslink.returns.models import Return
from omslink.returns.schemas import ReturnOut
from omslink.returns.selectors import returns_for_resource
from omslink.webhooks.models import Event
from omslink.webhooks.services import event_publish


class ReturnEvent(StrEnum):
    CREATED = "return.created"
    RECEIVED = "return.received"
    CREDIT_NOTE_ISSUED = "credit_note.issued"


def return_event_publish(ret: Return, event: ReturnEvent) -> Event:
    """Tell the order's OMS app, in the caller's transaction, with the return as it now is."""
    current = returns_for_resource().select_related("order__org_unit", "app").get(pk=ret.pk)
    return event_publish(
        org_unit=current.order.org_unit,
        type=event,
        ordering_key=order_ordering_key(current.order),
        data=ReturnOut.of(current).data(),
        apps=[current.app],
    )
