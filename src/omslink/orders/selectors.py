"""Read online orders, with everything their resource (`schemas.OrderOut`) shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum

from omslink.connected_apps.models import OmsApp
from omslink.core.ids import one_row
from omslink.inventory.models import StockMove
from omslink.inventory.selectors import site_named
from omslink.orders.events import order_ordering_key
from omslink.orders.models import ORDER_NUMBERS, Order, OrderLine
from omslink.webhooks.models import Event


def orders_for_resource() -> QuerySet[Order]:
    """Orders with everything the resource shows, fetched in a fixed number of queries.

    The related rows go to plain list attributes (`resource_lines`, ...) rather than into
    each relation manager's cache: filling a manager's cache builds a filtered queryset per
    order and relation, which took more CPU than everything else on a page of 50 orders.
    """
    # The model declares these attributes for `OrderOut.of`; the type checker's Django
    # plugin would declare them again from `to_attr`.
    return Order.objects.select_related(  # type: ignore[no-redef]
        "org_unit", "site", "picklist_entry__picklist", "invoice"
    ).prefetch_related(
        Prefetch(
            "lines", queryset=OrderLine.objects.select_related("item"), to_attr="resource_lines"
        ),
        Prefetch("packages", to_attr="resource_packages"),
        Prefetch("returns", to_attr="resource_returns"),
    )


def orders_list(*, status: str | None = None, site: str | None = None) -> QuerySet[Order]:
    """Orders for the API's list and the pages, narrowed by status and by site code.

    An unknown site is the request's fault: 422 on `site`, for the API and the page alike.
    """
    orders = orders_for_resource()
    if status is not None:
        orders = orders.filter(status=status)
    if site is not None:
        orders = orders.filter(site=site_named(site))
    return orders


def order_by_number(number: str) -> Order:
    """The order an ERP id (`SO-000001`) names, for staff; 404 when there is none."""
    return ORDER_NUMBERS.row(orders_for_resource(), number, what="order")


def order_of_app(app: OmsApp, external_order_id: str) -> Order:
    """This app's order with that external id; another app's is as unknown as a missing one."""
    return one_row(
        orders_for_resource().filter(app=app, external_order_id=external_order_id),
        what=f"order {external_order_id!r} from this app",
    )


def stock_held_by(order: Order) -> dict[int, int]:
    """Units the order holds in reservation per item id, summed from the ledger.

    Every move that changes an order's reservation carries the order number as its
    reference, so the ledger says exactly what a cancellation must release.
    """
    rows = (
        StockMove.objects.filter(site_id=order.site_id, reference=order.number)
        .values("item_id")
        .annotate(held=Sum("reserved_delta"))
    )
    return {row["item_id"]: row["held"] for row in rows if row["held"]}


def order_stock_moves(order: Order) -> QuerySet[StockMove]:
    """The ledger entries the order caused, oldest first, for its page."""
    return (
        StockMove.objects.filter(site_id=order.site_id, reference=order.number)
        .select_related("item")
        .order_by("pk")
    )


def order_events(order: Order) -> QuerySet[Event]:
    """The order's events in sequence, with each app's delivery, for its timeline."""
    return (
        Event.objects.filter(ordering_key=order_ordering_key(order))
        .prefetch_related("deliveries__app")
        .order_by("sequence")
    )


ORDER_EXPORT_COLUMNS = (
    "order",
    "external_order_id",
    "marketplace",
    "marketplace_order_id",
    "status",
    "site",
    "payment_mode",
    "units",
    "courier",
    "awb",
    "ordered_at",
    "shipped_at",
    "created_at",
)
EXPORT_CHUNK_ROWS = 2000


def orders_export_rows(
    *, status: str | None = None, site: str | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every order `orders_list` selects, newest first, one tuple per order, fetched in chunks.

    Plain values (no model instances, no prefetching), so a million orders stream through.
    The filters are checked at once (an unknown site is 422), before any row is produced.
    """
    found = (
        orders_list(status=status, site=site)
        .prefetch_related(None)
        .order_by("-pk")
        .annotate(units=Sum("lines__quantity"))
        .values_list(
            "pk",
            "external_order_id",
            "marketplace",
            "marketplace_order_id",
            "status",
            "site__code",
            "payment_mode",
            "units",
            "courier",
            "awb",
            "ordered_at",
            "shipped_at",
            "created_at",
        )
    )
    return (
        (ORDER_NUMBERS.format(pk), *rest)
        for pk, *rest in found.iterator(chunk_size=EXPORT_CHUNK_ROWS)
    )
