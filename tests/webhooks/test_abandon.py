"""Abandoning deliveries over HTTP: a failed or held one, or every held one of a disabled app."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.webhooks.models import Delivery
from tests.conftest import ApiClient, ConnectedApp, Masters, assert_error, connect_app
from tests.webhooks.harness import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(oms: ConnectedApp) -> OmsApp:
    return oms.app


@pytest.fixture
def failed(masters: Masters, app: OmsApp) -> Delivery:
    """order:A #1 failed, #2 and #3 queued behind it."""
    publish(masters.org_unit, "order:A", 3, apps=[app])
    Delivery.objects.filter(app=app, sequence=1).update(status="failed", attempt_count=10)
    return Delivery.objects.get(app=app, sequence=1)


@pytest.fixture
def disabled(masters: Masters, admin: Any, app: OmsApp) -> OmsApp:
    """A replaced app of OU1, disabled, holding order:H #1..#3."""
    old = connect_app(masters.org_unit, admin[0], enabled=False).app
    publish(masters.org_unit, "order:H", 3, apps=[old])
    return old


def _statuses(app: OmsApp) -> list[tuple[int, str]]:
    return list(
        Delivery.objects.filter(app=app).order_by("sequence").values_list("sequence", "status")
    )


def test_abandoning_a_failed_delivery_unblocks_the_next_of_its_key(
    api: ApiClient, failed: Delivery, app: OmsApp
) -> None:
    assert api.get("/webhook-deliveries?status=pending").body["items"][1]["blocked_by"] == (
        failed.pk
    )
    answer = api.post(f"/webhook-deliveries/{failed.pk}/abandon")
    assert answer.status == 200, answer.body
    assert (answer.body["id"], answer.body["status"], answer.body["attempt_count"]) == (
        failed.pk,
        "abandoned",
        10,
    )
    assert answer.body["next_attempt_at"] is None and answer.body["delivered_at"] is None
    behind = api.get("/webhook-deliveries?status=pending").body["items"]
    assert [(item["sequence"], item["blocked_by"]) for item in behind] == [(3, None), (2, None)]
    assert _statuses(app) == [(1, "abandoned"), (2, "pending"), (3, "pending")]
    assert Delivery.objects.get(pk=failed.pk).abandoned_at is not None
    listed = api.get("/webhook-deliveries?status=abandoned").body["items"]
    assert [item["id"] for item in listed] == [failed.pk]


def test_abandoning_a_held_delivery(api: ApiClient, disabled: OmsApp) -> None:
    middle = Delivery.objects.get(app=disabled, sequence=2)
    answer = api.post(f"/webhook-deliveries/{middle.pk}/abandon")
    assert answer.status == 200, answer.body
    assert (answer.body["status"], answer.body["held"]) == ("abandoned", False)
    # No renumbering: the events around it keep their sequences.
    assert _statuses(disabled) == [(1, "pending"), (2, "abandoned"), (3, "pending")]


@pytest.mark.parametrize("status", ["pending", "succeeded", "abandoned"])
def test_abandoning_any_other_delivery_is_refused_and_changes_nothing(
    api: ApiClient, failed: Delivery, app: OmsApp, status: str
) -> None:
    target = Delivery.objects.get(app=app, sequence=2)
    Delivery.objects.filter(pk=target.pk).update(status=status)
    error = assert_error(
        api.post(f"/webhook-deliveries/{target.pk}/abandon"), 409, "invalid_transition"
    )
    assert f"is {status}" in error["message"]
    assert "only a failed delivery, or a held one of a disabled app" in error["message"]
    assert _statuses(app) == [(1, "failed"), (2, status), (3, "pending")]
    assert Delivery.objects.get(pk=target.pk).abandoned_at is None


def test_a_held_delivery_a_relay_is_sending_is_refused(api: ApiClient, disabled: OmsApp) -> None:
    """Disabled after a relay claimed it: the attempt is on the wire and will be recorded."""
    head = Delivery.objects.get(app=disabled, sequence=1)
    Delivery.objects.filter(pk=head.pk).update(
        claim_token="a" * 32, lease_expires_at=timezone.now() + timedelta(seconds=30)
    )
    error = assert_error(
        api.post(f"/webhook-deliveries/{head.pk}/abandon"), 409, "invalid_transition"
    )
    assert "a relay is sending it right now" in error["message"]
    assert Delivery.objects.get(pk=head.pk).status == "pending"
    # Once the lease has run out nobody is sending it, and it can be given up.
    Delivery.objects.filter(pk=head.pk).update(lease_expires_at=timezone.now())
    assert api.post(f"/webhook-deliveries/{head.pk}/abandon").status == 200
    assert Delivery.objects.values_list("status", "claim_token").get(pk=head.pk) == (
        "abandoned",
        "",
    )


