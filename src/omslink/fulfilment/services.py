"""Fulfil online orders: pick lists, picking, packing with its GST invoice, shipping.

Every service is one transaction holding the order moves, the stock moves and the events
they cause (CONTRACT §6.4). An order moves only by a conditional update from the statuses
`orders.transitions` allows, so of two racing moves exactly one wins and the other is a 409
`invalid_transition` that changed nothing. Rows are locked in one order everywhere: the pick
list, then orders by primary key, then stock balances (inside `stock_apply`), then the invoice
counter; so fulfilment, cancellation and intake queue instead of deadlocking.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Sum
from django.utils import timezone

from omslink.core.errors import Conflict, InvalidTransition, ValidationFailed
from omslink.core.private_files import document_kept
from omslink.core.serials import serial_next
from omslink.core.states import canonical_state_code
from omslink.core.transactions import transactional
from omslink.fulfilment.gst import SaleLine, TaxedInvoice, invoice_tax, is_intra_state
from omslink.fulfilment.invoice_numbers import (
    InvoiceNumbersExhausted,
    financial_year,
    invoice_number,
    invoice_prefix,
)
from omslink.fulfilment.invoice_pdf import render_invoice_pdf
from omslink.fulfilment.models import (
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Package,
    PickList,
    PickListLine,
    PickListOrder,
)
from omslink.fulfilment.schemas import PackIn, PickedLineIn, PickListConfirmIn, PickListIn
from omslink.fulfilment.selectors import MAX_PICKLIST_ORDERS, picklist_by_number
from omslink.inventory.models import StockMove
from omslink.inventory.selectors import site_named
from omslink.inventory.services import StockChange, stock_apply
from omslink.masters.models import Item, OrgUnit, Site
from omslink.orders.events import OrderEventType, order_event_publish
from omslink.orders.models import ORDER_NUMBERS, Order, OrderLine, OrderStatus
from omslink.orders.selectors import orders_for_resource, stock_held_by
from omslink.orders.services import order_mark_cancelled
from omslink.orders.transitions import sources_of
from omslink.webhooks.event_types import EventType

OUT_OF_STOCK = "out_of_stock"


def _move(order_ids: Sequence[int], target: OrderStatus, **fields: Any) -> int:
    """Move orders that are still in a status allowed to reach `target`; count the moved."""
    return Order.objects.filter(pk__in=order_ids, status__in=sources_of(target)).update(
        status=target, updated_at=timezone.now(), **fields
    )


def _refuse_move(order: Order, action: str) -> InvalidTransition:
    current = Order.objects.values_list("status", flat=True).get(pk=order.pk)
    return InvalidTransition(
        f"{order.number} is {current}; it cannot be {action} now.",
        details=[{"order": order.number, "status": current}],
    )


def _announce(order_ids: Iterable[int], *types: OrderEventType) -> list[Order]:
    """Publish each order's events in primary-key order; return the orders as published.

    The orders are read once, as the change left them, for all the events of each.
    """
    orders = list(orders_for_resource().filter(pk__in=list(order_ids)).order_by("pk"))
    for order in orders:
        for event_type in types:
            order_event_publish(order, event_type)
    return orders


def _chosen_orders(site: Site, numbers: Sequence[str]) -> list[Order]:
    """The named orders, locked; all must exist, be of the site and be reserved."""
    details = []
    seen: set[str] = set()
    for index, number in enumerate(numbers):
        if number in seen:
            details.append({"field": f"orders[{index}]", "message": f"{number} is listed twice"})
        seen.add(number)
    pks = {number: ORDER_NUMBERS.pk_of(number) for number in numbers}
    found = {
        order.number: order
        for order in Order.objects.select_for_update()
        .filter(pk__in=[pk for pk in pks.values() if pk is not None])
        .order_by("pk")
    }
    for index, number in enumerate(numbers):
        order = found.get(number)
        if order is None:
            details.append({"field": f"orders[{index}]", "message": f"no order {number}"})
        elif order.site_id != site.pk:
            details.append(
                {
                    "field": f"orders[{index}]",
                    "message": f"{number} is fulfilled from another site, not {site.code}",
                }
            )
    if details:
        raise ValidationFailed("; ".join(d["message"] for d in details[:3]), details=details)
    not_reserved = [order for order in found.values() if order.status != OrderStatus.RESERVED]
    if not_reserved:
        raise InvalidTransition(
            "Only reserved orders can go on a pick list: "
            + ", ".join(f"{order.number} is {order.status}" for order in not_reserved[:5])
            + ".",
            details=[{"order": order.number, "status": order.status} for order in not_reserved],
        )
    return sorted(found.values(), key=lambda order: order.pk)


def _oldest_reserved(site: Site, limit: int) -> list[Order]:
    """The oldest reserved orders of the site that no one else is taking right now.

    On PostgreSQL, rows another pick list is taking are skipped rather than waited for, so two
    people creating lists at once get different orders instead of one failing.
    """
    return list(
        Order.objects.select_for_update(skip_locked=True)
        .filter(site=site, status=OrderStatus.RESERVED)
        .order_by("pk")[:limit]
    )


@transactional
def picklist_create(*, user: User, payload: PickListIn) -> PickList:
    """Gather reserved orders of a site into one pick list, its lines summed per SKU.

    Either the named orders (every one must be reserved and of that site) or the oldest
    `max_orders` reserved orders of the site (all of them, up to the list's limit, when
    neither is given).
    """
    if payload.orders is not None and payload.max_orders is not None:
        raise ValidationFailed.for_field("max_orders", "give either orders or max_orders")
    target = site_named(payload.site)
    chosen = (
        _chosen_orders(target, payload.orders)
        if payload.orders is not None
        else _oldest_reserved(target, payload.max_orders or MAX_PICKLIST_ORDERS)
    )
    if not chosen:
        raise ValidationFailed.for_field("site", f"{target.code} has no reserved orders to pick")
    order_ids = [order.pk for order in chosen]
    if _move(order_ids, OrderStatus.PICKLIST_CREATED) != len(order_ids):
        raise InvalidTransition(
            "Another change took some of these orders first; nothing was changed."
        )
    picklist = PickList.objects.create(site=target, created_by=user)
    PickListOrder.objects.bulk_create(
        PickListOrder(picklist=picklist, order_id=order_id) for order_id in order_ids
    )
    units = (
        OrderLine.objects.filter(order_id__in=order_ids)
        .values("item_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    bins = dict(
        Item.objects.filter(pk__in=[row["item_id"] for row in units]).values_list("pk", "bin")
    )
    PickListLine.objects.bulk_create(
        PickListLine(
            picklist=picklist,
            item_id=row["item_id"],
            bin=bins[row["item_id"]],
            quantity=row["units"],
        )
        for row in units
    )
    _announce(order_ids, EventType.ORDER_PICKLIST_CREATED)
    return picklist_by_number(picklist.number)


def _checked_picks(
    list_lines: Sequence[PickListLine], picks: Sequence[PickedLineIn]
) -> dict[int, int]:
    """Picked units per item id; every SKU of the list exactly once, within its quantity."""
    by_sku = {line.item.sku: line for line in list_lines}
    details = []
    given: Counter[str] = Counter()
    for index, pick in enumerate(picks):
        given[pick.sku] += 1
        line = by_sku.get(pick.sku)
        if line is None:
            details.append(
                {"field": f"lines[{index}].sku", "message": f"{pick.sku} is not on this pick list"}
            )
        elif given[pick.sku] > 1:
            details.append(
                {"field": f"lines[{index}].sku", "message": f"{pick.sku} is given more than once"}
            )
        elif not 0 <= pick.picked <= line.quantity:
            details.append(
                {
                    "field": f"lines[{index}].picked",
                    "message": f"must be between 0 and {line.quantity}",
                }
            )
    details += [
        {"field": "lines", "message": f"{sku} is missing: give what was picked, even 0"}
        for sku in sorted(by_sku)
        if not given[sku]
    ]
    if details:
        raise ValidationFailed("; ".join(d["message"] for d in details[:3]), details=details)
    return {by_sku[pick.sku].item_id: pick.picked for pick in picks}


@dataclass
class _Outcome:
    """How the picked units fall on the list's open orders."""

    complete: list[Order]
    short: list[Order]
    # Per short order: units per item that were not found and must be written off.
    missing: dict[int, dict[int, int]]


