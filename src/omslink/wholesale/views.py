"""Wholesale pages: the list with the create form, and one order with dispatch and cancel.

The create form is parsed into the API's request model and handed to the same service;
each action shows only for roles with it, and the server refuses it anyway.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from omslink.core.errors import ApplicationError
from omslink.core.validation import validate_as
from omslink.masters.models import Customer, Site
from omslink.spreadsheets.exports import export_format, spreadsheet_response
from omslink.web.access import operation_required, signed_in_user
from omslink.web.form_errors import in_words
from omslink.web.page_inputs import EMPTY_LINE_ROWS, form_lines, item_skus, requested_page
from omslink.wholesale import services
from omslink.wholesale.models import WholesaleOrder
from omslink.wholesale.schemas import WholesaleOrderIn, WholesaleOrderOut
from omslink.wholesale.selectors import (
    WHOLESALE_EXPORT_COLUMNS,
    wholesale_order_by_number,
    wholesale_orders_export_rows,
    wholesale_orders_list,
)

# The words the create form prints next to its fields.
WHOLESALE_LABELS = {
    "customer": "Customer",
    "site": "Site",
    "lines": "Lines",
    "sku": "SKU",
    "quantity": "Quantity",
}


def _list_page(
    request: HttpRequest, *, status: int = 200, entered: dict[str, Any] | None = None
) -> HttpResponse:
    chosen = request.GET.get("status", "")
    orders = wholesale_orders_list(
        status=chosen if chosen in WholesaleOrder.Status.values else None
    )
    rows, next_cursor = requested_page(request, orders)
    return render(
        request,
        "wholesale/list.html",
        {
            "orders": [WholesaleOrderOut.of(order).model_dump() for order in rows],
            "next_cursor": next_cursor,
            "statuses": WholesaleOrder.Status.values,
            "status": chosen,
            "customers": Customer.objects.order_by("code"),
            "sites": Site.objects.order_by("code"),
            "skus": item_skus(),
            "entered": entered or {},
            "empty_rows": range(EMPTY_LINE_ROWS),
        },
        status=status,
    )


@operation_required("wholesale_view")
def wholesale_list(request: HttpRequest) -> HttpResponseBase:
    """The list with its create form; `?export=csv|xlsx` downloads the filtered list."""
    fmt = export_format(request)
    if fmt is None:
        return _list_page(request)
    status = request.GET.get("status", "")
    rows = wholesale_orders_export_rows(
        status=status if status in WholesaleOrder.Status.values else None
    )
    return spreadsheet_response(
        fmt, name="wholesale-orders", header=WHOLESALE_EXPORT_COLUMNS, rows=rows
    )


@require_POST
@operation_required("wholesale_create")
def wholesale_create(request: HttpRequest) -> HttpResponse:
    try:
        payload = validate_as(
            WholesaleOrderIn,
            {
                "customer": request.POST.get("customer", ""),
                "site": request.POST.get("site", ""),
                "lines": form_lines(request),
            },
        )
        order = services.wholesale_order_create(user=signed_in_user(request), payload=payload)
    except ApplicationError as exc:
        messages.error(request, f"Wholesale order not saved: {in_words(exc, WHOLESALE_LABELS)}")
        entered = {
            "customer": request.POST.get("customer", ""),
            "site": request.POST.get("site", ""),
            "lines": form_lines(request),
        }
        return _list_page(request, status=exc.status, entered=entered)
    messages.success(request, f"{order.number} allocated at {order.site.code}.")
    return HttpResponseRedirect(reverse("wholesale:detail", args=[order.number]))


@operation_required("wholesale_view")
def wholesale_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = wholesale_order_by_number(number)
    return render(
        request,
        "wholesale/detail.html",
        {
            "order": WholesaleOrderOut.of(order).model_dump(),
            "customer": order.customer,
            "open": order.status == WholesaleOrder.Status.ALLOCATED,
        },
    )


def _act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    order = wholesale_order_by_number(number)
    try:
        if action == "dispatch":
            services.wholesale_order_dispatch(wholesale_order=order)
        else:
            services.wholesale_order_cancel(wholesale_order=order)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        done = "dispatched" if action == "dispatch" else "cancelled; its stock is available again"
        messages.success(request, f"{order.number} is {done}.")
    return HttpResponseRedirect(reverse("wholesale:detail", args=[order.number]))


@require_POST
@operation_required("wholesale_dispatch")
def wholesale_dispatch(request: HttpRequest, number: str) -> HttpResponse:
    return _act(request, number, "dispatch")


@require_POST
@operation_required("wholesale_cancel")
def wholesale_cancel(request: HttpRequest, number: str) -> HttpResponse:
    return _act(request, number, "cancel")
