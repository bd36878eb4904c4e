"""The one order stock balance rows are locked in: by primary key.

A stock change (`services.stock_apply`) moves its rows one `UPDATE` at a time in this order;
a writer that must lock rows before it changes them (the `inventory.updated` flush) takes
them through here. So two transactions that touch the same items queue in the same order and
never deadlock (Saleor's `warehouse/lock_objects.py` does the same).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from omslink.inventory.models import StockBalance


def balances_locked(*, site_id: int, item_ids: Iterable[int]) -> QuerySet[StockBalance]:
    """The site's balance rows of these items, to be locked (`FOR UPDATE`) in key order."""
    return (
        StockBalance.objects.select_for_update(of=("self",))
        .filter(site_id=site_id, item_id__in=list(item_ids))
        .order_by("pk")
    )
