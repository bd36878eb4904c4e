"""Read webhook deliveries as the API and the Webhook deliveries page show them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from omslink.core.ids import is_database_id, row_by_id
from omslink.webhooks.models import Delivery, DeliveryAttempt, Event
from omslink.webhooks.services import event_envelope

# What the filters offer. A pending delivery may also be held (its app is disabled) or blocked
# (a failed delivery ahead of it on its key); its resource says which.
STATUSES = tuple(Delivery.Status.values)
EVENT_TYPES = (
    "order.reserved",
    "order.picklist_created",
    "order.picked",
    "order.packed",
    "order.invoiced",
    "order.shipped",
    "order.cancelled",
    "inventory.updated",
)


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
    *, app_id: int | None = None, status: str | None = None, event_type: str | None = None
) -> QuerySet[Delivery]:
    """Deliveries with what their resource shows, optionally narrowed down."""
    found = (
        Delivery.objects.select_related("event__org_unit", "app")
        .prefetch_related("attempts")
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


def attempt_resource(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "attempted_at": attempt.attempted_at,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error or None,
        "request_headers": attempt.request_headers,
        "response_body": attempt.response_body,
    }


def delivery_resource(delivery: Delivery) -> dict[str, Any]:
    """A delivery and all its attempts; the request headers carry the signature, no secret."""
    pending = delivery.status == Delivery.Status.PENDING
    event = delivery.event
    return {
        "id": delivery.pk,
        "event_id": event.event_id,
        "type": event.type,
        "app": delivery.app_id,
        "app_name": str(delivery.app),
        "org_unit": event.org_unit.code,
        "ordering_key": delivery.ordering_key,
        "sequence": delivery.sequence,
        "status": delivery.status,
        "held": pending and not delivery.app.enabled,
        "blocked_by": getattr(delivery, "blocked_by", None) if pending else None,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": delivery.next_attempt_at if pending else None,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error or None,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "attempts": [attempt_resource(attempt) for attempt in delivery.attempts.all()],
    }


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
