"""Online order pages: the list with filters and paging, and one order with its stock and events.

Pages call the same selectors and services as the API; an action is shown only to roles that
have it, and `operation_required` refuses it on the server anyway. Packing, picking and
shipping live on the Pick lists pages (fulfilment); the order page links there.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from omslink.core.errors import ApplicationError, NotFound
from omslink.core.validation import validate_as
from omslink.inventory.page_inputs import newest_page
from omslink.masters.models import Site
from omslink.orders import services
from omslink.orders.models import Order, OrderStatus
from omslink.orders.schemas import CancelIn
from omslink.orders.selectors import (
    ORDER_EXPORT_COLUMNS,
    order_by_number,
    order_events,
    order_resource,
    order_stock_moves,
    orders_export_rows,
    orders_for_resource,
    stock_held_by,
)
from omslink.orders.transitions import sources_of
from omslink.spreadsheets.exports import export_format, spreadsheet_response
from omslink.web.access import operation_required


def _order_or_404(number: str) -> Order:
    try:
        return order_by_number(number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@operation_required("orders_view")
def order_list(request: HttpRequest) -> HttpResponseBase:
    """Newest first; filters by status and site, paged with the API's cursors.

    `?export=csv|xlsx` downloads every order the filters select.
    """
    status = request.GET.get("status", "")
    site = request.GET.get("site", "")
    filters: dict[str, str] = {}
    if status in OrderStatus.values:
        filters["status"] = status
    if site:
        filters["site__code"] = site
    if fmt := export_format(request):
        return spreadsheet_response(
            fmt,
            name="orders",
            header=ORDER_EXPORT_COLUMNS,
            rows=orders_export_rows(filters=filters),
        )
    orders = orders_for_resource().filter(**filters)
    rows, next_cursor = newest_page(request, orders)
    return render(
        request,
        "orders/order_list.html",
        {
            "orders": [order_resource(order) for order in rows],
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
    order = _order_or_404(number)
    skus = {line.item_id: line.item.sku for line in order.lines.all()}
    held: dict[str, int] = defaultdict(int)
    for item_id, units in stock_held_by(order).items():
        held[skus[item_id]] += units
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order_resource(order),
            "app": order.app,
            "held": sorted(held.items()),
            "moves": order_stock_moves(order),
            "events": order_events(order),
            "cancellable": order.status in sources_of(OrderStatus.CANCELLED),
        },
    )


@require_POST
@operation_required("orders_cancel")
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """Cancel by the ERP, exactly as `POST /api/v1/orders/{id}/cancel` with a personal token."""
    order = _order_or_404(number)
    try:
        reason = validate_as(CancelIn, {"reason": request.POST.get("reason", "")}).reason
        services.order_cancel(order=order, by=Order.CancelledBy.ERP, reason=reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{order.number} is cancelled; its reservation is released.")
    return HttpResponseRedirect(reverse("orders:detail", args=[order.number]))
