"""Read stock: balances per (site, SKU), and the check that balances equal the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, FilteredRelation, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from omslink.core.errors import Conflict, UnknownSku, ValidationFailed
from omslink.core.ids import unique_row
from omslink.inventory.models import StockBalance, StockDocument
from omslink.masters.models import Item, OrgUnit, Site


def items_by_sku(skus: Iterable[str]) -> dict[str, Item]:
    """Every named item, or 422 `unknown_sku` listing the SKUs that do not exist."""
    wanted = set(skus)
    found = {item.sku: item for item in Item.objects.filter(sku__in=wanted)}
    unknown = sorted(wanted - found.keys())
    if unknown:
        raise UnknownSku(f"Unknown SKUs: {', '.join(unknown[:10])}.", details=unknown)
    return found


def site_named(code: str, *, field: str = "site") -> Site:
    """The site a request names; an unknown code is the request's fault, so 422 on that field."""
    site = Site.objects.select_related("org_unit").filter(code=code).first()
    if site is None:
        raise ValidationFailed.for_field(field, f"no site {code!r}")
    return site


def online_site_of(org_unit: OrgUnit) -> Site:
    """The OU's online fulfilment site: without one there is nowhere to reserve or count.

    A 409 `conflict` rather than a 422: the request is fine, the ERP's set-up is not yet.
    """
    site = unique_row(Site.objects.filter(org_unit=org_unit, online_fulfilment=True))
    if site is None:
        raise Conflict(
            f"{org_unit.code} has no online fulfilment site yet; the ERP must mark "
            "one of its sites for online fulfilment before online orders and "
            "inventory can be served."
        )
    return site


def items_with_balance_at(site: Site, skus: Iterable[str] | None = None) -> QuerySet[Item]:
    """Items with their counts at one site, zero where the item never held stock there."""
    items = Item.objects.all()
    if skus is not None:
        items = items.filter(sku__in=list(items_by_sku(skus)))
    return items.annotate(
        here=FilteredRelation("balances", condition=Q(balances__site=site)),
        on_hand=Coalesce(F("here__on_hand"), Value(0)),
        reserved=Coalesce(F("here__reserved"), Value(0)),
        allocated=Coalesce(F("here__allocated"), Value(0)),
    )


def balances_everywhere(skus: Iterable[str] | None = None) -> QuerySet[StockBalance]:
    """Balance rows at every site (only pairs that ever held stock have one)."""
    balances = StockBalance.objects.select_related("site", "item")
    if skus is not None:
        balances = balances.filter(item__in=list(items_by_sku(skus).values()))
    return balances


def recent_stock_documents(limit: int = 20) -> QuerySet[StockDocument]:
    return StockDocument.objects.select_related("site", "created_by").order_by("-pk")[:limit]


@dataclass(frozen=True)
class LedgerMismatch:
    """A (site, SKU) whose balance differs from the sum of its ledger entries."""

    site: str
    sku: str
    balance: tuple[int, int, int]
    ledger: tuple[int, int, int]

    def __str__(self) -> str:
        names = ("on_hand", "reserved", "allocated")
        differences = ", ".join(
            f"{name} {held} (ledger {summed})"
            for name, held, summed in zip(names, self.balance, self.ledger, strict=True)
            if held != summed
        )
        return f"{self.site} {self.sku}: {differences}"


# Balances and ledger sums side by side, in ONE statement: one statement reads one snapshot on
# both databases, so a change committing while the check runs is seen whole or not at all, and
# the check holds on a live system. (Two statements could see an order's balance move without
# its ledger rows.) Plain SQL: the ORM cannot aggregate over a UNION.
_LEDGER_MISMATCHES = """
SELECT site_id, item_id,
       SUM(held_on_hand), SUM(held_reserved), SUM(held_allocated),
       SUM(moved_on_hand), SUM(moved_reserved), SUM(moved_allocated)
FROM (
    SELECT site_id, item_id, on_hand AS held_on_hand, reserved AS held_reserved,
           allocated AS held_allocated, 0 AS moved_on_hand, 0 AS moved_reserved,
           0 AS moved_allocated
    FROM inventory_stockbalance
    UNION ALL
    SELECT site_id, item_id, 0, 0, 0, on_hand_delta, reserved_delta, allocated_delta
    FROM inventory_stockmove
) AS both_sides
GROUP BY site_id, item_id
HAVING SUM(held_on_hand) <> SUM(moved_on_hand)
    OR SUM(held_reserved) <> SUM(moved_reserved)
    OR SUM(held_allocated) <> SUM(moved_allocated)
ORDER BY site_id, item_id
"""


def ledger_mismatches() -> list[LedgerMismatch]:
    """Every (site, item) whose balance does not equal its ledger; empty when all agree."""
    with connection.cursor() as cursor:
        cursor.execute(_LEDGER_MISMATCHES)
        rows = cursor.fetchall()
    if not rows:
        return []
    sites = dict(Site.objects.values_list("pk", "code"))
    skus = dict(Item.objects.values_list("pk", "sku"))
    # PostgreSQL sums bigints as numeric: back to int.
    return [
        LedgerMismatch(
            sites[row[0]],
            skus[row[1]],
            (int(row[2]), int(row[3]), int(row[4])),
            (int(row[5]), int(row[6]), int(row[7])),
        )
        for row in rows
    ]


STOCK_EXPORT_COLUMNS = ("site", "sku", "on_hand", "reserved", "allocated", "available")


def stock_export_rows(
    *, site: str | None = None, skus: Iterable[str] | None = None
) -> Iterator[tuple[Any, ...]]:
    """The rows the Stock page's query selects (a site's items, or every balance), in chunks.

    The site and SKUs are checked before the first row is produced, so a bad query is an error
    rather than a half-written file.
    """
    if site:
        place = site_named(site)
        items: Any = items_with_balance_at(place, skus).order_by("pk")
        found = items.values_list("sku", "on_hand", "reserved", "allocated")
        rows: Iterator[tuple[Any, ...]] = (
            (place.code, *row) for row in found.iterator(chunk_size=2000)
        )
    else:
        balances = balances_everywhere(skus).order_by("pk")
        rows = balances.values_list(
            "site__code", "item__sku", "on_hand", "reserved", "allocated"
        ).iterator(chunk_size=2000)
    return (
        (code, sku, on_hand, reserved, allocated, on_hand - reserved - allocated)
        for code, sku, on_hand, reserved, allocated in rows
    )
