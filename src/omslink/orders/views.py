"""Online order pages: the list with filters and paging, and one order with its stock and events.

Pages call the same selectors and services as the API; an action is shown only to roles that
have it, and `operation_required` refuses it on the server anyway. Packing, picking and
shipping live on the Pick lists pages (fulfilment); the order page links there.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from omslink.core.errors import ApplicationError
from omslink.core.validation import validate_as
from omslink.masters.models import Site
from omslink.orders import services
from omslink.orders.models import Order, OrderStatus
from omslink.orders.schemas import CancelIn, OrderOut
from omslink.orders.selectors import (
    ORDER_EXPORT_COLUMNS,
    order_by_number,
    order_events,
    order_stock_moves,
    orders_export_rows,
    orders_list,
    stock_held_by,
)
from omslink.orders.transitions import sources_of
from omslink.returns.schemas import ReturnOut
from omslink.returns.selectors import returns_filtered
from omslink.spreadsheets.exports import export_format, spreadsheet_response
from omslink.web.access import operation_required
from omslink.web.page_inputs import requested_page


@operation_required("orders_view")
def order_list(request: HttpRequest) -> HttpResponseBase:
    """Newest first; filters by status and site, paged with the API's cursors.

    `?export=csv|xlsx` downloads every order the filters select.
    """
    status = request.GET.get("status", "")
    site = request.GET.get("site", "")
    chosen_status = status if status in OrderStatus.values else None
    if fmt := export_format(request):
        try:
            exported = orders_export_rows(status=chosen_status, site=site or None)
        except ApplicationError as exc:
            messages.error(request, f"Nothing exported: {exc.message}")
        else:
            return spreadsheet_response(
                fmt, name="orders", header=ORDER_EXPORT_COLUMNS, rows=exported
            )
    rows: list[Order] = []
    next_cursor = None
    try:
        orders = orders_list(status=chosen_status, site=site or None)
        rows, next_cursor = requested_page(request, orders)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return render(
        request,
        "orders/order_list.html",
        {
            "orders": [OrderOut.of(order) for order in rows],
            "next_cursor": next_cursor,
            "statuses": OrderStatus.values,
            "sites": Site.objects.filter(online_fulfilment=True).order_by("code"),
            "status": status,
            "site": site,
        },
    )


@operation_required("orders_view")
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """Lines, the stock the order holds (from the ledger), and every event with its deliveries."""
    order = order_by_number(number)
    skus = {line.item_id: line.item.sku for line in order.resource_lines}
    held: dict[str, int] = defaultdict(int)
    for item_id, units in stock_held_by(order).items():
        held[skus[item_id]] += units
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": OrderOut.of(order),
            "app": order.app,
            "held": sorted(held.items()),
            "moves": order_stock_moves(order),
            "events": order_events(order),
            "cancellable": order.status in sources_of(OrderStatus.CANCELLED),
            "returns": [ReturnOut.of(ret) for ret in returns_filtered(order=order).order_by("pk")],
        },
    )


@require_POST
@operation_required("orders_cancel")
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """Cancel by the ERP, exactly as `POST /api/v1/orders/{id}/cancel` with a personal token."""
    order = order_by_number(number)
    try:
        reason = validate_as(CancelIn, {"reason": request.POST.get("reason", "")}).reason
        services.order_cancel(order=order, by=Order.CancelledBy.ERP, reason=reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{order.number} is cancelled; its reservation is released.")
    return HttpResponseRedirect(reverse("orders:detail", args=[order.number]))