def _assign_picked(
    orders: Sequence[Order], needs: dict[int, dict[int, int]], picked: dict[int, int]
) -> _Outcome:
    """Give picked units to orders oldest first; an order that cannot be completed takes none.

    Units an order could not use stay in the pool, so a younger order may still complete
    with them. Of the short orders' units, those still in the pool go back to the shelf
    (oldest short order first); the rest were not found.
    """
    pool = dict(picked)
    complete, short = [], []
    for order in orders:
        need = needs[order.pk]
        if all(pool.get(item_id, 0) >= units for item_id, units in need.items()):
            for item_id, units in need.items():
                pool[item_id] -= units
            complete.append(order)
        else:
            short.append(order)
    missing: dict[int, dict[int, int]] = {}
    for order in short:
        lost = {}
        for item_id, units in sorted(needs[order.pk].items()):
            back_on_shelf = min(pool.get(item_id, 0), units)
            pool[item_id] = pool.get(item_id, 0) - back_on_shelf
            if units > back_on_shelf:
                lost[item_id] = units - back_on_shelf
        missing[order.pk] = lost
    return _Outcome(complete, short, missing)


@transactional
def picklist_confirm(*, user: User, picklist: PickList, payload: PickListConfirmIn) -> PickList:
    """Record what was picked; complete orders are picked, short ones cancelled by the ERP.

    Orders cancelled since the list was made are skipped: picked units beyond what the open
    orders need go back to the shelf. For every short order, the units not found are written
    off (on-hand and the order's reservation down together, a stock discrepancy in the
    ledger), then the cancellation releases the rest of its reservation.
    """
    if picklist.status != PickList.Status.OPEN:
        raise InvalidTransition(f"{picklist.number} was confirmed already.")
    list_lines = list(picklist.lines.all())
    picked = _checked_picks(list_lines, payload.lines)
    if not PickList.objects.filter(pk=picklist.pk, status=PickList.Status.OPEN).update(
        status=PickList.Status.CONFIRMED, confirmed_at=timezone.now(), confirmed_by=user
    ):
        raise InvalidTransition(f"{picklist.number} was confirmed already.")
    for line in list_lines:
        line.picked = picked[line.item_id]
    PickListLine.objects.bulk_update(list_lines, ["picked"])
    open_orders = list(
        Order.objects.select_for_update(of=("self",))
        .filter(picklist_entry__picklist=picklist, status=OrderStatus.PICKLIST_CREATED)
        .select_related("site", "org_unit", "app")
        .order_by("pk")
    )
    needs: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for order_id, item_id, units in OrderLine.objects.filter(order__in=open_orders).values_list(
        "order_id", "item_id", "quantity"
    ):
        needs[order_id][item_id] += units
    outcome = _assign_picked(open_orders, needs, picked)
    for order in outcome.short:
        if outcome.missing[order.pk]:
            stock_apply(
                site=order.site,
                changes=[
                    StockChange(item_id, StockMove.Kind.WRITE_OFF, on_hand=-units, reserved=-units)
                    for item_id, units in outcome.missing[order.pk].items()
                ],
                reference=order.number,
            )
        order_mark_cancelled(order=order, by=Order.CancelledBy.ERP, reason=OUT_OF_STOCK)
    complete_ids = [order.pk for order in outcome.complete]
    if _move(complete_ids, OrderStatus.PICKED) != len(complete_ids):
        raise InvalidTransition(
            "Another change moved some of these orders first; nothing was changed."
        )
    _announce(complete_ids, EventType.ORDER_PICKED)
    return picklist_by_number(picklist.number)


