"""`inventory.updated` (CONTRACT §7): stock changes at an online fulfilment site, merged.

Every stock change marks the items it moved (`inventory_changed`, in the change's own
transaction). The relay flushes the marks through the outbox's coalescing registration
(`webhooks.coalescing`, registered in `InventoryConfig.ready`): one event per site with the
latest available numbers, once the site's oldest mark is a merge window old.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Min
from django.utils import timezone

from omslink.core.transactions import transactional
from omslink.inventory.models import PendingInventoryUpdate
from omslink.inventory.stock_locks import balances_locked
from omslink.masters.models import Site
from omslink.webhooks.coalescing import CoalescedSource
from omslink.webhooks.event_types import EventType
from omslink.webhooks.services import event_publish, relays_wake

# Stock changes at an online fulfilment site within this window become one inventory.updated.
INVENTORY_MERGE_WINDOW = timedelta(seconds=1)


def inventory_ordering_key(site: Site) -> str:
    return f"inventory:{site.code}"


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
    relays_wake()


def inventory_flush(window: timedelta = INVENTORY_MERGE_WINDOW) -> datetime | None:
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
    # Balances are locked as every stock change locks them, so a change still in flight
    # commits first and its numbers are the ones published; its mark on a pending row that is
    # about to be deleted would otherwise be lost.
    balances = list(
        balances_locked(site_id=site_id, item_ids=item_ids).select_related("item", "site__org_unit")
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
        type=EventType.INVENTORY_UPDATED,
        ordering_key=inventory_ordering_key(site),
        data={"site": site.code, "items": items},
    )
    PendingInventoryUpdate.objects.filter(pk__in=[pk for pk, _ in pending]).delete()


INVENTORY_UPDATES = CoalescedSource(
    name=EventType.INVENTORY_UPDATED, window=INVENTORY_MERGE_WINDOW, flush=inventory_flush
)
