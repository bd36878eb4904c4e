"""The Returns list exports CSV and XLSX as the page filters it, and so does the command line."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from omslink.accounts.services import role_create, roles_set_operations
from tests.accounts.test_cli import run_omslink
from tests.conftest import ApiClient, ConnectedApp, Masters, Push
from tests.returns.conftest import deliver, push_return, receive, shipped
from tests.spreadsheets.test_exports import HOSTILE, csv_rows, xlsx_rows

HEADER = [
    "return",
    "external_return_id",
    "type",
    "status",
    "order",
    "external_order_id",
    "site",
    "reason",
    "courier",
    "awb",
    "units",
    "good",
    "damaged",
    "missing",
    "credit_note",
    "credit_total",
    "created_at",
    "received_at",
]


def _returned(push: Push, warehouse: ApiClient, oms: ConnectedApp) -> dict[str, Any]:
    """One return received (a damaged cap, a hostile reason), one expected."""
    first = shipped(push, warehouse, [("TEE-RED-M", 1), ("CAP-GRY", 1)])
    second = shipped(push, warehouse, [("TEE-RED-M", 2)])
    for order in (first, second):
        deliver(oms, warehouse, order)
    done = push_return(oms, warehouse, first, [("1", 1), ("2", 1)], awb="RVP-1", reason=HOSTILE[0])
    done = receive(warehouse, done["number"], {"TEE-RED-M": (1, 0), "CAP-GRY": (0, 1)})
    expected = push_return(oms, warehouse, second, [("1", 2)], "BT-R-2", awb="RVP-2")
    return {"first": first, "second": second, "done": done, "expected": expected}


@pytest.fixture
def returned(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> dict[str, Any]:
    return _returned(push, warehouse, oms)


def _signed_in(make_user: Any, role: str) -> Client:
    client = Client()
    client.force_login(make_user(role)[0])
    return client


@pytest.mark.django_db
def test_the_returns_export_follows_the_page_filters(
    returned: dict[str, Any], make_user: Any
) -> None:
    client = _signed_in(make_user, "Warehouse")
    # Like the page, the export shows expected returns unless asked otherwise.
    answer = client.get("/returns/?export=csv")
    assert answer["Content-Disposition"].startswith('attachment; filename="returns-')
    rows = csv_rows(answer)
    assert rows[0] == HEADER
    expected = returned["expected"]
    assert [row[:11] for row in rows[1:]] == [
        [
            expected["number"],
            "BT-R-2",
            "customer_return",
            "expected",
            returned["second"],
            expected["external_order_id"],
            "WH1",
            "Size does not fit",
            "",
            "RVP-2",
            "2",
        ]
    ]
    assert rows[1][11:16] == ["", "", "", "", ""], "no counts or credit before receiving"

    received = xlsx_rows(
        client.get("/returns/?status=received&type=customer_return&site=WH1&export=xlsx")
    )
    assert [cell.value for cell in received[0]] == HEADER
    [row] = [[cell.value for cell in row] for row in received[1:]]
    done = returned["done"]
    assert row[:5] == [done["number"], "BT-R-1", "customer_return", "received", returned["first"]]
    assert row[7] == "'" + HOSTILE[0], "a reason that looks like a formula is quoted"
    assert row[10:14] == [2, 1, 1, 0]
    assert row[14] == done["credit_note"]["number"]
    assert not isinstance(row[15], str), "an amount is a number in Excel"
    assert Decimal(str(row[15])) == Decimal(done["credit_note"]["total"])
    assert row[17]
    assert xlsx_rows(client.get("/returns/?status=received&type=rto&export=xlsx"))[1:] == []


@pytest.mark.django_db
def test_the_returns_export_needs_returns_view(returned: dict[str, Any], make_user: Any) -> None:
    role = role_create(name="Packer")
    roles_set_operations(operations={role.pk: {"orders_view"}})
    client = _signed_in(make_user, "Packer")
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/returns/?export={fmt}").status_code == 403
    assert Client().get("/returns/?export=csv").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_command_line_exports_returns(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    returned = _returned(push, warehouse, oms)
    exported = run_omslink("export", "returns", "--status", "received")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(io.StringIO(exported.stdout.removeprefix("\ufeff"))))
    assert rows[0] == HEADER
    assert [(row[0], row[3], row[7]) for row in rows[1:]] == [
        (returned["done"]["number"], "received", "'" + HOSTILE[0])
    ]
    every = run_omslink("export", "returns")
    assert every.returncode == 0 and every.stdout.count("\n") == 3
    bad = run_omslink("export", "returns", "--type", "bogus")
    assert bad.returncode == 1 and "--type must be one of rto, customer_return" in bad.stderr
