"""Move stock: every change to a balance goes through `stock_apply`, with its ledger entries.

The balance rows are taken last and briefly: each is moved by one conditional `UPDATE`
(`on_hand - reserved - allocated` must stay non-negative) in primary-key order, after
everything else the change writes, so a hot item's row is locked from its `UPDATE` to the
commit only. Two transactions that touch the same items still queue in the same order, so
they cannot deadlock, and the condition is evaluated on the row's latest committed version,
so none can oversell. On SQLite the IMMEDIATE transaction already serialises writers. The
database's check constraints (CONTRACT §6.1) stand behind all of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import connection

from omslink.core.errors import InsufficientStock
from omslink.core.transactions import transactional
from omslink.inventory.events import inventory_changed
from omslink.inventory.models import StockBalance, StockDocument, StockMove
from omslink.inventory.schemas import AdjustmentIn, AdjustmentLineIn, ReceiptIn, StockLineIn
from omslink.inventory.selectors import items_by_sku, site_named
from omslink.masters.models import Item, Site


@dataclass(frozen=True)
class StockChange:
    """One ledger entry to write: the deltas it makes to one item's balance at a site."""

    item_id: int
    kind: str
    on_hand: int = 0
    reserved: int = 0
    allocated: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.allocated


# Plain SQL rather than a queryset: it runs once per line of every order, and compiling the
# F() expressions and the filter each time cost more than the statement itself.
_BALANCE_MOVE = (
    "UPDATE inventory_stockbalance SET on_hand = on_hand + %s, reserved = reserved + %s, "
    "allocated = allocated + %s WHERE id = %s AND on_hand - reserved - allocated >= %s"
)


def _balances_of(site: Site, item_ids: list[int]) -> dict[int, StockBalance]:
    """The site's balances of these items, unlocked, creating the missing ones at zero."""
    balances = {
        balance.item_id: balance
        for balance in StockBalance.objects.filter(site=site, item_id__in=item_ids)
    }
    missing = [item_id for item_id in item_ids if item_id not in balances]
    if missing:
        StockBalance.objects.bulk_create(
            [StockBalance(site=site, item_id=item_id) for item_id in missing],
            ignore_conflicts=True,
        )
        return _balances_of(site, item_ids)
    return balances


def _shortages(
    totals: Mapping[int, StockChange], balances: Mapping[int, StockBalance]
) -> list[tuple[int, int, int]]:
    """(item id, units wanted from available, available) for each item the change would take
    below zero available."""
    return [
        (item_id, -total.available, balances[item_id].available)
        for item_id, total in totals.items()
        if total.available < 0 and balances[item_id].available + total.available < 0
    ]


def _refusal(site: Site, short: list[tuple[int, int, int]]) -> InsufficientStock:
    """The 409 naming each short item, by SKU."""
    skus = dict(Item.objects.filter(pk__in=[s[0] for s in short]).values_list("pk", "sku"))
    short.sort(key=lambda entry: skus[entry[0]])
    return InsufficientStock(
        f"Not enough available stock at {site.code} for "
        f"{', '.join(skus[entry[0]] for entry in short)}; nothing was stored.",
        details=[
            {"sku": skus[item_id], "requested": requested, "available": max(available, 0)}
            for item_id, requested, available in short
        ],
    )


def _refusal_after_race(
    site: Site,
    totals: Mapping[int, StockChange],
    balances: Mapping[int, StockBalance],
    failed: StockBalance,
) -> InsufficientStock:
    """The refusal when another transaction took the stock between the unlocked read and the
    UPDATE of `failed`: with the numbers as they are now, for the balances not moved yet (the
    ones moved before it were not short)."""
    now = _balances_of(site, sorted(totals))
    waiting = {b.item_id: totals[b.item_id] for b in balances.values() if b.pk >= failed.pk}
    short = _shortages(waiting, now)
    if failed.item_id not in {entry[0] for entry in short}:
        # Stock came back since the UPDATE: still name the item it found short.
        wanted = -totals[failed.item_id].available
        short.append((failed.item_id, wanted, now[failed.item_id].available))
    return _refusal(site, short)


