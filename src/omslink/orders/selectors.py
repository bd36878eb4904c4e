"""Read online orders as the contract's order resource (CONTRACT §5).

The same dictionary is the API answer and the `data` of every order event, so an OMS sees
one shape everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import QuerySet, Sum

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import NotFound
from omslink.core.json_format import iso_timestamp
from omslink.core.money import format_money
from omslink.inventory.models import StockMove
from omslink.orders.models import ORDER_NUMBERS, Order
from omslink.webhooks.models import Event

INVOICE_PDF_PATH = "/api/v1/invoices/{number}.pdf"


def orders_for_resource() -> QuerySet[Order]:
    """Orders with everything the resource shows, fetched in a fixed number of queries."""
    return Order.objects.select_related(
        "org_unit", "site", "picklist_entry__picklist", "invoice"
    ).prefetch_related("lines__item", "packages")


def order_resource(order: Order) -> dict[str, Any]:
    picklist_entry = getattr(order, "picklist_entry", None)
    invoice = getattr(order, "invoice", None)
    return {
        "id": order.number,
        "external_order_id": order.external_order_id,
        "marketplace": order.marketplace,
        "marketplace_order_id": order.marketplace_order_id,
        "org_unit": order.org_unit.code,
        "site": order.site.code,
        "status": order.status,
        "payment_mode": order.payment_mode,
        "ordered_at": iso_timestamp(order.ordered_at),
        "customer": order.customer,
        "shipping_address": order.shipping_address,
        "billing_gstin": order.billing_gstin or None,
        "lines": [
            {
                "line_id": line.line_id,
                "sku": line.item.sku,
                "quantity": line.quantity,
                "unit_price": format_money(line.unit_price),
                "discount": format_money(line.discount),
            }
            for line in order.lines.all()
        ],
        "shipping_charge": format_money(order.shipping_charge),
        "cod_charge": format_money(order.cod_charge),
        "picklist": picklist_entry.picklist.number if picklist_entry else None,
        "packages": [
            {
                "weight_grams": package.weight_grams,
                "length_mm": package.length_mm,
                "breadth_mm": package.breadth_mm,
                "height_mm": package.height_mm,
            }
            for package in order.packages.all()
        ],
        "invoice": None
        if invoice is None
        else {
            "number": invoice.number,
            "date": iso_timestamp(invoice.date),
            "taxable_value": format_money(invoice.taxable_value),
            "cgst": format_money(invoice.cgst),
            "sgst": format_money(invoice.sgst),
            "igst": format_money(invoice.igst),
            "total": format_money(invoice.total),
            "pdf_url": INVOICE_PDF_PATH.format(number=invoice.number),
        },
        "shipment": {
            "courier": order.courier or None,
            "awb": order.awb or None,
            "shipped_at": iso_timestamp(order.shipped_at),
        },
        "cancellation": None
        if not order.cancelled_by
        else {
            "by": order.cancelled_by,
            "reason": order.cancel_reason,
            "at": iso_timestamp(order.cancelled_at),
        },
        "created_at": iso_timestamp(order.created_at),
        "updated_at": iso_timestamp(order.updated_at),
    }


def order_by_number(number: str) -> Order:
    """The order an ERP id (`SO-000001`) names, for staff; 404 when there is none."""
    return ORDER_NUMBERS.row(orders_for_resource(), number, what="order")


def order_of_app(app: OmsApp, external_order_id: str) -> Order:
    """This app's order with that external id; another app's is as unknown as a missing one."""
    order = orders_for_resource().filter(app=app, external_order_id=external_order_id).first()
    if order is None:
        raise NotFound(f"No order {external_order_id!r} from this app.")
    return order


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
        Event.objects.filter(ordering_key=f"order:{order.number}")
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


def orders_export_rows(*, filters: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, ...]]:
    """Every order the filters select, newest first, one tuple per order, fetched in chunks.

    Plain values (no model instances, no prefetching), so a million orders stream through.
    """
    found = (
        Order.objects.filter(**(filters or {}))
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
    for pk, *rest in found.iterator(chunk_size=EXPORT_CHUNK_ROWS):
        yield (ORDER_NUMBERS.format(pk), *rest)
