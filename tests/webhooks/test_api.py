"""GET /api/v1/webhook-deliveries and POST …/{id}/retry over HTTP with real tokens."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.webhooks.event_types import EventType
from omslink.webhooks.models import Delivery, DeliveryAttempt
from tests.conftest import ApiClient, ConnectedApp, Masters, assert_error, connect_app
from tests.webhooks.harness import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(oms: ConnectedApp) -> OmsApp:
    return oms.app


@pytest.fixture
def failed(masters: Masters, app: OmsApp) -> Delivery:
    """order:A #1 failed after one 500, order:A #2 queued behind it."""
    publish(masters.org_unit, "order:A", 2, apps=[app])
    delivery = Delivery.objects.get(sequence=1)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        attempted_at=timezone.now(),
        status_code=500,
        latency_ms=31,
        error="HTTP 500",
        request_headers={"webhook-id": delivery.event.event_id, "webhook-signature": "v1,abc"},
        response_body="boom",
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempt_count=1, last_status_code=500, last_error="HTTP 500"
    )
    return delivery


def test_list_shows_each_delivery_with_its_attempts(
    api: ApiClient, failed: Delivery, app: OmsApp
) -> None:
    answer = api.get("/webhook-deliveries")
    assert answer.status == 200 and answer.body["next_cursor"] is None
    behind, head = answer.body["items"]  # newest first
    assert head == {
        "id": failed.pk,
        "event_id": failed.event.event_id,
        "type": "order.reserved",
        "app": app.pk,
        "app_name": app.name,
        "org_unit": "OU1",
        "ordering_key": "order:A",
        "sequence": 1,
        "status": "failed",
        "held": False,
        "blocked_by": None,
        "attempt_count": 1,
        "next_attempt_at": None,
        "last_status_code": 500,
        "last_error": "HTTP 500",
        "created_at": head["created_at"],
        "delivered_at": None,
        "attempts": [
            {
                "attempted_at": head["attempts"][0]["attempted_at"],
                "status_code": 500,
                "latency_ms": 31,
                "error": "HTTP 500",
                "response_body": "boom",
                "request_headers": {
                    "webhook-id": failed.event.event_id,
                    "webhook-signature": "v1,abc",
                },
            }
        ],
    }
    assert (behind["status"], behind["blocked_by"], behind["attempts"]) == (
        "pending",
        failed.pk,
        [],
    )
    assert behind["next_attempt_at"] is not None


def test_held_deliveries_of_a_disabled_app_say_so(
    api: ApiClient, masters: Masters, admin: Any
) -> None:
    app = connect_app(masters.org_unit, admin[0], enabled=False).app
    publish(masters.org_unit, "order:B", 1, apps=[app])
    [item] = api.get("/webhook-deliveries").body["items"]
    assert (item["status"], item["held"]) == ("pending", True)


def test_filters_narrow_by_app_status_and_type(
    api: ApiClient, masters: Masters, admin: Any, failed: Delivery, app: OmsApp
) -> None:
    other = connect_app(masters.other_org_unit, admin[0]).app
    publish(
        masters.other_org_unit, "inventory:WH3", 1, apps=[other], type=EventType.INVENTORY_UPDATED
    )

    def ids(query: str) -> list[int]:
        answer = api.get(f"/webhook-deliveries?{query}")
        assert answer.status == 200, answer.body
        return [item["id"] for item in answer.body["items"]]

    everything = ids("")
    assert len(everything) == 3
    assert ids(f"app={app.pk}") == everything[1:]
    assert ids(f"app={other.pk}") == everything[:1]
    assert ids("status=failed") == [failed.pk]
    assert ids("type=inventory.updated") == everything[:1]
    assert ids(f"app={app.pk}&status=pending&type=order.reserved") == everything[1:2]
    assert ids("type=order.shipped") == []
    assert ids("app=999999") == []
    assert ids(f"app={2**63}") == []


@pytest.mark.parametrize(
    "query",
    [
        "app=abc",
        "app=1.5",
        "app=",
        "status=bogus",
        "status=FAILED",
        f"type={'x' * 41}",
        "type=order.unknown",
        "limit=0",
        "limit=201",
        "limit=x",
        "cursor=!!!",
        "type=%00",
    ],
)
def test_bad_filters_are_validation_errors(api: ApiClient, failed: Delivery, query: str) -> None:
    assert_error(api.get(f"/webhook-deliveries?{query}"), 422, "validation_error")