def stock_apply(
    *,
    site: Site,
    changes: Sequence[StockChange],
    reference: str,
    document: StockDocument | None = None,
) -> None:
    """Apply all changes or none, in the caller's transaction.

    Refuses with 409 `insufficient_stock` (details per SKU: units requested from `available`,
    and what is available) when any item would leave on-hand below reserved plus allocated.
    By then it may have written ledger rows and moved other balances, so the refusal must end
    the caller's transaction (or savepoint), never be caught inside it. Call it last in a
    service, so the balance rows stay locked for as short a time as possible.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("stock_apply must run inside the caller's transaction")
    totals: dict[int, StockChange] = defaultdict(lambda: StockChange(0, ""))
    for change in changes:
        total = totals[change.item_id]
        totals[change.item_id] = StockChange(
            change.item_id,
            "",
            total.on_hand + change.on_hand,
            total.reserved + change.reserved,
            total.allocated + change.allocated,
        )
    # Read without locks: refuses the common shortage at once, and gives the key order.
    balances = _balances_of(site, sorted(totals))
    short = _shortages(totals, balances)
    if short:
        raise _refusal(site, short)
    StockMove.objects.bulk_create(
        StockMove(
            site=site,
            item_id=change.item_id,
            kind=change.kind,
            on_hand_delta=change.on_hand,
            reserved_delta=change.reserved,
            allocated_delta=change.allocated,
            reference=reference,
            document=document,
        )
        for change in changes
    )
    with connection.cursor() as cursor:
        for balance in sorted(balances.values(), key=lambda balance: balance.pk):
            total = totals[balance.item_id]
            cursor.execute(
                _BALANCE_MOVE,
                [
                    total.on_hand,
                    total.reserved,
                    total.allocated,
                    balance.pk,
                    max(-total.available, 0),
                ],
            )
            if cursor.rowcount != 1:
                raise _refusal_after_race(site, totals, balances, balance)
    # After the balances, so a flush of inventory.updated that locked them first has deleted
    # its pending rows by now and this change marks its items afresh.
    moved = [item_id for item_id, total in totals.items() if total.available != 0]
    if moved:
        inventory_changed(site=site, item_ids=moved)


def stock_receive_many(
    *, site: Site, quantities: Mapping[int, int], document: StockDocument
) -> int:
    """Add many items' received units to on-hand in the caller's transaction, in bulk.

    For imports of opening stock: `stock_apply` updates one balance per statement, which is
    right for an order's few lines and far too slow for 100,000. Receipts only add, so no
    availability check is needed; balances are still locked in primary-key order and every
    unit gets its ledger entry, so `omslink stock check` holds. Answers how many (site, item)
    balances did not exist before (they are created with their quantity, not updated).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("stock_receive_many must run inside the caller's transaction")
    item_ids = sorted(quantities)
    existing = list(
        StockBalance.objects.select_for_update()
        .filter(site=site, item_id__in=item_ids)
        .order_by("pk")
    )
    for balance in existing:
        balance.on_hand += quantities[balance.item_id]
    StockBalance.objects.bulk_update(existing, ["on_hand"], batch_size=500)
    held = {balance.item_id for balance in existing}
    # A balance created here by another transaction meanwhile fails the unique constraint
    # and with it the whole import: never a lost quantity.
    StockBalance.objects.bulk_create(
        (
            StockBalance(site=site, item_id=item_id, on_hand=quantities[item_id])
            for item_id in item_ids
            if item_id not in held
        ),
        batch_size=500,
    )
    StockMove.objects.bulk_create(
        StockMove(
            site=site,
            item_id=item_id,
            kind=StockMove.Kind.RECEIPT,
            on_hand_delta=quantities[item_id],
            reference=document.number,
            document=document,
        )
        for item_id in item_ids
    )
    inventory_changed(site=site, item_ids=item_ids)
    return len(item_ids) - len(held)


def _stock_document_create(
    *,
    kind: StockDocument.Kind,
    user: User,
    site: str,
    text: str,
    lines: Sequence[StockLineIn | AdjustmentLineIn],
) -> StockDocument:
    target = site_named(site)
    items = items_by_sku(line.sku for line in lines)
    document = StockDocument.objects.create(kind=kind, site=target, reference=text, created_by=user)
    stock_apply(
        site=target,
        changes=[
            StockChange(items[line.sku].pk, StockMove.Kind(kind), on_hand=line.quantity)
            for line in lines
        ],
        reference=document.number,
        document=document,
    )
    return document


@transactional
def stock_receipt_create(*, user: User, payload: ReceiptIn) -> StockDocument:
    """Add received goods to on-hand at a site."""
    return _stock_document_create(
        kind=StockDocument.Kind.RECEIPT,
        user=user,
        site=payload.site,
        text=payload.reference,
        lines=payload.lines,
    )


@transactional
def stock_adjustment_create(*, user: User, payload: AdjustmentIn) -> StockDocument:
    """Correct on-hand up or down; never below what online and wholesale orders hold.

    A count that finds fewer units than are held is refused with `insufficient_stock`:
    the holds must be released (orders cancelled) first, so no order is left short silently.
    """
    return _stock_document_create(
        kind=StockDocument.Kind.ADJUSTMENT,
        user=user,
        site=payload.site,
        text=payload.reason,
        lines=payload.lines,
    )