def _invoice_number(org_unit: OrgUnit, year: str) -> tuple[int, str]:
    serial = serial_next(InvoiceCounter, org_unit=org_unit, financial_year=year)
    try:
        return serial, invoice_number(invoice_prefix(org_unit.code, org_unit.pk), year, serial)
    except InvoiceNumbersExhausted as exc:
        raise Conflict(f"No invoice number is left for {org_unit.code} this year: {exc}.") from exc


def _taxed(order: Order, place_of_supply: str) -> TaxedInvoice:
    """The invoice's figures for an order read with `orders_for_resource()` (its lines)."""
    return invoice_tax(
        lines=[
            SaleLine(
                description=line.item.name,
                hsn_code=line.item.hsn_code,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                gst_rate=line.item.gst_rate,
                sku=line.item.sku,
            )
            for line in order.resource_lines
        ],
        shipping_charge=order.shipping_charge,
        cod_charge=order.cod_charge,
        intra_state=is_intra_state(order.org_unit.state_code, place_of_supply),
    )


def _invoice_create(order: Order) -> Invoice:
    place_of_supply = canonical_state_code(str(order.shipping_address["state_code"]).upper())
    taxed = _taxed(order, place_of_supply)
    today = timezone.localdate()
    year = financial_year(today)
    serial, number = _invoice_number(order.org_unit, year)
    invoice = Invoice.objects.create(
        order=order,
        org_unit=order.org_unit,
        financial_year=year,
        serial=serial,
        number=number,
        date=today,
        place_of_supply=place_of_supply,
        intra_state=taxed.intra_state,
        taxable_value=taxed.taxable_value,
        cgst=taxed.cgst,
        sgst=taxed.sgst,
        igst=taxed.igst,
        total=taxed.total,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            kind=line.sale.kind,
            description=line.sale.description,
            sku=line.sale.sku,
            hsn_code=line.sale.hsn_code,
            quantity=line.sale.quantity,
            unit_price=line.sale.unit_price,
            discount=line.sale.discount,
            gst_rate=line.sale.gst_rate,
            gross=line.total,
            taxable_value=line.taxable_value,
            cgst=line.cgst,
            sgst=line.sgst,
            igst=line.igst,
        )
        for position, line in enumerate(taxed.lines, start=1)
    )
    return invoice


