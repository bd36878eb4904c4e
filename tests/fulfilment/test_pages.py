"""Warehouse pages through Django's full stack: each role sees only its actions, the server
refuses forged ones, and bad form input is shown, changing nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from omslink.core.operations import ADMINISTRATOR, VIEWER, WAREHOUSE
from omslink.orders.models import Order
from tests.conftest import ApiClient, Masters, Push
from tests.connected_apps.conftest import FormData, post_form
from tests.fulfilment.conftest import fulfilment_snapshot, make_picklist, to_picked

HOME = "/picklists/"


def status_of(order: str) -> str:
    return Order.objects.get(pk=int(order[3:])).status


def messages_on(response: Any) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_home_shows_create_only_to_roles_that_may(
    stocked: Masters, push: Push, browser_of: Callable[[str], Client]
) -> None:
    order = push([("TEE-RED-M", 1)])
    for role, may in ((ADMINISTRATOR, True), (WAREHOUSE, True), (VIEWER, False)):
        html = browser_of(role).get(HOME).content.decode()
        assert f"reserved-{order}" in html, role
        assert ('id="create-picklist"' in html) is may, role
        assert (f'value="{order}"' in html) is may, role


def test_create_confirm_pack_and_ship_through_the_pages(
    stocked: Masters, push: Push, browser_of: Callable[[str], Client]
) -> None:
    first, second = push([("TEE-RED-M", 2)]), push([("CAP-GRY", 1)])
    client = browser_of(WAREHOUSE)
    created = post_form(client, f"{HOME}create/", {"site": "WH1", "orders": [first, second]})
    assert created.status_code == 302
    picklist_page = client.get(created["Location"])
    html = picklist_page.content.decode()
    assert 'id="confirm-picking"' in html and "A-01-02" in html and "C-01-01" in html
    number = created["Location"].rstrip("/").rsplit("/", 1)[-1]
    confirmed = post_form(
        client, f"{HOME}{number}/confirm/", {"sku": ["TEE-RED-M", "CAP-GRY"], "picked": ["2", "0"]}
    )
    assert confirmed.status_code == 302
    assert (status_of(first), status_of(second)) == ("picked", "cancelled")

    order_page = client.get(f"{HOME}orders/{first}/").content.decode()
    assert 'id="pack-form"' in order_page and 'id="ship-form"' not in order_page
    packed = post_form(
        client,
        f"{HOME}orders/{first}/pack/",
        {
            "weight_grams": ["500", "250"],
            "length_mm": ["300", "200"],
            "breadth_mm": ["200", "150"],
            "height_mm": ["50", "40"],
        },
    )
    assert packed.status_code == 302 and status_of(first) == "invoiced"
    invoiced_page = client.get(f"{HOME}orders/{first}/")
    html = invoiced_page.content.decode()
    assert 'id="ship-form"' in html and "Invoice PDF" in html
    invoice_number = Order.objects.get(pk=int(first[3:])).invoice.number
    pdf = client.get(f"{HOME}invoices/{invoice_number}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert invoice_number in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    shipped = post_form(
        client, f"{HOME}orders/{first}/ship/", {"courier": "BlueDart", "awb": "BD-9"}
    )
    assert shipped.status_code == 302 and status_of(first) == "shipped"
    assert "BlueDart · AWB BD-9" in client.get(f"{HOME}orders/{first}/").content.decode()


def test_viewer_sees_no_action_and_the_server_refuses_forged_ones(
    stocked: Masters, push: Push, warehouse: ApiClient, browser_of: Callable[[str], Client]
) -> None:
    reserved, listed, picked = (push([("TEE-RED-M", 1)]) for _ in range(3))
    picklist = make_picklist(warehouse, [listed])
    to_picked(warehouse, [picked])
    invoiced = push([("CAP-GRY", 1)])
    to_picked(warehouse, [invoiced])
    warehouse.post(
        f"/orders/{invoiced}/pack",
        {"packages": [{"weight_grams": 1, "length_mm": 1, "breadth_mm": 1, "height_mm": 1}]},
    )
    viewer = browser_of(VIEWER)
    assert 'id="confirm-picking"' not in viewer.get(f"{HOME}{picklist['number']}/").content.decode()
    assert 'id="pack-form"' not in viewer.get(f"{HOME}orders/{picked}/").content.decode()
    assert 'id="ship-form"' not in viewer.get(f"{HOME}orders/{invoiced}/").content.decode()
    before = fulfilment_snapshot()
    forged: list[tuple[str, FormData]] = [
        (f"{HOME}create/", {"site": "WH1", "orders": [reserved]}),
        (f"{HOME}{picklist['number']}/confirm/", {"sku": ["TEE-RED-M"], "picked": ["1"]}),
        (
            f"{HOME}orders/{picked}/pack/",
            {"weight_grams": "1", "length_mm": "1", "breadth_mm": "1", "height_mm": "1"},
        ),
        (f"{HOME}orders/{invoiced}/ship/", {"courier": "X", "awb": "Y"}),
    ]
    for path, data in forged:
        assert post_form(viewer, path, data).status_code == 403, path
    assert fulfilment_snapshot() == before
    # A warehouse user's post without the CSRF token is refused too.
    warehouse_page = browser_of(WAREHOUSE)
    assert (
        warehouse_page.post(f"{HOME}create/", {"site": "WH1", "orders": [reserved]}).status_code
        == 403
    )
    assert fulfilment_snapshot() == before


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("create/", {"site": "WH1"}, "select at least one reserved order"),
        ("create/", {"site": "WH1", "orders": ["SO-1"]}, "orders[0]"),
        ("create/", {"site": "NOPE", "orders": ["SO-000001"]}, "no site"),
        (
            "orders/{picked}/pack/",
            {"weight_grams": "heavy", "length_mm": "1", "breadth_mm": "1", "height_mm": "1"},
            "packages[0].weight_grams",
        ),
        (
            "orders/{picked}/pack/",
            {"weight_grams": "0", "length_mm": "1", "breadth_mm": "1", "height_mm": "1"},
            "packages[0].weight_grams",
        ),
        ("orders/{picked}/pack/", {}, "packages"),
        ("orders/{picked}/ship/", {"courier": "BlueDart", "awb": "BD-1"}, "it cannot be shipped"),
        ("{picklist}/confirm/", {"sku": ["TEE-RED-M"], "picked": ["-1"]}, "lines[0].picked"),
        ("{picklist}/confirm/", {"sku": ["TEE-RED-M"], "picked": ["9"]}, "between 0 and 1"),
        ("{picklist}/confirm/", {"sku": ["CAP-GRY"], "picked": ["0"]}, "not on this pick list"),
    ],
)
def test_bad_form_input_is_shown_and_changes_nothing(
    stocked: Masters,
    push: Push,
    warehouse: ApiClient,
    browser_of: Callable[[str], Client],
    path: str,
    data: dict[str, Any],
    message: str,
) -> None:
    picked = push([("JKT-BLK-M", 1)])
    to_picked(warehouse, [picked])
    picklist = make_picklist(warehouse, [push([("TEE-RED-M", 1)])])
    client = browser_of(WAREHOUSE)
    before = fulfilment_snapshot()
    target = HOME + path.format(picked=picked, picklist=picklist["number"])
    answer = post_form(client, target, data)
    assert answer.status_code == 302
    shown = client.get(answer["Location"])
    assert message in messages_on(shown)
    assert fulfilment_snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "PL-999999999/",
        "PL-x/",
        "orders/SO-999999999/",
        "orders/nope/",
        "invoices/OU1/2627/000001.pdf",
        "invoices/../../etc/passwd.pdf",
    ],
)
def test_unknown_pages_are_404(
    stocked: Masters, browser_of: Callable[[str], Client], path: str
) -> None:
    assert browser_of(VIEWER).get(HOME + path).status_code == 404


def test_signed_out_visitors_go_to_the_login(stocked: Masters) -> None:
    answer = Client().get(HOME)
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
