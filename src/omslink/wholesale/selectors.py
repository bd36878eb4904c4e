"""Read wholesale orders as the API and the pages show them."""

from __future__ import annotations

from django.db.models import QuerySet

from omslink.wholesale.models import WHOLESALE_NUMBERS, WholesaleOrder


def wholesale_orders() -> QuerySet[WholesaleOrder]:
    return WholesaleOrder.objects.select_related("customer", "site", "created_by").prefetch_related(
        "lines__item"
    )


def wholesale_order_by_number(number: str) -> WholesaleOrder:
    """The order a `WO-000001` id names, or 404."""
    return WHOLESALE_NUMBERS.row(wholesale_orders(), number, what="wholesale order")
