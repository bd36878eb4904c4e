"""Pages for the warehouse: reserved orders → pick list → print → confirm picking → pack &
invoice → ship.

Each page shows only the actions the user's role has; each action is also refused on the
server (`operation_required`). Forms are parsed into the same request models the API uses,
so a page and the API accept and refuse exactly the same things.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from omslink.core.errors import ApplicationError, ValidationFailed
from omslink.core.validation import validate_as
from omslink.fulfilment import services
from omslink.fulfilment.invoice_pdf import invoice_pdf_response
from omslink.fulfilment.models import PickList
from omslink.fulfilment.schemas import PackIn, PickListConfirmIn, PickListIn, PickListOut, ShipIn
from omslink.fulfilment.selectors import (
    invoice_by_number,
    orders_at,
    orders_on_picklist,
    picklist_by_number,
    picklist_write_offs,
    picklists_list,
    sites_fulfilling_online,
)
from omslink.fulfilment.services import OUT_OF_STOCK
from omslink.orders.models import Order, OrderStatus
from omslink.orders.schemas import OrderOut
from omslink.orders.selectors import order_by_number
from omslink.web.access import operation_required, signed_in_user
from omslink.web.page_inputs import form_number

PACKAGE_FIELDS = ("weight_grams", "length_mm", "breadth_mm", "height_mm")
RECENT_PICKLISTS = 20


def _back_to_order(order: Order) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("fulfilment:order", args=[order.number]))


@operation_required("orders_view")
def picking_home(request: HttpRequest) -> HttpResponse:
    """One site's work: reserved orders to list, open pick lists, orders to pack and ship."""
    sites = list(sites_fulfilling_online())
    site = next(
        (s for s in sites if s.code == request.GET.get("site")), sites[0] if sites else None
    )
    context: dict[str, Any] = {"sites": sites, "site": site}
    if site is not None:
        context.update(
            reserved=[OrderOut.of(order) for order in orders_at(site, OrderStatus.RESERVED)],
            to_pack=[OrderOut.of(order) for order in orders_at(site, OrderStatus.PICKED)],
            to_ship=[OrderOut.of(order) for order in orders_at(site, OrderStatus.INVOICED)],
            picklists=[
                PickListOut.of(picklist)
                for picklist in picklists_list(site=site.code).order_by("-pk")[:RECENT_PICKLISTS]
            ],
        )
    return render(request, "fulfilment/home.html", context)


@require_POST
@operation_required("orders_create_picklist")
def picklist_create(request: HttpRequest) -> HttpResponse:
    site = request.POST.get("site", "")
    try:
        chosen = validate_as(
            PickListIn, {"site": site, "orders": request.POST.getlist("orders") or None}
        )
        if chosen.orders is None:
            raise ValidationFailed.for_field("orders", "select at least one reserved order")
        picklist = services.picklist_create(user=signed_in_user(request), payload=chosen)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(f"{reverse('fulfilment:home')}?site={site}")
    messages.success(
        request, f"Pick list {picklist.number} holds {picklist.entries.count()} orders."
    )
    return HttpResponseRedirect(reverse("fulfilment:picklist", args=[picklist.number]))


@operation_required("orders_view")
def picklist_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The printable pick list, with the picking form while it is open."""
    picklist = picklist_by_number(number)
    orders = [OrderOut.of(order) for order in orders_on_picklist(picklist)]
    is_open = picklist.status == PickList.Status.OPEN
    return render(
        request,
        "fulfilment/picklist.html",
        {
            "picklist": PickListOut.of(picklist),
            "is_open": is_open,
            "orders": orders,
            "out_of_stock": [
                order
                for order in orders
                if order.cancellation is not None
                and order.cancellation.by == Order.CancelledBy.ERP
                and order.cancellation.reason == OUT_OF_STOCK
            ],
            "write_offs": [] if is_open else list(picklist_write_offs(picklist)),
        },
    )


@require_POST
@operation_required("orders_confirm_picking")
def picklist_confirm(request: HttpRequest, number: str) -> HttpResponse:
    picklist = picklist_by_number(number)
    lines = [
        {"sku": sku, "picked": form_number(picked)}
        for sku, picked in zip(
            request.POST.getlist("sku"), request.POST.getlist("picked"), strict=False
        )
    ]
    try:
        confirmed = validate_as(PickListConfirmIn, {"lines": lines})
        services.picklist_confirm(
            user=signed_in_user(request),
            picklist=picklist,
            payload=confirmed,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Picking of {picklist.number} is confirmed.")
    return HttpResponseRedirect(reverse("fulfilment:picklist", args=[picklist.number]))


@operation_required("orders_view")
def order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    """One order's fulfilment: pack & invoice it when picked, ship it when invoiced."""
    order = order_by_number(order_id)
    return render(request, "fulfilment/order.html", {"order": OrderOut.of(order)})


@require_POST
@operation_required("orders_pack")
def order_pack(request: HttpRequest, order_id: str) -> HttpResponse:
    order = order_by_number(order_id)
    columns = [request.POST.getlist(field) for field in PACKAGE_FIELDS]
    packages = [
        dict(zip(PACKAGE_FIELDS, map(form_number, row), strict=True))
        for row in zip(*columns, strict=False)
    ]
    try:
        packing = validate_as(PackIn, {"packages": packages})
        packed = services.order_pack(order=order, payload=packing)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{packed.number} is packed; invoice {packed.invoice.number} is issued."
        )
    return _back_to_order(order)


@require_POST
@operation_required("orders_ship")
def order_ship(request: HttpRequest, order_id: str) -> HttpResponse:
    order = order_by_number(order_id)
    try:
        given = validate_as(
            ShipIn, {field: request.POST.get(field) or None for field in ("courier", "awb")}
        )
        services.order_ship(order=order, courier=given.courier, awb=given.awb)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{order.number} is shipped.")
    return _back_to_order(order)


@operation_required("orders_view")
def invoice_document(request: HttpRequest, number: str) -> HttpResponse:
    invoice = invoice_by_number(number)
    return invoice_pdf_response(invoice.number, services.invoice_pdf(invoice=invoice))
