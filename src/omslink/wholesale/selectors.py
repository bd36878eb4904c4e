"""Read wholesale orders as the API and the pages show them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet, Sum

from omslink.inventory.selectors import site_named
from omslink.wholesale.models import WHOLESALE_NUMBERS, WholesaleOrder


def wholesale_orders() -> QuerySet[WholesaleOrder]:
    return WholesaleOrder.objects.select_related("customer", "site", "created_by").prefetch_related(
        "lines__item"
    )


def wholesale_orders_list(
    *, status: str | None = None, site: str | None = None
) -> QuerySet[WholesaleOrder]:
    """Wholesale orders for the API's list and the page, narrowed by status and by site code.

    An unknown site is the request's fault: 422 on `site`, for the API and the page alike.
    """
    orders = wholesale_orders()
    if status is not None:
        orders = orders.filter(status=status)
    if site is not None:
        orders = orders.filter(site=site_named(site))
    return orders


def wholesale_order_by_number(number: str) -> WholesaleOrder:
    """The order a `WO-000001` id names, or 404."""
    return WHOLESALE_NUMBERS.row(wholesale_orders(), number, what="wholesale order")


WHOLESALE_EXPORT_COLUMNS = (
    "order",
    "customer",
    "site",
    "status",
    "units",
    "created_by",
    "created_at",
)


def wholesale_orders_export_rows(
    *, status: str | None = None, site: str | None = None
) -> Iterator[tuple[Any, ...]]:
    """What `wholesale_orders_list` selects, newest first, as plain values fetched in chunks.

    The filters are checked at once (an unknown site is 422), before any row is produced.
    """
    found = (
        wholesale_orders_list(status=status, site=site)
        .prefetch_related(None)
        .order_by("-pk")
        .annotate(units=Sum("lines__quantity"))
        .values_list(
            "pk",
            "customer__code",
            "site__code",
            "status",
            "units",
            "created_by__username",
            "created_at",
        )
    )
    return ((WHOLESALE_NUMBERS.format(pk), *rest) for pk, *rest in found.iterator(chunk_size=2000))
