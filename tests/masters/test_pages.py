"""Masters pages: lists for every role with the view operation, the add form only for editors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from omslink.masters.models import Customer, Item, OrgUnit, Site
from tests.conftest import MakeUser, Masters


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clients(make_user: MakeUser) -> dict[str, Client]:
    return {
        role: signed_in(make_user(role)[0]) for role in ("Administrator", "Warehouse", "Viewer")
    }


@pytest.mark.parametrize("slug", ["org-units", "sites", "items", "customers"])
def test_viewer_sees_every_list_without_the_add_form(
    masters: Masters, clients: dict[str, Client], slug: str
) -> None:
    answer = clients["Viewer"].get(f"/masters/{slug}/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert {"org-units": "OU1", "sites": "WH1", "items": "TEE-RED-M", "customers": "RETAIL1"}[
        slug
    ] in html
    assert 'id="add"' not in html
    assert 'id="add"' in clients["Administrator"].get(f"/masters/{slug}/").content.decode()


def test_warehouse_role_cannot_open_masters(clients: dict[str, Client]) -> None:
    assert clients["Warehouse"].get("/masters/items/").status_code == 403
    assert "/masters/" not in clients["Warehouse"].get("/").content.decode()
    assert 'href="/masters/"' in clients["Viewer"].get("/").content.decode()


def test_unknown_kind_is_404(clients: dict[str, Client]) -> None:
    assert clients["Administrator"].get("/masters/planets/").status_code == 404


def test_add_each_kind_through_the_form(clients: dict[str, Client]) -> None:
    admin = clients["Administrator"]
    posts = [
        (
            "org-units",
            {
                "code": "OU7",
                "name": "Seven",
                "gstin": "29ABCDE1234F1Z5",
                "state_code": "KA",
                "address": "",
            },
        ),
        ("sites", {"code": "WH7", "name": "Seven", "org_unit": "OU7", "online_fulfilment": "on"}),
        (
            "items",
            {
                "sku": "MUG-1",
                "name": "Mug",
                "hsn_code": "6912",
                "gst_rate": "12.00",
                "mrp": "349",
                "bin": "",
                "barcode": "",
            },
        ),
        ("customers", {"code": "C7", "name": "Seven Stores", "gstin": "", "state_code": "TS"}),
    ]
    for slug, form in posts:
        answer = admin.post(f"/masters/{slug}/", form)
        assert answer.status_code == 302, answer.content.decode()[:500]
        assert "Added" in admin.get(answer["Location"]).content.decode()
    assert Site.objects.get(code="WH7").online_fulfilment is True
    assert Item.objects.get(sku="MUG-1").mrp == 349
    customer = Customer.objects.get(code="C7")
    assert (customer.gstin, customer.state_code) == ("", "TG")


def test_refusal_keeps_the_entered_values_and_changes_nothing(
    masters: Masters, clients: dict[str, Client]
) -> None:
    before = OrgUnit.objects.count()
    answer = clients["Administrator"].post(
        "/masters/org-units/",
        {"code": "OU9", "name": "Nine <script>", "gstin": "bad", "state_code": "KA"},
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "gstin" in html
    assert 'value="Nine &lt;script&gt;"' in html
    assert OrgUnit.objects.count() == before
    duplicate = clients["Administrator"].post(
        "/masters/sites/", {"code": "WH1", "name": "Again", "org_unit": "OU1"}
    )
    assert duplicate.status_code == 409
    assert Site.objects.get(code="WH1").name == "Bengaluru online"


def test_viewer_post_is_refused_and_changes_nothing(clients: dict[str, Client]) -> None:
    answer = clients["Viewer"].post(
        "/masters/customers/", {"code": "C8", "name": "Eight", "state_code": "KA"}
    )
    assert answer.status_code == 403
    assert not Customer.objects.filter(code="C8").exists()


def test_post_without_csrf_token_is_refused(make_user: MakeUser) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("Administrator")[0])
    answer = client.post("/masters/customers/", {"code": "C9", "name": "Nine", "state_code": "KA"})
    assert answer.status_code == 403
    assert not Customer.objects.filter(code="C9").exists()