@pytest.mark.parametrize("delivery_id", ["999999", str(2**63), "0", "-1", "abc"])
def test_abandoning_an_unknown_delivery_is_not_found(
    api: ApiClient, failed: Delivery, delivery_id: str
) -> None:
    assert_error(api.post(f"/webhook-deliveries/{delivery_id}/abandon"), 404, "not_found")
    assert Delivery.objects.get(pk=failed.pk).status == "failed"


def test_abandon_held_gives_up_every_held_delivery_of_a_disabled_app(
    api: ApiClient, masters: Masters, disabled: OmsApp, failed: Delivery, app: OmsApp
) -> None:
    Delivery.objects.filter(app=disabled, sequence=1).update(status="succeeded")
    answer = api.post(f"/oms-apps/{disabled.pk}/abandon-held")
    assert answer.status == 200, answer.body
    assert answer.body == {"app": disabled.pk, "abandoned": 2}
    assert _statuses(disabled) == [(1, "succeeded"), (2, "abandoned"), (3, "abandoned")]
    # The enabled app's deliveries are untouched.
    assert _statuses(app) == [(1, "failed"), (2, "pending"), (3, "pending")]
    again = api.post(f"/oms-apps/{disabled.pk}/abandon-held")
    assert again.body == {"app": disabled.pk, "abandoned": 0}


def test_abandon_held_of_an_enabled_app_is_refused(
    api: ApiClient, failed: Delivery, app: OmsApp
) -> None:
    error = assert_error(api.post(f"/oms-apps/{app.pk}/abandon-held"), 409, "invalid_transition")
    assert "is enabled" in error["message"] and "Disable the app first" in error["message"]
    assert _statuses(app) == [(1, "failed"), (2, "pending"), (3, "pending")]


def test_abandon_held_of_an_unknown_app_is_not_found(api: ApiClient, disabled: OmsApp) -> None:
    for app_id in ("999999", str(2**63), "0"):
        assert_error(api.post(f"/oms-apps/{app_id}/abandon-held"), 404, "not_found")
    assert {status for _, status in _statuses(disabled)} == {"pending"}


def test_the_abandon_routes_take_only_post(api: ApiClient, failed: Delivery, app: OmsApp) -> None:
    for path in (f"/webhook-deliveries/{failed.pk}/abandon", f"/oms-apps/{app.pk}/abandon-held"):
        answer = api.get(path)
        assert_error(answer, 405, "method_not_allowed")
        assert answer.headers["Allow"] == "POST"


def test_permissions(
    role_clients: dict[str, ApiClient], oms: ConnectedApp, failed: Delivery, disabled: OmsApp
) -> None:
    """Abandoning needs Webhook deliveries > Retry: Viewers and Warehouse users are refused."""
    for role in ("Viewer", "Warehouse"):
        client = role_clients[role]
        assert_error(client.post(f"/webhook-deliveries/{failed.pk}/abandon"), 403, "forbidden")
        assert_error(client.post(f"/oms-apps/{disabled.pk}/abandon-held"), 403, "forbidden")
    assert_error(oms.client().post(f"/webhook-deliveries/{failed.pk}/abandon"), 403, "forbidden")
    assert_error(oms.client().post(f"/oms-apps/{disabled.pk}/abandon-held"), 403, "forbidden")
    for token in (None, "omsu_not-a-token"):
        stranger = ApiClient(token)
        assert_error(
            stranger.post(f"/webhook-deliveries/{failed.pk}/abandon"), 401, "unauthenticated"
        )
        assert_error(stranger.post(f"/oms-apps/{disabled.pk}/abandon-held"), 401, "unauthenticated")
    assert Delivery.objects.filter(status="abandoned").count() == 0
    administrator = role_clients["Administrator"]
    assert administrator.post(f"/webhook-deliveries/{failed.pk}/abandon").status == 200
    assert administrator.post(f"/oms-apps/{disabled.pk}/abandon-held").body["abandoned"] == 3


def test_the_openapi_document_lists_the_refusals() -> None:
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/webhook-deliveries/{delivery_id}/abandon",
        "/api/v1/oms-apps/{app_id}/abandon-held",
    ):
        answers = paths[path]["post"]["responses"]
        assert "invalid_transition" in answers["409"]["description"], path
        assert {"401", "403", "404", "409"} <= set(answers), path
    filters = paths["/api/v1/webhook-deliveries"]["get"]["parameters"]
    status = next(parameter for parameter in filters if parameter["name"] == "status")
    assert "abandoned" in str(status["schema"])
