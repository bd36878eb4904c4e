"""Abandon and Abandon all held on the Webhook deliveries page, through Django's stack."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from omslink.connected_apps.models import OmsApp
from omslink.webhooks.models import Delivery
from tests.conftest import ConnectedApp, Masters, connect_app
from tests.webhooks.harness import publish

pytestmark = pytest.mark.django_db

PAGE = "/webhooks/deliveries/"


@pytest.fixture
def failed(masters: Masters, oms: ConnectedApp) -> Delivery:
    publish(masters.org_unit, "order:SO-000001", 2, apps=[oms.app])
    Delivery.objects.filter(app=oms.app, sequence=1).update(status="failed", attempt_count=4)
    return Delivery.objects.get(app=oms.app, sequence=1)


@pytest.fixture
def disabled(masters: Masters, admin: Any) -> OmsApp:
    app = connect_app(masters.org_unit, admin[0], enabled=False).app
    publish(masters.org_unit, "order:SO-000002", 3, apps=[app])
    return app


def _client(make_user: Any, role: str, **options: Any) -> Client:
    client = Client(**options)
    client.force_login(make_user(role)[0])
    return client


def test_failed_and_held_rows_offer_abandon_and_a_disabled_app_abandon_all_held(
    make_user: Any, failed: Delivery, disabled: OmsApp
) -> None:
    page = _client(make_user, "Administrator").get(PAGE).content.decode()
    # The failed head and the three held ones; not the pending one blocked behind the head.
    assert page.count('class="abandon"') == 4
    assert f'action="{PAGE}{failed.pk}/abandon"' in page
    blocked = Delivery.objects.get(app=failed.app, sequence=2)
    assert f'action="{PAGE}{blocked.pk}/abandon"' not in page
    assert f'id="held-app-{disabled.pk}"' in page and "3 held" in page
    assert page.count('class="abandon-held"') == 1
    assert f'action="/webhooks/apps/{disabled.pk}/abandon-held"' in page
    assert page.count("csrfmiddlewaretoken") >= 5


def test_a_viewer_sees_no_abandon_buttons_and_is_refused(
    make_user: Any, failed: Delivery, disabled: OmsApp
) -> None:
    client = _client(make_user, "Viewer")
    page = client.get(PAGE).content.decode()
    assert 'class="abandon' not in page
    assert "3 held" in page, "the viewer still sees what is held"
    assert client.post(f"{PAGE}{failed.pk}/abandon").status_code == 403
    assert client.post(f"/webhooks/apps/{disabled.pk}/abandon-held").status_code == 403
    assert not Delivery.objects.filter(status="abandoned").exists()


def test_abandon_without_the_csrf_token_is_refused(
    make_user: Any, failed: Delivery, disabled: OmsApp
) -> None:
    client = _client(make_user, "Administrator", enforce_csrf_checks=True)
    assert client.post(f"{PAGE}{failed.pk}/abandon").status_code == 403
    assert client.post(f"/webhooks/apps/{disabled.pk}/abandon-held").status_code == 403
    assert not Delivery.objects.filter(status="abandoned").exists()


def test_abandon_returns_to_the_filtered_page_and_says_what_happened(
    make_user: Any, failed: Delivery
) -> None:
    client = _client(make_user, "Administrator")
    answer = client.post(
        f"{PAGE}{failed.pk}/abandon", {"next": f"{PAGE}?status=failed"}, follow=True
    )
    assert answer.redirect_chain == [(f"{PAGE}?status=failed", 302)]
    assert f"Delivery {failed.pk} is abandoned" in answer.content.decode()
    assert Delivery.objects.get(pk=failed.pk).status == "abandoned"
    again = client.post(f"{PAGE}{failed.pk}/abandon", follow=True).content.decode()
    assert "is abandoned: only a failed delivery" in again
    listed = client.get(f"{PAGE}?status=abandoned").content.decode()
    assert listed.count('<tbody class="delivery"') == 1
    assert f'id="delivery-{failed.pk}" data-status="abandoned"' in listed


def test_abandon_all_held_and_its_refusal_for_an_enabled_app(
    make_user: Any, failed: Delivery, disabled: OmsApp
) -> None:
    client = _client(make_user, "Administrator")
    refused = client.post(f"/webhooks/apps/{failed.app_id}/abandon-held", follow=True)
    assert "is enabled" in refused.content.decode()
    done = client.post(f"/webhooks/apps/{disabled.pk}/abandon-held", follow=True)
    assert "3 held deliveries of" in done.content.decode()
    assert set(Delivery.objects.filter(app=disabled).values_list("status", flat=True)) == {
        "abandoned"
    }
    assert 'id="held-apps"' not in client.get(PAGE).content.decode()
    assert Delivery.objects.get(pk=failed.pk).status == "failed"


def test_the_abandon_pages_take_post_only_and_unknown_ids_are_404(
    make_user: Any, failed: Delivery
) -> None:
    client = _client(make_user, "Administrator")
    assert client.get(f"{PAGE}{failed.pk}/abandon").status_code == 405
    assert client.post(f"{PAGE}{2**63}/abandon").status_code == 404
    assert client.post(f"/webhooks/apps/{2**63}/abandon-held").status_code == 404
    assert Delivery.objects.get(pk=failed.pk).status == "failed"
