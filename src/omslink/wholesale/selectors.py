"""Read wholesale orders as the API and the pages show them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet, Sum

from omslink.wholesale.models import WHOLESALE_NUMBERS, WholesaleOrder


def wholesale_orders() -> QuerySet[WholesaleOrder]:
    return WholesaleOrder.objects.select_related("customer", "site", "created_by").prefetch_related(
        "lines__item"
    )


def wholesale_order_by_number(number: str) -> WholesaleOrder:
    """The order a `WO-000001` id names, or 404."""
    return WHOLESALE_NUMBERS.row(wholesale_orders(), number, what="wholesale order")


def wholesale_order_resource(order: WholesaleOrder) -> dict[str, Any]:
    return {
        "id": order.number,
        "customer": order.customer.code,
        "site": order.site.code,
        "status": order.status,
        "lines": [{"sku": line.item.sku, "quantity": line.quantity} for line in order.lines.all()],
        "created_at": order.created_at,
        "created_by": order.created_by.username,
        "updated_at": order.updated_at,
    }


WHOLESALE_EXPORT_COLUMNS = (
    "order",
    "customer",
    "site",
    "status",
    "units",
    "created_by",
    "created_at",
)


def wholesale_orders_export_rows(*, status: str | None = None) -> Iterator[tuple[Any, ...]]:
    """Every wholesale order (of a status), newest first, as plain values fetched in chunks."""
    orders = WholesaleOrder.objects.order_by("-pk")
    if status is not None:
        orders = orders.filter(status=status)
    found = orders.annotate(units=Sum("lines__quantity")).values_list(
        "pk",
        "customer__code",
        "site__code",
        "status",
        "units",
        "created_by__username",
        "created_at",
    )
    for pk, *rest in found.iterator(chunk_size=2000):
        yield (WHOLESALE_NUMBERS.format(pk), *rest)
