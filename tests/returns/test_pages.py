"""Returns pages through Django's full stack with a signed-in session: who sees what, the
scan screen's three outcomes, the damaged-units report and the order page's links."""

from __future__ import annotations

from typing import Any

import pytest

from omslink.accounts.models import Role
from omslink.accounts.services import role_create, roles_set_operations, user_create
from omslink.core.operations import ADMINISTRATOR, VIEWER, WAREHOUSE
from tests.accounts.test_pages import checkbox
from tests.conftest import ApiClient, ConnectedApp, Masters, Push
from tests.inventory.state import page_client
from tests.returns.conftest import deliver, push_return, receive, returns_snapshot, shipped


@pytest.fixture
def returned(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> dict[str, Any]:
    """Two delivered orders shipped under one AWB (BD-1); one return received with a damaged
    cap, one expected."""
    first = shipped(push, warehouse, [("TEE-RED-M", 1), ("CAP-GRY", 1)])
    second = shipped(push, warehouse, [("TEE-RED-M", 2)])
    for order in (first, second):
        deliver(oms, warehouse, order)
    done = push_return(oms, warehouse, first, [("1", 1), ("2", 1)], awb="RVP-1")
    done = receive(warehouse, done["number"], {"TEE-RED-M": (1, 0), "CAP-GRY": (0, 1)})
    expected = push_return(oms, warehouse, second, [("1", 1)], "BT-R-2", awb="RVP-2")
    return {"first": first, "second": second, "done": done, "expected": expected}


@pytest.mark.parametrize("role", [ADMINISTRATOR, WAREHOUSE, VIEWER])
def test_every_role_with_returns_view_sees_the_pages(
    returned: dict[str, Any], make_user: Any, role: str
) -> None:
    user, _ = make_user(role)
    client = page_client(user.username)
    home = client.get("/").content.decode()
    assert 'href="/returns/"' in home
    listed = client.get("/returns/").content.decode()
    assert returned["expected"]["number"] in listed and returned["done"]["number"] not in listed
    received = client.get("/returns/?status=received").content.decode()
    assert returned["done"]["number"] in received
    detail = client.get(f"/returns/{returned['expected']['number']}/").content.decode()
    assert ('id="receive-form"' in detail) == (role != VIEWER)
    note = returned["done"]["credit_note"]["number"]
    pdf = client.get(f"/returns/credit-notes/{note}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    scan = client.get("/returns/receive/")
    assert scan.status_code == 200


def test_a_role_without_returns_view_is_refused(returned: dict[str, Any]) -> None:
    role = role_create(name="Packer")
    roles_set_operations(operations={role.pk: {"orders_view"}})
    user_create(username="packer", password="correct-horse-9", role="Packer")
    client = page_client("packer")
    assert 'href="/returns/"' not in client.get("/").content.decode()
    number = returned["expected"]["number"]
    note = returned["done"]["credit_note"]["number"]
    for path in (
        "/returns/",
        "/returns/receive/",
        "/returns/damaged/",
        f"/returns/{number}/",
        f"/returns/credit-notes/{note}.pdf",
    ):
        assert client.get(path).status_code == 403, path
    before = returns_snapshot()
    answer = client.post(f"/returns/{number}/receive/", {"sku": ["TEE-RED-M"], "good": ["1"]})
    assert answer.status_code == 403
    assert returns_snapshot() == before


def test_scan_finds_one_expected_return_several_or_none(
    returned: dict[str, Any], make_user: Any, oms: ConnectedApp, warehouse: ApiClient
) -> None:
    user, _ = make_user(WAREHOUSE)
    client = page_client(user.username)
    number = returned["expected"]["number"]
    for code in ("RVP-2", number, number.lower(), returned["second"], "BT-R-2", " RVP-2 "):
        answer = client.get("/returns/receive/", {"code": code})
        assert answer.status_code == 302, code
        assert answer["Location"] == f"/returns/{number}/"
    # A second expected return of the same order: the order's number no longer picks one.
    other = push_return(oms, warehouse, returned["second"], [("1", 1)], "BT-R-3")["number"]
    listed = client.get("/returns/receive/", {"code": returned["second"]}).content.decode()
    assert number in listed and other in listed
    nothing = client.get("/returns/receive/", {"code": "NO-SUCH-AWB"}).content.decode()
    assert 'id="nothing-found"' in nothing


def test_damaged_units_report(returned: dict[str, Any], make_user: Any) -> None:
    user, _ = make_user(VIEWER)
    report = page_client(user.username).get("/returns/damaged/").content.decode()
    assert returned["done"]["number"] in report and "CAP-GRY" in report
    assert returned["expected"]["number"] not in report


def test_receiving_on_the_page_is_the_api_s_receipt(
    returned: dict[str, Any], make_user: Any
) -> None:
    user, _ = make_user(WAREHOUSE)
    client = page_client(user.username)
    number = returned["expected"]["number"]
    before = returns_snapshot()
    refused = client.post(
        f"/returns/{number}/receive/", {"sku": ["TEE-RED-M"], "good": ["2"], "damaged": ["0"]}
    )
    assert refused.status_code == 302
    assert returns_snapshot() == before
    page = client.get(f"/returns/{number}/").content.decode()
    assert "more than the 1 this return expects" in page
    done = client.post(
        f"/returns/{number}/receive/", {"sku": ["TEE-RED-M"], "good": ["1"], "damaged": [""]}
    )
    assert done.status_code == 302
    assert "received" in client.get(f"/returns/{number}/").content.decode()


def test_order_page_links_returns_and_credit_notes(
    returned: dict[str, Any], make_user: Any
) -> None:
    user, _ = make_user(VIEWER)
    page = page_client(user.username).get(f"/orders/{returned['first']}/").content.decode()
    note = returned["done"]["credit_note"]["number"]
    assert f'href="/returns/{returned["done"]["number"]}/"' in page
    assert f'href="/returns/credit-notes/{note}.pdf"' in page
    assert "Delivered " in page


def test_roles_page_shows_the_returns_operations_granted_by_the_migration(
    db: None, make_user: Any
) -> None:
    user, _ = make_user(ADMINISTRATOR)
    page = page_client(user.username).get("/admin/security/roles/").content.decode()
    ids = {role.name: role.pk for role in Role.objects.all()}
    for role, granted in (
        ("Administrator", {"returns_view", "returns_receive"}),
        ("Warehouse", {"returns_view", "returns_receive"}),
        ("Viewer", {"returns_view"}),
    ):
        for codename in ("returns_view", "returns_receive"):
            shown = checkbox(page, f"{ids[role]}:{codename}")
            assert ("checked" in shown) == (codename in granted), (role, codename)
