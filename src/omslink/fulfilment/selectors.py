"""Read pick lists and invoices for the API, the pages and the services."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import F, Prefetch, QuerySet

from omslink.connected_apps.models import OmsApp
from omslink.core.ids import one_row
from omslink.fulfilment.models import (
    PICKLIST_NUMBERS,
    Invoice,
    InvoiceLine,
    PickList,
    PickListOrder,
)
from omslink.inventory.models import StockMove
from omslink.inventory.selectors import site_named
from omslink.masters.models import Site
from omslink.orders.models import Order, OrderStatus
from omslink.orders.selectors import orders_for_resource, orders_list

MAX_PICKLIST_ORDERS = 200
"""Orders one pick list may carry: a long picking walk, and a bounded transaction."""

_INVOICE_NUMBER = re.compile(r"^[A-Za-z0-9/-]{1,16}$")


def picklists_for_resource() -> QuerySet[PickList]:
    """Pick lists with their site, orders (oldest first) and lines (by bin) prefetched."""
    return PickList.objects.select_related("site", "created_by", "confirmed_by").prefetch_related(
        Prefetch(
            "entries", queryset=PickListOrder.objects.select_related("order").order_by("order_id")
        ),
        "lines__item",
    )


def picklists_list(*, status: str | None = None, site: str | None = None) -> QuerySet[PickList]:
    """Pick lists for the API's list and the pages, narrowed by status and by site code.

    An unknown site is the request's fault: 422 on `site`, for the API and the page alike.
    """
    picklists = picklists_for_resource()
    if status is not None:
        picklists = picklists.filter(status=status)
    if site is not None:
        picklists = picklists.filter(site=site_named(site))
    return picklists


def picklist_by_number(number: str) -> PickList:
    """The pick list a number (`PL-000001`) names; 404 when there is none."""
    return PICKLIST_NUMBERS.row(picklists_for_resource(), number, what="pick list")


def invoice_by_number(number: str, *, app: OmsApp | None = None) -> Invoice:
    """The invoice with everything its PDF prints; with `app`, only that app's orders'."""
    invoices = Invoice.objects.select_related("org_unit", "order__site").prefetch_related("lines")
    if app is not None:
        invoices = invoices.filter(order__app=app)
    wanted = invoices.filter(number=number) if _INVOICE_NUMBER.match(number) else invoices.none()
    return one_row(wanted, what=f"invoice {number!r}")


def sites_fulfilling_online() -> QuerySet[Site]:
    return Site.objects.filter(online_fulfilment=True).select_related("org_unit").order_by("code")


def orders_at(site: Site, status: OrderStatus, limit: int = MAX_PICKLIST_ORDERS) -> list[Order]:
    """A site's orders in one status, oldest first (the order they are worked in)."""
    return list(orders_list(status=status, site=site.code).order_by("pk")[:limit])


def orders_on_picklist(picklist: PickList) -> list[Order]:
    """The pick list's orders, oldest first, read for their resource (lines in one query)."""
    return list(orders_for_resource().filter(picklist_entry__picklist=picklist).order_by("pk"))


def invoiced_skus(skus: Iterable[str]) -> set[str]:
    """The SKUs among these that some invoice line bills: their HSN and GST rate are fixed."""
    return set(
        InvoiceLine.objects.filter(kind=InvoiceLine.Kind.ITEM, sku__in=list(skus))
        .values_list("sku", flat=True)
        .distinct()
    )


def picklist_write_offs(picklist: PickList) -> QuerySet[StockMove]:
    """Units its confirmation wrote off for short orders, per order and SKU, as positive `units`."""
    numbers = [entry.order.number for entry in picklist.entries.all()]
    return (
        StockMove.objects.filter(
            site=picklist.site, kind=StockMove.Kind.WRITE_OFF, reference__in=numbers
        )
        .select_related("item")
        .annotate(units=-F("on_hand_delta"))
        .order_by("reference", "item__sku")
    )
