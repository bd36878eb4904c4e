"""The Webhook deliveries page and the dashboard's failing count, through Django's stack."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from omslink.webhooks.event_types import EventType
from omslink.webhooks.models import Delivery, DeliveryAttempt
from tests.conftest import ConnectedApp, Masters
from tests.webhooks.harness import publish

pytestmark = pytest.mark.django_db

PAGE = "/webhooks/deliveries/"


@pytest.fixture
def failed(masters: Masters, oms: ConnectedApp) -> Delivery:
    publish(masters.org_unit, "order:SO-000001", 2, apps=[oms.app])
    publish(masters.org_unit, "inventory:WH1", 1, apps=[oms.app], type=EventType.INVENTORY_UPDATED)
    delivery = Delivery.objects.get(ordering_key="order:SO-000001", sequence=1)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        attempted_at=timezone.now(),
        status_code=503,
        latency_ms=40,
        error="HTTP 503",
        response_body="<b>maintenance</b>",
        request_headers={
            "webhook-id": delivery.event.event_id,
            "webhook-signature": "v1,c2lnbmF0dXJl",
        },
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempt_count=1, last_status_code=503, last_error="HTTP 503"
    )
    return delivery


def _client(make_user: Any, role: str) -> Client:
    client = Client()
    client.force_login(make_user(role)[0])
    return client


def test_page_shows_a_retry_button_for_failed_ones_and_links_their_attempts(
    make_user: Any, failed: Delivery
) -> None:
    page = _client(make_user, "Administrator").get(PAGE).content.decode()
    assert f'id="delivery-{failed.pk}" data-status="failed"' in page
    assert "HTTP 503" in page
    assert f'blocked by failed delivery <a href="#delivery-{failed.pk}">' in page
    assert page.count('class="primary retry"') == 1
    # The attempts and the body are on the delivery's page, fetched when a row is opened.
    assert f'data-src="{PAGE}{failed.pk}/"' in page and "Attempts (1) and body" in page
    assert "v1,c2lnbmF0dXJl" not in page and "maintenance" not in page
    assert "whsec_" not in page


def test_delivery_page_shows_every_attempt_and_the_body(make_user: Any, failed: Delivery) -> None:
    page = _client(make_user, "Viewer").get(f"{PAGE}{failed.pk}/").content.decode()
    assert page.count('class="card attempt"') == 1
    assert "HTTP 503" in page and "v1,c2lnbmF0dXJl" in page
    assert "&lt;b&gt;maintenance&lt;/b&gt;" in page  # the receiver's text, escaped
    assert f"&quot;id&quot;: &quot;{failed.event.event_id}&quot;" in page  # the body
    assert "whsec_" not in page


def test_delivery_page_needs_the_view_operation_and_a_delivery(
    make_user: Any, failed: Delivery
) -> None:
    assert _client(make_user, "Warehouse").get(f"{PAGE}{failed.pk}/").status_code == 403
    anonymous = Client().get(f"{PAGE}{failed.pk}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    viewer = _client(make_user, "Viewer")
    assert viewer.get(f"{PAGE}{2**63}/").status_code == 404
    assert viewer.get(f"{PAGE}{failed.pk + 1000}/").status_code == 404


def test_filters_by_status_app_and_type(
    make_user: Any, failed: Delivery, oms: ConnectedApp
) -> None:
    client = _client(make_user, "Viewer")

    def shown(query: str) -> int:
        return client.get(f"{PAGE}?{query}").content.decode().count('<tbody class="delivery"')

    assert shown("") == 3
    assert shown("status=failed") == 1
    assert shown("status=pending") == 2
    assert shown("type=inventory.updated") == 1
    assert shown(f"app={oms.app.pk}&type=order.reserved") == 2
    assert shown(f"app={oms.app.pk + 1}") == 0


@pytest.mark.parametrize(
    "query",
    [
        "app=abc",
        "app=-1",
        f"app={'9' * 40}",
        "status=<script>alert(1)</script>",
        "type=%00",
        "cursor=!!!",
        "cursor=LTE",
    ],
)
def test_hostile_filters_are_ignored(make_user: Any, failed: Delivery, query: str) -> None:
    answer = _client(make_user, "Viewer").get(f"{PAGE}?{query}")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert page.count('<tbody class="delivery"') == 3
    assert "<script>alert" not in page


def test_viewer_sees_no_retry_button_and_cannot_retry(make_user: Any, failed: Delivery) -> None:
    client = _client(make_user, "Viewer")
    assert 'class="primary retry"' not in client.get(PAGE).content.decode()
    assert client.post(f"{PAGE}{failed.pk}/retry").status_code == 403
    assert Delivery.objects.get(pk=failed.pk).status == "failed"


def test_page_needs_the_view_operation(make_user: Any, failed: Delivery) -> None:
    assert _client(make_user, "Warehouse").get(PAGE).status_code == 403
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_retry_queues_the_delivery_and_returns_to_the_filtered_page(
    make_user: Any, failed: Delivery
) -> None:
    client = _client(make_user, "Administrator")
    answer = client.post(f"{PAGE}{failed.pk}/retry", {"next": f"{PAGE}?status=failed"}, follow=True)
    assert answer.redirect_chain == [(f"{PAGE}?status=failed", 302)]
    assert f"Delivery {failed.pk} is queued again" in answer.content.decode()
    assert Delivery.objects.get(pk=failed.pk).status == "pending"
    again = client.post(f"{PAGE}{failed.pk}/retry", follow=True).content.decode()
    assert "only a failed delivery can be retried" in again


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_retry_never_redirects_off_site(make_user: Any, failed: Delivery, target: str) -> None:
    answer = _client(make_user, "Administrator").post(f"{PAGE}{failed.pk}/retry", {"next": target})
    assert answer.status_code == 302 and answer["Location"] == PAGE


def test_retry_takes_post_only_and_unknown_ids_change_nothing(
    make_user: Any, failed: Delivery
) -> None:
    client = _client(make_user, "Administrator")
    assert client.get(f"{PAGE}{failed.pk}/retry").status_code == 405
    assert client.post(f"{PAGE}{2**63}/retry").status_code == 404
    assert Delivery.objects.get(pk=failed.pk).status == "failed"


def test_dashboard_counts_failing_deliveries(make_user: Any, failed: Delivery) -> None:
    Delivery.objects.filter(ordering_key="inventory:WH1").update(attempt_count=2)
    home = _client(make_user, "Viewer").get("/").content.decode()
    assert "1 failed" in home and "1 retrying" in home
    assert 'id="webhook-health"' not in _client(make_user, "Warehouse").get("/").content.decode()
    Delivery.objects.update(status="succeeded")
    assert "No failing deliveries" in _client(make_user, "Viewer").get("/").content.decode()
