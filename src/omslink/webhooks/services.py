"""Write to the outbox: events in the transaction of their change (CONTRACT §6.4, §7), and the
hand retry or abandoning of a delivery. The outbox serves every domain and imports none."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.connected_apps.selectors import oms_app_by_id
from omslink.core.errors import InvalidTransition
from omslink.core.json_format import iso_timestamp
from omslink.core.transactions import transactional
from omslink.masters.models import OrgUnit
from omslink.webhooks.event_ids import new_event_id
from omslink.webhooks.event_types import EventType
from omslink.webhooks.models import Delivery, Event, lease_free

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


def _given_up(now: datetime) -> dict[str, Any]:
    """The fields of an abandoned delivery; its lease token goes, so a late answer is ignored."""
    return {
        "status": Delivery.Status.ABANDONED,
        "abandoned_at": now,
        "claim_token": "",
        "lease_expires_at": None,
    }


@transactional
def delivery_abandon(*, delivery: Delivery, user: User) -> Delivery:
    """Give up a failed delivery, or a held one (pending for a disabled app), for good.

    The next event of its key may then be sent. The app row is locked first, so enabling the
    app cannot slip in between the check and the move. A delivery a relay holds a live lease on
    is being sent right now and is refused: abandoning it could end with it both delivered and
    abandoned. Abandoning never renumbers: the later events keep their sequences.
    """
    now = timezone.now()
    app = oms_app_by_id(delivery.app_id, lock=True)
    abandonable = Q(status=Delivery.Status.FAILED)
    if not app.enabled:
        abandonable |= Q(lease_free(now), status=Delivery.Status.PENDING)
    if not Delivery.objects.filter(abandonable, pk=delivery.pk).update(**_given_up(now)):
        current = Delivery.objects.get(pk=delivery.pk)
        if current.status == Delivery.Status.PENDING and not app.enabled:
            why = "a relay is sending it right now; try again once the attempt is recorded"
        else:
            why = "only a failed delivery, or a held one of a disabled app, can be abandoned"
        raise InvalidTransition(f"Webhook delivery {delivery.pk} is {current.status}: {why}.")
    relays_wake()
    logger.info("webhook delivery %s abandoned by %s", delivery.pk, user.username)
    return Delivery.objects.get(pk=delivery.pk)


@transactional
def oms_app_abandon_held(*, oms_app: OmsApp, user: User) -> int:
    """Give up every held delivery of a disabled app (one replaced by a new app, say).

    Answers how many were abandoned. An enabled app holds nothing, so it is refused: its
    pending deliveries are on their way. A delivery a relay is still sending from before the
    app was disabled is left to finish.
    """
    app = oms_app_by_id(oms_app.pk, lock=True)
    if app.enabled:
        raise InvalidTransition(
            f"OMS app {app.pk} is enabled: its deliveries are being sent, not held. "
            "Disable the app first to abandon what it holds."
        )
    now = timezone.now()
    abandoned = Delivery.objects.filter(
        lease_free(now), app=app, status=Delivery.Status.PENDING
    ).update(**_given_up(now))
    logger.info(
        "%s held webhook deliveries of app %s abandoned by %s", abandoned, app.pk, user.username
    )
    return abandoned
