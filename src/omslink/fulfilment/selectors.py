"""Read pick lists and invoices for the API, the pages and the services."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import NotFound
from omslink.core.json_format import iso_timestamp
from omslink.fulfilment.models import (
    PICKLIST_NUMBERS,
    Invoice,
    InvoiceLine,
    PickList,
    PickListOrder,
)
from omslink.masters.models import Site
from omslink.orders.models import Order, OrderStatus
from omslink.orders.selectors import order_resource, orders_for_resource

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


def picklist_by_number(number: str) -> PickList:
    """The pick list a number (`PL-000001`) names; 404 when there is none."""
    return PICKLIST_NUMBERS.row(picklists_for_resource(), number, what="pick list")


def picklist_resource(picklist: PickList) -> dict[str, Any]:
    """The pick list as the API shows it: the contract's fields, then its progress."""
    return {
        "number": picklist.number,
        "site": picklist.site.code,
        "orders": [entry.order.number for entry in picklist.entries.all()],
        "lines": [
            {
                "sku": line.item.sku,
                "bin": line.bin,
                "quantity": line.quantity,
                "picked": line.picked,
            }
            for line in picklist.lines.all()
        ],
        "status": picklist.status,
        "created_at": iso_timestamp(picklist.created_at),
        "created_by": picklist.created_by.username,
        "confirmed_at": iso_timestamp(picklist.confirmed_at),
        "confirmed_by": picklist.confirmed_by.username if picklist.confirmed_by else None,
    }


def invoice_by_number(number: str, *, app: OmsApp | None = None) -> Invoice:
    """The invoice with everything its PDF prints; with `app`, only that app's orders'."""
    invoices = Invoice.objects.select_related("org_unit", "order__site").prefetch_related("lines")
    if app is not None:
        invoices = invoices.filter(order__app=app)
    invoice = invoices.filter(number=number).first() if _INVOICE_NUMBER.match(number) else None
    if invoice is None:
        raise NotFound(f"No invoice {number!r}.")
    return invoice


def sites_fulfilling_online() -> QuerySet[Site]:
    return Site.objects.filter(online_fulfilment=True).select_related("org_unit").order_by("code")


def orders_at(
    site: Site, status: OrderStatus, limit: int = MAX_PICKLIST_ORDERS
) -> list[dict[str, Any]]:
    """A site's orders in one status, oldest first (the order they are worked in)."""
    orders: QuerySet[Order] = orders_for_resource().filter(site=site, status=status)
    return [order_resource(order) for order in orders.order_by("pk")[:limit]]


def invoiced_skus(skus: Iterable[str]) -> set[str]:
    """The SKUs among these that some invoice line bills: their HSN and GST rate are fixed."""
    return set(
        InvoiceLine.objects.filter(kind=InvoiceLine.Kind.ITEM, sku__in=list(skus))
        .values_list("sku", flat=True)
        .distinct()
    )
