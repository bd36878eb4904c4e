"""Webhook deliveries: list them with their attempts, retry a failed one (CONTRACT §3)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from omslink.api_auth import caller_user, staff
from omslink.core.pagination import Page, PageQuery, page_of
from omslink.webhooks import services
from omslink.webhooks.schemas import DeliveryFilter, DeliveryOut
from omslink.webhooks.selectors import deliveries, delivery_by_id

router = Router(tags=["webhook deliveries"])


@router.get("/webhook-deliveries", response=Page[DeliveryOut], auth=staff("webhooks_view"))
def list_deliveries(
    request: HttpRequest, query: Query[PageQuery], only: Query[DeliveryFilter]
) -> dict[str, Any]:
    """Newest first, each with all its attempts."""
    return page_of(
        deliveries(app_id=only.app, status=only.status, event_type=only.type),
        query,
        newest_first=True,
        render=DeliveryOut.of,
    )


@router.post(
    "/webhook-deliveries/{int:delivery_id}/retry",
    response=DeliveryOut,
    auth=staff("webhooks_retry"),
)
def retry_delivery(request: HttpRequest, delivery_id: int) -> DeliveryOut:
    """Queue a failed delivery again, now; any other status: 409 invalid_transition."""
    services.delivery_retry(delivery=delivery_by_id(delivery_id), user=caller_user(request))
    return DeliveryOut.of(delivery_by_id(delivery_id))
