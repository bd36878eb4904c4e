"""Write to the outbox: events in the transaction of their change (CONTRACT §6.4, §7), and the
hand retry of a failed delivery. The outbox serves every domain and imports none."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import InvalidTransition
from omslink.core.json_format import iso_timestamp
from omslink.core.transactions import transactional
from omslink.masters.models import OrgUnit
from omslink.webhooks.event_ids import new_event_id
from omslink.webhooks.event_types import EventType
from omslink.webhooks.models import Delivery, Event

logger = logging.getLogger(__name__)

RELAY_CHANNEL = "omslink_outbox"


def relays_wake() -> None:
    """Tell listening relays to look now; PostgreSQL delivers it at commit, never on rollback."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [RELAY_CHANNEL])


# One statement for a key's first event and every later one (the stream row stays locked until
# commit, so a key's sequences follow its commits). Plain SQL: the ORM has no upsert that
# returns the new value, and every event pays for this.
_NEXT_SEQUENCE = (
    'INSERT INTO webhooks_eventstream ("key", last_sequence) VALUES (%s, 1) '
    'ON CONFLICT ("key") DO UPDATE SET last_sequence = webhooks_eventstream.last_sequence + 1 '
    "RETURNING last_sequence"
)


def _next_sequence(key: str) -> int:
    """Issue the next sequence of a key; the stream row stays locked until commit."""
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQUENCE, [key])
        (sequence,) = cursor.fetchone()
    return int(sequence)


def event_publish(
    *,
    org_unit: OrgUnit,
    type: EventType,
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
        Delivery(
            event=event, app=app, ordering_key=ordering_key, sequence=sequence, next_attempt_at=now
        )
        for app in targets
    )
    relays_wake()
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


@transactional
def delivery_retry(*, delivery: Delivery, user: User) -> Delivery:
    """Queue a failed delivery for a fresh round of attempts, starting now (the hand retry).

    The deliveries queued behind it on its ordering key follow once it has gone through.
    """
    requeued = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=timezone.now(),
        round_attempts=0,
        claim_token="",
        lease_expires_at=None,
    )
    if not requeued:
        current = Delivery.objects.values_list("status", flat=True).get(pk=delivery.pk)
        raise InvalidTransition(
            f"Webhook delivery {delivery.pk} is {current}; only a failed delivery can be retried."
        )
    relays_wake()
    logger.info("webhook delivery %s queued again by %s", delivery.pk, user.username)
    return Delivery.objects.get(pk=delivery.pk)
