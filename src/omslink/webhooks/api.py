"""Webhook deliveries: list them with their attempts, retry or abandon one (CONTRACT §3, §10)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from omslink.api_auth import caller_user, staff
from omslink.connected_apps.selectors import oms_app_by_id
from omslink.core.ids import PathId
from omslink.core.pagination import Page, PageQuery, page_of
from omslink.webhooks import services
from omslink.webhooks.schemas import DeliveryFilter, DeliveryOut, HeldAbandonedOut
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
    "/webhook-deliveries/{delivery_id}/retry",
    response=DeliveryOut,
    auth=staff("webhooks_retry"),
)
def retry_delivery(request: HttpRequest, delivery_id: PathId) -> DeliveryOut:
    """Queue a failed delivery again, now; any other status: 409 invalid_transition."""
    services.delivery_retry(delivery=delivery_by_id(delivery_id), user=caller_user(request))
    return DeliveryOut.of(delivery_by_id(delivery_id))


@router.post(
    "/webhook-deliveries/{delivery_id}/abandon",
    response=DeliveryOut,
    auth=staff("webhooks_retry"),
)
def abandon_delivery(request: HttpRequest, delivery_id: PathId) -> DeliveryOut:
    """Give up a failed or held delivery; the next event of its key may then be sent.

    Any other delivery: 409 invalid_transition. Needs Webhook deliveries > Retry, the operation
    that decides what happens to a stuck delivery.
    """
    services.delivery_abandon(delivery=delivery_by_id(delivery_id), user=caller_user(request))
    return DeliveryOut.of(delivery_by_id(delivery_id))


@router.post(
    "/oms-apps/{app_id}/abandon-held",
    response=HeldAbandonedOut,
    auth=staff("webhooks_retry"),
)
def abandon_held(request: HttpRequest, app_id: PathId) -> HeldAbandonedOut:
    """Give up every held delivery of a disabled app; an enabled app: 409 invalid_transition."""
    app = oms_app_by_id(app_id)
    abandoned = services.oms_app_abandon_held(oms_app=app, user=caller_user(request))
    return HeldAbandonedOut.of(app, abandoned)