def test_paging_walks_every_delivery_once(api: ApiClient, masters: Masters, app: OmsApp) -> None:
    publish(masters.org_unit, "order:C", 5, apps=[app])
    seen: list[int] = []
    cursor = ""
    while True:
        page = api.get(f"/webhook-deliveries?limit=2{cursor}").body
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == sorted(Delivery.objects.values_list("pk", flat=True), reverse=True)


def test_retry_requeues_a_failed_delivery(api: ApiClient, failed: Delivery) -> None:
    answer = api.post(f"/webhook-deliveries/{failed.pk}/retry")
    assert answer.status == 200
    assert (answer.body["id"], answer.body["status"], answer.body["attempt_count"]) == (
        failed.pk,
        "pending",
        1,
    )
    assert answer.body["next_attempt_at"] is not None
    assert len(answer.body["attempts"]) == 1
    assert Delivery.objects.get(pk=failed.pk).status == "pending"


def test_retry_of_a_delivery_that_is_not_failed_is_refused(
    api: ApiClient, failed: Delivery
) -> None:
    behind = Delivery.objects.get(sequence=2)
    error = assert_error(
        api.post(f"/webhook-deliveries/{behind.pk}/retry"), 409, "invalid_transition"
    )
    assert "only a failed delivery can be retried" in error["message"]
    Delivery.objects.filter(pk=behind.pk).update(status="succeeded")
    assert_error(api.post(f"/webhook-deliveries/{behind.pk}/retry"), 409, "invalid_transition")
    assert Delivery.objects.get(pk=behind.pk).status == "succeeded"
    assert Delivery.objects.get(pk=failed.pk).status == "failed"


@pytest.mark.parametrize("delivery_id", ["999999", str(2**63), "0", "99999999999999999999999"])
def test_retry_of_an_unknown_delivery_is_not_found(
    api: ApiClient, failed: Delivery, delivery_id: str
) -> None:
    assert_error(api.post(f"/webhook-deliveries/{delivery_id}/retry"), 404, "not_found")
    assert Delivery.objects.get(pk=failed.pk).status == "failed"


@pytest.mark.parametrize("path", ["abc/retry", "-1/retry", "1.0/retry", "%00/retry"])
def test_retry_of_a_malformed_id_changes_nothing(
    api: ApiClient, failed: Delivery, path: str
) -> None:
    answer = api.post(f"/webhook-deliveries/{path}")
    assert answer.status in (404, 422), answer.body
    assert Delivery.objects.get(pk=failed.pk).status == "failed"


def test_retry_takes_no_other_method(api: ApiClient, failed: Delivery) -> None:
    assert_error(api.get(f"/webhook-deliveries/{failed.pk}/retry"), 405, "method_not_allowed")
    assert_error(api.request("DELETE", "/webhook-deliveries"), 405, "method_not_allowed")


def test_permissions(role_clients: dict[str, ApiClient], failed: Delivery) -> None:
    assert role_clients["Viewer"].get("/webhook-deliveries").status == 200
    assert_error(role_clients["Warehouse"].get("/webhook-deliveries"), 403, "forbidden")
    for role in ("Viewer", "Warehouse"):
        assert_error(
            role_clients[role].post(f"/webhook-deliveries/{failed.pk}/retry"), 403, "forbidden"
        )
    assert Delivery.objects.get(pk=failed.pk).status == "failed"
    assert (
        role_clients["Administrator"].post(f"/webhook-deliveries/{failed.pk}/retry").status == 200
    )


def test_partner_keys_and_strangers_are_refused(oms: ConnectedApp, failed: Delivery) -> None:
    assert_error(oms.client().get("/webhook-deliveries"), 403, "forbidden")
    assert_error(oms.client().post(f"/webhook-deliveries/{failed.pk}/retry"), 403, "forbidden")
    for token in (None, "omsu_not-a-token", "x" * 500):
        stranger = ApiClient(token)
        assert_error(stranger.get("/webhook-deliveries"), 401, "unauthenticated")
        assert_error(
            stranger.post(f"/webhook-deliveries/{failed.pk}/retry"), 401, "unauthenticated"
        )
    assert Delivery.objects.get(pk=failed.pk).status == "failed"
