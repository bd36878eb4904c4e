"""Write events into the outbox, in the caller's transaction (CONTRACT §6.4, §7)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.core.json_format import iso_timestamp
from omslink.masters.models import OrgUnit, Site
from omslink.webhooks.event_ids import new_event_id
from omslink.webhooks.models import Delivery, Event, EventStream, PendingInventoryUpdate

RELAY_CHANNEL = "omslink_outbox"


def _next_sequence(key: str) -> int:
    """Issue the next sequence of a key; the stream row stays locked until commit."""
    if not EventStream.objects.filter(key=key).update(last_sequence=F("last_sequence") + 1):
        try:
            with transaction.atomic():
                EventStream.objects.create(key=key, last_sequence=1)
            return 1
        except IntegrityError:
            EventStream.objects.filter(key=key).update(last_sequence=F("last_sequence") + 1)
    return EventStream.objects.values_list("last_sequence", flat=True).get(key=key)


def event_publish(
    *,
    org_unit: OrgUnit,
    type: str,
    ordering_key: str,
    data: dict[str, Any],
    apps: Iterable[OmsApp] | None = None,
) -> Event:
    """Record an event and one delivery per target app, inside the caller's transaction.

    `apps` defaults to every OMS app of the OU, enabled or not: a disabled app's deliveries
    wait for it to be enabled again (CONTRACT §7), they are never dropped.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("event_publish must run inside the transaction of the change")
    now = timezone.now()
    sequence = _next_sequence(ordering_key)
    event = Event.objects.create(
        event_id=new_event_id(),
        type=type,
        org_unit=org_unit,
        ordering_key=ordering_key,
        sequence=sequence,
        data=data,
        created_at=now,
    )
    targets = list(apps) if apps is not None else list(OmsApp.objects.filter(org_unit=org_unit))
    Delivery.objects.bulk_create(
        Delivery(event=event, app=app, ordering_key=ordering_key, sequence=sequence,
                 next_attempt_at=now)
        for app in targets
    )
    if connection.vendor == "postgresql":
        # Delivered with the commit, so a relay never wakes for a change that rolled back.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [RELAY_CHANNEL])
    return event


def event_envelope(event: Event) -> dict[str, Any]:
    """The JSON body of a webhook (CONTRACT §7)."""
    return {
        "id": event.event_id,
        "type": event.type,
        "created_at": iso_timestamp(event.created_at),
        "org_unit": event.org_unit.code,
        "ordering_key": event.ordering_key,
        "sequence": event.sequence,
        "data": event.data,
    }


def inventory_changed(*, site: Site, item_ids: Iterable[int]) -> None:
    """Note that these items' available quantities moved at an online fulfilment site.

    Runs in the stock change's transaction; the relay merges pending rows into one
    `inventory.updated` event per site.
    """
    if not site.online_fulfilment:
        return
    now = timezone.now()
    PendingInventoryUpdate.objects.bulk_create(
        [PendingInventoryUpdate(site=site, item_id=item_id, marked_at=now)
         for item_id in sorted(set(item_ids))],
        ignore_conflicts=True,
    )
