"""Write to the outbox: events in the transaction of their change (CONTRACT §6.4, §7), merged
inventory updates, and the hand retry of a failed delivery."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Min
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import InvalidTransition
from omslink.core.json_format import iso_timestamp
from omslink.core.transactions import transactional
from omslink.inventory.models import StockBalance
from omslink.masters.models import OrgUnit, Site
from omslink.webhooks.event_ids import new_event_id
from omslink.webhooks.models import Delivery, Event, EventStream, PendingInventoryUpdate

logger = logging.getLogger(__name__)

RELAY_CHANNEL = "omslink_outbox"
# Stock changes at an online fulfilment site within this window become one inventory.updated.
INVENTORY_MERGE_WINDOW = timedelta(seconds=1)


def _wake_relays() -> None:
    """Tell listening relays to look now; PostgreSQL delivers it at commit, never on rollback."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [RELAY_CHANNEL])


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
        Delivery(
            event=event, app=app, ordering_key=ordering_key, sequence=sequence, next_attempt_at=now
        )
        for app in targets
    )
    _wake_relays()
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
        [
            PendingInventoryUpdate(site=site, item_id=item_id, marked_at=now)
            for item_id in sorted(set(item_ids))
        ],
        ignore_conflicts=True,
    )
    # Relays then know when the merge window of this site closes.
    _wake_relays()


def inventory_flush(*, window: timedelta = INVENTORY_MERGE_WINDOW) -> datetime | None:
    """Publish one `inventory.updated` per site whose oldest pending change is `window` old.

    Answers when the next site falls due, or None when nothing is pending. Rows marked while a
    flush runs stay for the next one, so no change goes unreported.
    """
    cutoff = timezone.now() - window
    due_sites = (
        PendingInventoryUpdate.objects.filter(marked_at__lte=cutoff)
        .values_list("site_id", flat=True)
        .distinct()
    )
    for site_id in list(due_sites):
        _inventory_site_flush(site_id=site_id)
    oldest = PendingInventoryUpdate.objects.aggregate(oldest=Min("marked_at"))["oldest"]
    return None if oldest is None else oldest + window


@transactional
def _inventory_site_flush(*, site_id: int) -> None:
    item_ids = sorted(
        set(
            PendingInventoryUpdate.objects.filter(site_id=site_id).values_list("item_id", flat=True)
        )
    )
    if not item_ids:
        return
    # Balances are locked as stock_apply locks them (primary-key order), so a stock change still
    # in flight commits first and its numbers are the ones published; its mark on a pending row
    # that is about to be deleted would otherwise be lost.
    balances = list(
        StockBalance.objects.select_related("item", "site__org_unit")
        .select_for_update(of=("self",))
        .filter(site_id=site_id, item_id__in=item_ids)
        .order_by("pk")
    )
    pending = list(
        PendingInventoryUpdate.objects.select_for_update()
        .filter(site_id=site_id, item_id__in=item_ids)
        .values_list("pk", "item_id")
    )
    if not pending or not balances:
        return
    marked = {item_id for _, item_id in pending}
    site = balances[0].site
    items = sorted(
        (
            {"sku": balance.item.sku, "available": balance.available}
            for balance in balances
            if balance.item_id in marked
        ),
        key=lambda entry: str(entry["sku"]),
    )
    event_publish(
        org_unit=site.org_unit,
        type="inventory.updated",
        ordering_key=f"inventory:{site.code}",
        data={"site": site.code, "items": items},
    )
    PendingInventoryUpdate.objects.filter(pk__in=[pk for pk, _ in pending]).delete()


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
    _wake_relays()
    logger.info("webhook delivery %s queued again by %s", delivery.pk, user.username)
    return Delivery.objects.get(pk=delivery.pk)
