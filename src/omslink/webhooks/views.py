"""The Webhook deliveries page: what was sent where, every attempt, and Retry for a failed one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import ApplicationError
from omslink.core.pagination import paginate
from omslink.spreadsheets.exports import export_format, spreadsheet_response
from omslink.web.access import operation_required
from omslink.webhooks import services
from omslink.webhooks.selectors import (
    DELIVERY_EXPORT_COLUMNS,
    EVENT_TYPES,
    STATUSES,
    deliveries,
    deliveries_export_rows,
    delivery_resource,
    event_body_preview,
    failing_counts,
)

PAGE_SIZE = 50


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
    event_type = _choice(request.GET.get("type"), EVENT_TYPES)
    found = deliveries(app_id=app_id, status=status, event_type=event_type)
    if fmt := export_format(request):
        return spreadsheet_response(
            fmt,
            name="webhook-deliveries",
            header=DELIVERY_EXPORT_COLUMNS,
            rows=deliveries_export_rows(found),
        )
    try:
        rows, next_cursor = paginate(found, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    except ApplicationError:  # a hand-edited cursor: start from the newest
        rows, next_cursor = paginate(found, cursor=None, limit=PAGE_SIZE)
    filters = {"app": app_id, "status": status, "type": event_type}
    context: dict[str, Any] = {
        "rows": [{**delivery_resource(row), "body": event_body_preview(row.event)} for row in rows],
        "next_cursor": next_cursor,
        "filters": filters,
        "filter_query": urlencode({name: value for name, value in filters.items() if value}),
        "apps": OmsApp.objects.select_related("org_unit").order_by("pk"),
        "statuses": STATUSES,
        "event_types": EVENT_TYPES,
        "counts": failing_counts(),
    }
    return render(request, "webhooks/deliveries.html", context)


@require_POST
@operation_required("webhooks_retry")
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    try:
        services.delivery_retry(delivery_id=delivery_id, user=request.user)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Delivery {delivery_id} is queued again and goes out now.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("webhooks:deliveries")
    return HttpResponseRedirect(back)
