"""The Webhook deliveries page: what was sent where, every attempt, Retry for a failed one,
Abandon for a failed or held one, and Abandon all held for a disabled app."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from omslink.connected_apps.models import OmsApp
from omslink.connected_apps.selectors import oms_app_by_id
from omslink.core.errors import ApplicationError
from omslink.spreadsheets.exports import export_format, spreadsheet_response
from omslink.web.access import operation_required, signed_in_user
from omslink.web.page_inputs import requested_page
from omslink.webhooks import services
from omslink.webhooks.event_types import EventType
from omslink.webhooks.schemas import DeliveryOut
from omslink.webhooks.selectors import (
    DELIVERY_EXPORT_COLUMNS,
    STATUSES,
    apps_holding_deliveries,
    deliveries,
    deliveries_export_rows,
    delivery_by_id,
    event_body_preview,
    failing_counts,
)

PAGE_SIZE = 50
EVENT_TYPES = tuple(event_type.value for event_type in EventType)


def _choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def _app_id(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 else None


@operation_required("webhooks_view")
def delivery_list(request: HttpRequest) -> HttpResponseBase:
    """Newest first; the filters are plain query parameters, so a filtered view can be shared.

    `?export=csv|xlsx` downloads every delivery the filters select.
    """
    app_id = _app_id(request.GET.get("app"))
    status = _choice(request.GET.get("status"), STATUSES)
    type_given = request.GET.get("type")
    event_type = EventType(type_given) if type_given in EVENT_TYPES else None
    found = deliveries(app_id=app_id, status=status, event_type=event_type)
    if fmt := export_format(request):
        return spreadsheet_response(
            fmt,
            name="webhook-deliveries",
            header=DELIVERY_EXPORT_COLUMNS,
            rows=deliveries_export_rows(found),
        )
    rows, next_cursor = requested_page(request, found)
    filters = {"app": app_id, "status": status, "type": event_type}
    context: dict[str, Any] = {
        "rows": [DeliveryOut.of(row).model_dump() for row in rows],
        "next_cursor": next_cursor,
        "filters": filters,
        "filter_query": urlencode({name: value for name, value in filters.items() if value}),
        "apps": OmsApp.objects.select_related("org_unit").order_by("pk"),
        "statuses": STATUSES,
        "event_types": EVENT_TYPES,
        "counts": failing_counts(),
        "holding": apps_holding_deliveries(),
    }
    return render(request, "webhooks/deliveries.html", context)


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to the page (and filters) the form was posted from, if it is one of ours."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("webhooks:deliveries")
    return HttpResponseRedirect(back)


@operation_required("webhooks_view")
def delivery_detail(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """One delivery's attempts and event body: the list opens them in place on demand
    (webhooks/deliveries.js), so a page of 50 renders neither for rows nobody opens."""
    delivery = delivery_by_id(delivery_id)
    return render(
        request,
        "webhooks/delivery.html",
        {"d": DeliveryOut.of(delivery).model_dump(), "body": event_body_preview(delivery.event)},
    )


@require_POST
@operation_required("webhooks_retry")
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = delivery_by_id(delivery_id)
    try:
        services.delivery_retry(delivery=delivery, user=signed_in_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Delivery {delivery_id} is queued again and goes out now.")
    return _back(request)


@require_POST
@operation_required("webhooks_retry")
def delivery_abandon(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = delivery_by_id(delivery_id)
    try:
        services.delivery_abandon(delivery=delivery, user=signed_in_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Delivery {delivery_id} is abandoned; the next event of {delivery.ordering_key} "
            "may now be sent.",
        )
    return _back(request)


@require_POST
@operation_required("webhooks_retry")
def oms_app_abandon_held(request: HttpRequest, app_id: int) -> HttpResponse:
    app = oms_app_by_id(app_id)
    try:
        abandoned = services.oms_app_abandon_held(oms_app=app, user=signed_in_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{abandoned} held deliveries of {app} are abandoned.")
    return _back(request)
