"""Retention of the webhook log, so the outbox does not grow without bound.

Succeeded and abandoned deliveries go, with their attempts, once they settled (were delivered
or abandoned) longer ago than the retention period; failed and pending ones stay until someone
handles them, however old. An event goes once it is older than the period and no delivery
refers to it any more. Rows go in small batches, each its own short transaction, so pruning
never holds many locks or one long transaction while the relay and the API write beside it.

A key's sequence numbers live in `EventStream`, which is never pruned: the next event of a key
whose old events are gone still gets the next number, not 1.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from omslink.core.transactions import transactional
from omslink.webhooks.models import Delivery, DeliveryAttempt, Event

logger = logging.getLogger(__name__)

BATCH_ROWS = 500
BATCHES_PER_CALL = 20
# The relay prunes this often; sooner while a call stopped at BATCHES_PER_CALL with more left.
PRUNE_EVERY_SECONDS = 60.0
BACKLOG_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class PrunedRows:
    deliveries: int
    attempts: int
    events: int
    finished: bool  # False: the call stopped at its batch limit with more left to remove


def _settled_before(cutoff: datetime) -> Q:
    return Q(status=Delivery.Status.SUCCEEDED, delivered_at__lt=cutoff) | Q(
        status=Delivery.Status.ABANDONED, abandoned_at__lt=cutoff
    )


@transactional
def _settled_deliveries_delete(*, cutoff: datetime, limit: int) -> tuple[int, int]:
    """Delete up to `limit` settled deliveries and their attempts: (deliveries, attempts)."""
    settled = Delivery.objects.filter(_settled_before(cutoff))
    batch = list(settled.values_list("pk", flat=True)[:limit])
    if not batch:
        return 0, 0
    attempts, _ = DeliveryAttempt.objects.filter(delivery_id__in=batch).delete()
    deliveries, _ = settled.filter(pk__in=batch).delete()
    return deliveries, attempts


@transactional
def _unneeded_events_delete(*, cutoff: datetime, limit: int) -> int:
    """Delete up to `limit` events older than `cutoff` that no delivery refers to."""
    unneeded = Event.objects.filter(created_at__lt=cutoff).filter(
        ~Exists(Delivery.objects.filter(event_id=OuterRef("pk")))
    )
    batch = list(unneeded.values_list("pk", flat=True)[:limit])
    if not batch:
        return 0
    events, _ = unneeded.filter(pk__in=batch).delete()
    return events


def webhook_retention_prune(
    *,
    older_than: timedelta,
    batch_rows: int = BATCH_ROWS,
    max_batches: int = BATCHES_PER_CALL,
) -> PrunedRows:
    """Remove what retention allows, at most `max_batches` transactions of `batch_rows` rows.

    Deliveries go first, so the events they leave unneeded go in the same call.
    """
    cutoff = timezone.now() - older_than
    deliveries = attempts = events = 0
    batches = 0
    while batches < max_batches:
        batches += 1
        removed, removed_attempts = _settled_deliveries_delete(cutoff=cutoff, limit=batch_rows)
        deliveries += removed
        attempts += removed_attempts
        if removed < batch_rows:
            break
    else:
        return PrunedRows(deliveries, attempts, events, finished=False)
    while batches < max_batches:
        batches += 1
        removed = _unneeded_events_delete(cutoff=cutoff, limit=batch_rows)
        events += removed
        if removed < batch_rows:
            return PrunedRows(deliveries, attempts, events, finished=True)
    return PrunedRows(deliveries, attempts, events, finished=False)


class RetentionSchedule:
    """When the relay prunes next: once a minute, or soon again while a backlog remains."""

    def __init__(self, *, older_than: timedelta) -> None:
        self.older_than = older_than
        self._next = 0.0

    def due(self) -> bool:
        return time.monotonic() >= self._next

    def prune(self) -> PrunedRows:
        pruned = webhook_retention_prune(older_than=self.older_than)
        if pruned.deliveries or pruned.events:
            logger.info(
                "relay: retention removed %s deliveries, %s attempts and %s events",
                pruned.deliveries,
                pruned.attempts,
                pruned.events,
            )
        pause = PRUNE_EVERY_SECONDS if pruned.finished else BACKLOG_PAUSE_SECONDS
        self._next = time.monotonic() + pause
        return pruned
