"""Request and response shapes of the webhook deliveries API (CONTRACT §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omslink.webhooks.event_types import EventType


class DeliveryFilter(Schema):
    """`?app=&status=&type=`: all optional, combined with AND."""

    app: int | None = Field(default=None, description="OMS app id")
    status: Literal["pending", "succeeded", "failed"] | None = None
    type: EventType | None = Field(default=None, description="event type")


class AttemptOut(Schema):
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    request_headers: dict[str, str] = Field(
        description="as sent, with the signature; the secret itself is never recorded"
    )
    response_body: str = Field(description="the first 2 KB of the answer")


class DeliveryOut(Schema):
    id: int
    event_id: str = Field(description="also the webhook-id header of every attempt")
    type: str
    app: int
    app_name: str
    org_unit: str
    ordering_key: str
    sequence: int
    status: Literal["pending", "succeeded", "failed"]
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
