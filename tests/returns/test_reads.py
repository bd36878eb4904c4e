"""Reading returns: the staff list's filters and pages, a fixed number of queries however
many returns a page holds, and the OMS reading its own returns by either id."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import ApiClient, ConnectedApp, Masters, Push, assert_error
from tests.returns.conftest import deliver, external_id, push_return, receive, shipped


@pytest.fixture
def several(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> dict[str, Any]:
    """An RTO return received, and customer returns of a delivered order, one received."""
    rto_order = shipped(push, warehouse, [("CAP-GRY", 1)])
    rto = oms.client().post(f"/orders/{external_id(warehouse, rto_order)}/rto", {"reason": "x"})
    rto_number = rto.body["returns"][0]
    receive(warehouse, rto_number, {"CAP-GRY": (1, 0)})
    order = shipped(push, warehouse, [("TEE-RED-M", 3), ("JKT-BLK-M", 1)])
    deliver(oms, warehouse, order)
    customer = [
        push_return(oms, warehouse, order, [("1", 1)], f"BT-R-{n}")["number"] for n in range(3)
    ]
    receive(warehouse, customer[0], {"TEE-RED-M": (1, 0)})
    return {"rto": rto_number, "customer": customer, "order": order}


def numbers(answer: Any) -> list[str]:
    assert answer.status == 200, answer.body
    return [row["number"] for row in answer.body["items"]]


def test_list_filters_and_pages_newest_first(several: dict[str, Any], warehouse: ApiClient) -> None:
    rto, customer = several["rto"], several["customer"]
    assert numbers(warehouse.get("/returns")) == [*reversed(customer), rto]
    assert numbers(warehouse.get("/returns?status=expected")) == customer[:0:-1]
    assert numbers(warehouse.get("/returns?status=received")) == [customer[0], rto]
    assert numbers(warehouse.get("/returns?type=rto")) == [rto]
    assert numbers(warehouse.get("/returns?type=rto&status=expected")) == []
    assert numbers(warehouse.get("/returns?site=WH1&type=customer_return")) == customer[::-1]
    assert numbers(warehouse.get("/returns?site=WH3")) == []
    first = warehouse.get("/returns?limit=2")
    assert numbers(first) == customer[:0:-1]
    rest = warehouse.get(f"/returns?limit=2&cursor={first.body['next_cursor']}")
    assert numbers(rest) == [customer[0], rto] and rest.body["next_cursor"] is None


def test_a_page_takes_the_same_queries_however_many_returns_it_holds(
    several: dict[str, Any], warehouse: ApiClient, oms: ConnectedApp, push: Push
) -> None:
    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert warehouse.get(path).status == 200
        return len(captured)

    small = queries("/returns?limit=1")
    assert queries("/returns?limit=4") == small
    more = shipped(push, warehouse, [("TEE-BLU-L", 2)])
    deliver(oms, warehouse, more)
    push_return(oms, warehouse, more, [("1", 1)], "BT-R-MORE")
    assert queries("/returns") == small


def test_the_oms_reads_its_returns_by_external_id_or_number(
    several: dict[str, Any], oms: ConnectedApp, warehouse: ApiClient
) -> None:
    partner = oms.client()
    by_external = partner.get("/returns/BT-R-1")
    assert by_external.status == 200
    number = by_external.body["number"]
    assert partner.get(f"/returns/{number}").body == by_external.body
    assert warehouse.get(f"/returns/{number}").body == by_external.body
    assert partner.get(f"/returns/{several['rto']}").body["type"] == "rto"
    # Staff name returns by number only; an OMS id is not one.
    assert_error(warehouse.get("/returns/BT-R-1"), 404, "not_found")