@transactional
def order_pack(*, order: Order, payload: PackIn) -> Order:
    """Pack a picked order and issue its GST invoice in one step; the OMS hears both.

    `order.packed` and then `order.invoiced` carry the order as committed (status
    `invoiced`, its packages and its invoice).
    """
    if not _move([order.pk], OrderStatus.INVOICED):
        raise _refuse_move(order, "packed (only a picked order can be)")
    Package.objects.bulk_create(
        Package(
            order=order,
            position=position,
            weight_grams=size.weight_grams,
            length_mm=size.length_mm,
            breadth_mm=size.breadth_mm,
            height_mm=size.height_mm,
        )
        for position, size in enumerate(payload.packages, start=1)
    )
    _invoice_create(orders_for_resource().get(pk=order.pk))
    return _announce([order.pk], EventType.ORDER_PACKED, EventType.ORDER_INVOICED)[0]


@transactional
def order_ship(*, order: Order, courier: str | None = None, awb: str | None = None) -> Order:
    """Hand an invoiced order to its courier: on-hand and reserved go down together.

    Courier and AWB given here replace the ones the OMS assigned; without either, 422.
    """
    current = Order.objects.select_for_update(of=("self",)).select_related("site").get(pk=order.pk)
    if current.status != OrderStatus.INVOICED:
        raise _refuse_move(order, "shipped (only an invoiced order can be)")
    courier, awb = courier or current.courier, awb or current.awb
    missing = [
        {"field": field, "message": "is required: neither given here nor assigned by the OMS"}
        for field, value in (("courier", courier), ("awb", awb))
        if not value
    ]
    if missing:
        raise ValidationFailed(
            "; ".join(f"{d['field']} {d['message']}" for d in missing), details=missing
        )
    if not _move(
        [order.pk], OrderStatus.SHIPPED, courier=courier, awb=awb, shipped_at=timezone.now()
    ):
        raise _refuse_move(order, "shipped (only an invoiced order can be)")
    stock_apply(
        site=current.site,
        changes=[
            StockChange(item_id, StockMove.Kind.SHIP, on_hand=-units, reserved=-units)
            for item_id, units in sorted(stock_held_by(current).items())
        ],
        reference=current.number,
    )
    return _announce([order.pk], EventType.ORDER_SHIPPED)[0]


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The invoice as a PDF: rendered on first request, then kept in OMSLINK_INVOICE_DIR.

    The name carries the moment the invoice was issued besides its number, so a data dir
    that outlived its database never serves another invoice of the same number.
    """
    # "_" is not allowed in invoice numbers, so the file name maps back to one invoice.
    name = f"{invoice.number.replace('/', '_')}.{invoice.created_at:%Y%m%dT%H%M%S%f}.pdf"
    return document_kept(
        Path(settings.OMSLINK_INVOICE_DIR) / name, lambda: render_invoice_pdf(invoice)
    )
