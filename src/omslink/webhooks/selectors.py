"""Read webhook deliveries as the API and the Webhook deliveries page show them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from omslink.connected_apps.models import OmsApp
from omslink.core.ids import is_database_id, row_by_id
from omslink.webhooks.event_types import EventType
from omslink.webhooks.models import Delivery, Event
from omslink.webhooks.services import event_envelope

# What the status filter offers (the type filter offers `EventType`). A pending delivery may
# also be held (its app is disabled) or blocked (a failed delivery ahead of it on its key); its
# resource says which.
STATUSES = tuple(Delivery.Status.values)


def _failed_ahead() -> Subquery:
    return Subquery(
        Delivery.objects.filter(
            app_id=OuterRef("app_id"),
            ordering_key=OuterRef("ordering_key"),
            sequence__lt=OuterRef("sequence"),
            status=Delivery.Status.FAILED,
        )
        .order_by("sequence")
        .values("pk")[:1]
    )


def deliveries(
    *, app_id: int | None = None, status: str | None = None, event_type: EventType | None = None
) -> QuerySet[Delivery]:
    """Deliveries with what their resource shows, optionally narrowed down.

    The attempts go to a plain list (`resource_attempts`): filling the relation manager's
    cache instead builds a filtered queryset per delivery, a third of a page's CPU.
    """
    # The model declares the attribute for `DeliveryOut.of`; the type checker's Django
    # plugin would declare it again from `to_attr`.
    found = (
        Delivery.objects.select_related("event__org_unit", "app")  # type: ignore[no-redef]
        .prefetch_related(Prefetch("attempts", to_attr="resource_attempts"))
        .annotate(blocked_by=_failed_ahead())
    )
    if app_id is not None:
        found = found.filter(app_id=app_id) if is_database_id(app_id) else found.none()
    if status is not None:
        found = found.filter(status=status)
    if event_type is not None:
        found = found.filter(event__type=event_type)
    return found


def delivery_by_id(delivery_id: int) -> Delivery:
    return row_by_id(deliveries(), delivery_id, what="webhook delivery")


def event_body_preview(event: Event) -> str:
    """The event as the receiver reads it once decrypted, for the page's detail view."""
    return json.dumps(event_envelope(event), indent=2, ensure_ascii=False)


def failing_counts() -> dict[str, int]:
    """Deliveries past their last attempt, and pending ones whose last attempt failed."""
    return {
        "failed": Delivery.objects.filter(status=Delivery.Status.FAILED).count(),
        "retrying": Delivery.objects.filter(
            status=Delivery.Status.PENDING, attempt_count__gt=0
        ).count(),
    }


def apps_holding_deliveries() -> QuerySet[OmsApp]:
    """Disabled apps with held deliveries, each annotated with `held`, how many."""
    return (
        OmsApp.objects.filter(enabled=False)
        .annotate(held=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)))
        .filter(held__gt=0)
        .select_related("org_unit")
        .order_by("pk")
    )


DELIVERY_EXPORT_COLUMNS = (
    "delivery",
    "event_id",
    "type",
    "org_unit",
    "app",
    "ordering_key",
    "sequence",
    "status",
    "attempts",
    "last_status_code",
    "last_error",
    "created_at",
    "delivered_at",
)


def deliveries_export_rows(found: QuerySet[Delivery]) -> Iterator[tuple[Any, ...]]:
    """The deliveries `deliveries(...)` selected, newest first, as plain values in chunks."""
    return (
        found.prefetch_related(None)
        .order_by("-pk")
        .values_list(
            "pk",
            "event__event_id",
            "event__type",
            "event__org_unit__code",
            "app__name",
            "ordering_key",
            "sequence",
            "status",
            "attempt_count",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        )
        .iterator(chunk_size=2000)
    )
