"""Request and response shapes of the webhook deliveries API (CONTRACT §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from ninja import Schema
from pydantic import Field

from omslink.connected_apps.models import OmsApp
from omslink.core.resources import Resource
from omslink.webhooks.event_types import EventType
from omslink.webhooks.models import Delivery

DeliveryStatus = Literal["pending", "succeeded", "failed", "abandoned"]


class DeliveryFilter(Schema):
    """`?app=&status=&type=`: all optional, combined with AND."""

    app: int | None = Field(default=None, description="OMS app id")
    status: DeliveryStatus | None = None
    type: EventType | None = Field(default=None, description="event type")


class AttemptOut(Resource):
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    request_headers: dict[str, str] = Field(
        description="as sent, with the signature; the secret itself is never recorded"
    )
    response_body: str = Field(description="the first 2 KB of the answer")


class DeliveryOut(Resource):
    id: int
    event_id: str = Field(description="also the webhook-id header of every attempt")
    type: str
    app: int
    app_name: str
    org_unit: str
    ordering_key: str
    sequence: int
    status: DeliveryStatus
    held: bool = Field(description="pending because the app is disabled")
    blocked_by: int | None = Field(
        description="pending behind this failed delivery of the same ordering key"
    )
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempts: list[AttemptOut]

    @classmethod
    def of(cls, delivery: Delivery) -> Self:
        """A delivery read with `deliveries()`, with all its attempts; no secret, only the
        signature each attempt sent."""
        pending = delivery.status == Delivery.Status.PENDING
        event = delivery.event
        return cls.model_validate(
            {
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
                "attempts": [
                    {
                        "attempted_at": attempt.attempted_at,
                        "status_code": attempt.status_code,
                        "latency_ms": attempt.latency_ms,
                        "error": attempt.error or None,
                        "request_headers": attempt.request_headers,
                        "response_body": attempt.response_body,
                    }
                    for attempt in delivery.resource_attempts
                ],
            }
        )


class HeldAbandonedOut(Resource):
    app: int
    abandoned: int = Field(description="how many held deliveries were given up")

    @classmethod
    def of(cls, app: OmsApp, abandoned: int) -> Self:
        return cls.model_validate({"app": app.pk, "abandoned": abandoned})
