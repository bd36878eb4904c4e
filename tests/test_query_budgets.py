"""Query-count budgets on the busiest paths, so an N+1 cannot creep in unseen.

Every budget is the exact number of queries one API request makes today, measured per
database. A change in a budget must be deliberate: find the new query and remove it, or say
in the commit why the path needs it (and lower a budget when a change saves queries).

What is counted: the whole request, authentication included (a staff token costs three
queries: the token with its user, then the user's and the role's permissions; an API key one,
with its OU and its app).
A personal token's last use is written at most once a minute; each staff request here comes
right after `token_used_just_now()`, so none pays that write and the count cannot depend on
how long the set-up took.
Each test runs inside a transaction, so a service's own transaction shows as one SAVEPOINT
and its RELEASE, where production runs BEGIN and COMMIT, which are not counted.
PostgreSQL counts one more `SELECT pg_notify(...)` per event written (it wakes the relays), so
the budgets are per database. The counts are exact on each database, so every test uses
`django_assert_num_queries`; none needs `django_assert_max_num_queries`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from omslink.accounts.models import PersonalToken
from tests.conftest import ApiClient, ConnectedApp, Masters, Push
from tests.fulfilment.conftest import BOX, make_picklist, to_picked
from tests.inventory.state import receive


@dataclass(frozen=True)
class Budget:
    """Queries one request may make, on each database the suite runs on."""

    sqlite: int
    postgresql: int

    def here(self) -> int:
        """The budget on the database under test."""
        return int(getattr(self, connection.vendor))


BUDGETS = {
    # The staff order list, the same for 2 and for 20 orders in every state on the page.
    # Every read of orders with their resource fetches the lines with their items in one
    # query (-1 wherever orders are read for their resource, since issue 9).
    "order list": Budget(sqlite=7, postgresql=7),
    # A shipped order: pick list, packages, invoice and shipment all shown.
    "order detail, staff": Budget(sqlite=7, postgresql=7),
    # The key with its app in one query (-1), the lines with their items in one query (-1).
    "order detail, partner": Budget(sqlite=5, postgresql=5),
    # A new order of three lines of three SKUs: the key (with its app), the existing-order
    # check, items, site, the order (in a savepoint), lines, the event's stream (one upsert),
    # event and delivery, the balances read, the ledger, one conditional UPDATE per balance
    # (so this grows by one for each further SKU of an order), the pending inventory marks,
    # and pg_notify twice on PostgreSQL. The answer and the event are rendered from what was
    # written, not read back (-12 since the intake work of issue 9).
    "intake": Budget(sqlite=19, postgresql=21),
    # Every order on a pick list gets its own event: its app (read order by order today;
    # reading it with the orders would save one query each), the stream's next sequence
    # (one upsert), the event and its delivery, and pg_notify: 4 or 5 per order.
    "pick-list confirm, 2 orders": Budget(sqlite=30, postgresql=32),
    "pick-list confirm, 4 orders": Budget(sqlite=38, postgresql=42),
    # An order of three lines in two packages, not the first invoice of the OU's year. The
    # order is re-read once for both its events (packed, invoiced): -5 since the Out schemas,
    # -2 since a stream's next sequence is one upsert. Its three reads (the request's, the
    # invoice's, the events') each fetch the lines with their items in one query: -3.
    "pack": Budget(sqlite=30, postgresql=32),
}

LINES = [("TEE-RED-M", 1), ("TEE-BLU-L", 1), ("CAP-GRY", 1)]
SHIP = {"courier": "BlueDart", "awb": "BD-1"}


@pytest.fixture
def shelves(masters: Masters, admin: tuple[User, str]) -> Masters:
    """Enough of every SKU in LINES at WH1 for twenty orders."""
    receive(admin[0], "WH1", {sku: 100 for sku, _ in LINES})
    return masters


def token_used_just_now() -> None:
    """As for a busy client: the tokens' last use is recent, so the request writes none."""
    PersonalToken.objects.update(last_used_at=timezone.now())


def orders_in_every_state(count: int, push: Push, staff: ApiClient) -> list[str]:
    """Orders cycling through shipped, cancelled, reserved and picked: the first two already
    show every part of the resource (pick list, packages, invoice, shipment, cancellation)."""
    orders = [push(LINES) for _ in range(count)]
    for order in orders[1::4]:
        assert staff.post(f"/orders/{order}/cancel", {"reason": "budget"}).status == 200
    to_picked(staff, [order for index, order in enumerate(orders) if index % 4 in (0, 3)])
    for order in orders[::4]:
        assert staff.post(f"/orders/{order}/pack", {"packages": [BOX, BOX]}).status == 200
        assert staff.post(f"/orders/{order}/ship", SHIP).status == 200
    return orders


@pytest.mark.parametrize("count", [2, 20])
def test_order_list(
    count: int,
    shelves: Masters,
    push: Push,
    api: ApiClient,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    orders_in_every_state(count, push, api)
    token_used_just_now()
    with django_assert_num_queries(BUDGETS["order list"].here()):
        answer = api.get("/orders")
    assert answer.status == 200 and len(answer.body["items"]) == count


def test_order_detail(
    shelves: Masters,
    push: Push,
    api: ApiClient,
    oms: ConnectedApp,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    shipped = orders_in_every_state(1, push, api)[0]
    token_used_just_now()
    with django_assert_num_queries(BUDGETS["order detail, staff"].here()):
        staff_answer = api.get(f"/orders/{shipped}")
    assert staff_answer.status == 200 and staff_answer.body["status"] == "shipped"
    external_id = staff_answer.body["external_order_id"]
    with django_assert_num_queries(BUDGETS["order detail, partner"].here()):
        partner_answer = oms.client().get(f"/orders/{external_id}")
    assert partner_answer.status == 200 and partner_answer.body == staff_answer.body


def test_intake(
    shelves: Masters,
    push: Push,
    oms: ConnectedApp,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    push(LINES)  # not the first order of the site
    with django_assert_num_queries(BUDGETS["intake"].here()):
        order = push(LINES)
    assert order.startswith("SO-")


@pytest.mark.parametrize("count", [2, 4])
def test_picklist_confirm(
    count: int,
    shelves: Masters,
    push: Push,
    api: ApiClient,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    picklist = make_picklist(api, [push(LINES) for _ in range(count)])
    lines = [{"sku": line["sku"], "picked": line["quantity"]} for line in picklist["lines"]]
    token_used_just_now()
    with django_assert_num_queries(BUDGETS[f"pick-list confirm, {count} orders"].here()):
        answer = api.post(f"/picklists/{picklist['number']}/confirm", {"lines": lines})
    assert answer.status == 200 and answer.body["status"] == "confirmed"


def test_pack(
    shelves: Masters,
    push: Push,
    api: ApiClient,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    first, second = push(LINES), push(LINES)
    to_picked(api, [first, second])
    assert api.post(f"/orders/{first}/pack", {"packages": [BOX]}).status == 200
    token_used_just_now()
    with django_assert_num_queries(BUDGETS["pack"].here()):
        answer = api.post(f"/orders/{second}/pack", {"packages": [BOX, BOX]})
    assert answer.status == 200 and answer.body["status"] == "invoiced"
