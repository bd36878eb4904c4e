"""The Stock page: balances, the receipt and adjustment forms per role, refusals in place."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import MakeUser, Masters
from tests.inventory.state import balance, page_client, receive, snapshot


@pytest.fixture
def users(masters: Masters, make_user: MakeUser) -> None:
    for role in ("Administrator", "Warehouse", "Viewer"):
        make_user(role, role.lower())


def test_balances_are_listed_and_queried(
    users: None, masters: Masters, admin: tuple[Any, str]
) -> None:
    receive(admin[0], "WH1", {"CAP-GRY": 7})
    client = page_client("viewer")
    everything = client.get("/stock/").content.decode()
    assert "CAP-GRY" in everything and ">7<" in everything
    one_site = client.get("/stock/?site=WH2&sku=JKT-BLK-M").content.decode()
    assert "JKT-BLK-M" in one_site and "CAP-GRY</td>" not in one_site
    unknown = client.get("/stock/?site=NOPE").content.decode()
    assert "no site" in unknown


@pytest.mark.parametrize(
    ("role", "receive_form", "adjust_form"),
    [("administrator", True, True), ("warehouse", True, True), ("viewer", False, False)],
)
def test_forms_follow_the_role(
    users: None, role: str, receive_form: bool, adjust_form: bool
) -> None:
    html = page_client(role).get("/stock/").content.decode()
    assert ('id="receipt"' in html) is receive_form
    assert ('id="adjustment"' in html) is adjust_form


def test_receipt_and_adjustment_through_the_forms(users: None, masters: Masters) -> None:
    client = page_client("warehouse")
    answer = client.post(
        "/stock/receipts/",
        {
            "site": "WH1",
            "text": "DN-55",
            "sku": ["TEE-RED-M", "", "CAP-GRY"],
            "quantity": ["12", "", "3"],
        },
    )
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert "Receipt GRN-" in page and "DN-55" in page
    assert balance("WH1", "TEE-RED-M") == (12, 0, 0)
    answer = client.post(
        "/stock/adjustments/",
        {"site": "WH1", "text": "count", "sku": ["TEE-RED-M"], "quantity": ["-2"]},
    )
    assert answer.status_code == 302
    assert balance("WH1", "TEE-RED-M") == (10, 0, 0)


@pytest.mark.parametrize(
    ("path", "form", "status", "shown"),
    [
        (
            "/stock/adjustments/",
            {"site": "WH1", "text": "count", "sku": ["CAP-GRY"], "quantity": ["-1"]},
            409,
            "Not enough available stock",
        ),
        (
            "/stock/receipts/",
            {"site": "WH1", "text": "R", "sku": ["CAP-GRY"], "quantity": ["three"]},
            422,
            "lines[0].quantity",
        ),
        (
            "/stock/receipts/",
            {"site": "WH1", "text": "R", "sku": ["NOPE"], "quantity": ["1"]},
            422,
            "Unknown SKUs: NOPE",
        ),
        (
            "/stock/receipts/",
            {"site": "WH1", "text": "", "sku": ["CAP-GRY"], "quantity": ["1"]},
            422,
            "reference",
        ),
        ("/stock/receipts/", {"site": "WH1", "text": "R"}, 422, "lines"),
        (
            "/stock/receipts/",
            {"site": "WH1", "text": "R", "sku": ["CAP-GRY"], "quantity": ["99999999999999999"]},
            422,
            "lines[0].quantity",
        ),
    ],
)
def test_refusals_are_shown_with_the_entered_values(
    users: None, masters: Masters, path: str, form: dict[str, Any], status: int, shown: str
) -> None:
    before = snapshot()
    answer = page_client("administrator").post(path, form)
    assert answer.status_code == status
    html = answer.content.decode()
    assert shown in html
    for value in form.get("quantity", []):
        assert f'value="{value}"' in html
    assert snapshot() == before


def test_forms_refused_without_the_operation(users: None, masters: Masters) -> None:
    before = snapshot()
    viewer = page_client("viewer")
    form = {"site": "WH1", "text": "R", "sku": ["CAP-GRY"], "quantity": ["1"]}
    assert viewer.post("/stock/receipts/", form).status_code == 403
    assert viewer.post("/stock/adjustments/", form).status_code == 403
    assert page_client("warehouse").get("/stock/receipts/").status_code == 405
    assert snapshot() == before
