"""Whatever passes validation fits the database: no validated body gets a 5xx (CONTRACT §10).

Bodies are drawn from the OpenAPI document's own request schemas, so every constraint a client
can read is obeyed and everything else is arbitrary: text of any script at the maximum length,
integers at their bounds, moments at the edges of the allowed years and offsets. Names of
things that must exist (OUs, sites, SKUs) are drawn from the test's masters so that the bodies
get past the lookups and reach the tables. Run on SQLite and on PostgreSQL (whose text and
timestamp columns are the stricter).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from omslink.api import api as ninja_api
from omslink.core.operations import WAREHOUSE
from omslink.core.outbound_http import MAX_URL_LENGTH
from tests.conftest import ApiAnswer, ApiClient, ConnectedApp, Masters
from tests.connected_apps.conftest import ENCRYPTION_KEY, PLAIN_SECRET, WHSEC, issue_key
from tests.core.local_http import local_server
from tests.core.schema_payloads import Overrides, body_strategy
from tests.inventory.state import receive
from tests.orders.bodies import order_body


def settings_of(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )


EXAMPLES = settings_of(max_examples=40)
_external_ids = itertools.count(1)


def _document() -> dict[str, Any]:
    return ninja_api.get_openapi_schema()


def body_of(method: str, path: str, overrides: Overrides) -> st.SearchStrategy[Any]:
    document = _document()
    operation = document["paths"][f"/api/v1{path}"][method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return body_strategy(document, schema, overrides)


def assert_served(answer: ApiAnswer, sent: Any) -> None:
    # --hypothesis-show-statistics shows how many bodies got through to the tables.
    event(f"answered {answer.status}")
    assert answer.status < 500, (answer.status, answer.body, sent)


@pytest.fixture
def world(masters: Masters, admin: tuple[Any, str], oms: ConnectedApp) -> Masters:
    """Plenty of every item everywhere, so stock never stops a body before its tables."""
    for site in ("WH1", "WH2", "WH3"):
        receive(admin[0], site, {item.sku: 10**9 for item in masters.items})
    return masters


def _names(masters: Masters) -> Overrides:
    return {
        "org_unit": st.sampled_from(["OU1", "OU2"]),
        "site": st.sampled_from(["WH1", "WH2", "WH3"]),
        "sku": st.sampled_from([item.sku for item in masters.items]),
        "state_code": st.sampled_from(["KA", "MH", "ka", "TS", "TG"]),
        "gstin": st.from_regex(r"[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]", fullmatch=True),
        "gst_rate": st.sampled_from(["0", "0.1", "5.00", "12", "18.00", "28", "40.00"]),
    }


STAFF_WRITES = [
    ("POST", "/org-units", {}),
    ("POST", "/sites", {}),
    ("POST", "/items", {}),
    ("POST", "/customers", {}),
    ("POST", "/stock/receipts", {}),
    ("POST", "/stock/adjustments", {}),
    ("POST", "/wholesale-orders", {"customer": st.just("RETAIL1")}),
    ("POST", "/api-keys", {}),
]


@pytest.mark.parametrize(("method", "path", "extra"), STAFF_WRITES)
def test_staff_bodies_fit_the_database(
    world: Masters, api: ApiClient, method: str, path: str, extra: Overrides
) -> None:
    @EXAMPLES
    @given(body=body_of(method, path, {**_names(world), **extra}))
    def send(body: Any) -> None:
        assert_served(api.request(method, path, body), body)

    send()


def _order_bodies(masters: Masters) -> st.SearchStrategy[dict[str, Any]]:
    """Orders with a fresh external id each, so every one is stored, not a duplicate."""
    return body_of("POST", "/orders", _names(masters)).map(
        lambda body: {**body, "external_order_id": f"HYP-{next(_external_ids)}"}
    )


def _pushed(oms: ConnectedApp) -> str:
    """A fresh order's external id, the name its OMS knows it by."""
    body = order_body(f"HYP-{next(_external_ids)}")
    answer = oms.client().post("/orders", body)
    assert answer.status == 201, answer.body
    return str(answer.body["external_order_id"])


def test_pushed_orders_fit_the_database(world: Masters, oms: ConnectedApp) -> None:
    @EXAMPLES
    @given(body=_order_bodies(world))
    def push(body: dict[str, Any]) -> None:
        assert_served(oms.client().post("/orders", body), body)

    push()


@pytest.fixture
def warehouse(make_user: Callable[..., tuple[Any, str]]) -> ApiClient:
    return ApiClient(make_user(WAREHOUSE, "picker")[1])


def test_orders_fit_the_database_all_the_way_to_shipping(
    world: Masters, oms: ConnectedApp, warehouse: ApiClient
) -> None:
    """Any stored order can be picked, packed, invoiced (a PDF of its text) and shipped."""

    @EXAMPLES
    @given(
        order=_order_bodies(world),
        pack=body_of("POST", "/orders/{order_id}/pack", {}),
        ship=body_of("POST", "/orders/{order_id}/ship", {}),
    )
    def fulfil(order: dict[str, Any], pack: Any, ship: Any) -> None:
        pushed = oms.client().post("/orders", order)
        assert_served(pushed, order)
        if pushed.status != 201 or pushed.body["site"] != "WH1":
            return
        number = pushed.body["id"]
        picklist = warehouse.post("/picklists", {"site": "WH1", "orders": [number]})
        assert picklist.status == 201, picklist.body
        lines = [
            {"sku": line["sku"], "picked": line["quantity"]} for line in picklist.body["lines"]
        ]
        confirmed = warehouse.post(
            f"/picklists/{picklist.body['number']}/confirm", {"lines": lines}
        )
        assert confirmed.status == 200, confirmed.body
        assert_served(warehouse.post(f"/orders/{number}/pack", pack), pack)
        assert_served(warehouse.post(f"/orders/{number}/ship", ship), ship)

    fulfil()


@pytest.mark.parametrize(
    ("path", "caller"),
    [("/orders/{order_id}/cancel", "partner"), ("/orders/{order_id}/awb", "partner")],
)
def test_order_actions_fit_the_database(
    world: Masters, oms: ConnectedApp, api: ApiClient, path: str, caller: str
) -> None:
    client = oms.client() if caller == "partner" else api

    @EXAMPLES
    @given(body=body_of("POST", path, {}))
    def act(body: Any) -> None:
        order = _pushed(oms)
        assert_served(client.post(path.replace("{order_id}", order), body), body)

    act()


def test_picklists_fit_the_database(
    world: Masters, oms: ConnectedApp, warehouse: ApiClient
) -> None:
    """Pick lists of fresh orders, confirmed with any counts of any SKUs (short picks too)."""

    @EXAMPLES
    @given(
        create=body_of("POST", "/picklists", {**_names(world), "orders": st.just(None)}),
        confirm=body_of("POST", "/picklists/{number}/confirm", _names(world)),
    )
    def pick(create: dict[str, Any], confirm: Any) -> None:
        order = oms.client().get(f"/orders/{_pushed(oms)}").body["id"]
        create = {**create, "site": "WH1", "orders": [order]}
        made = warehouse.post("/picklists", create)
        assert_served(made, create)
        if made.status == 201:
            number = made.body["number"]
            assert_served(warehouse.post(f"/picklists/{number}/confirm", confirm), confirm)

    pick()


URL_CHARACTERS = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-._~/%")


def test_oms_apps_fit_the_database(world: Masters, api: ApiClient, settings: Any) -> None:
    """Apps of any name, with URLs up to the longest allowed, added through both tests."""
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    with local_server() as far_side:
        # Both tests pass: the webhook takes any 2xx, the API test wants OU2's ping.
        far_side.answer(200, json.dumps({"org_unit": "OU2", "app": None}).encode())

        def url(room: int) -> st.SearchStrategy[str]:
            return st.text(URL_CHARACTERS, max_size=room).map(lambda tail: f"{far_side.url}/{tail}")

        names = {
            "org_unit": st.just("OU2"),
            "webhook_url": url(MAX_URL_LENGTH - len(far_side.url) - 1),
            # The API test appends /api/v1/ping to the base URL.
            "api_url": url(MAX_URL_LENGTH - len(far_side.url) - 1),
            "webhook_secret": st.sampled_from([WHSEC, PLAIN_SECRET]),
            "encryption_key": st.sampled_from([None, ENCRYPTION_KEY]),
            "api_key": st.builds(lambda: issue_key(api, "OU2")),
        }

        @settings_of(max_examples=15)
        @given(
            app=body_of("POST", "/oms-apps", names),
            ping=body_of("POST", "/oms-apps/test-webhook", names),
            check=body_of("POST", "/oms-apps/test-api", names),
        )
        def add(app: dict[str, Any], ping: dict[str, Any], check: dict[str, Any]) -> None:
            assert_served(api.post("/oms-apps/test-webhook", ping), ping)
            assert_served(api.post("/oms-apps/test-api", check), check)
            added = api.post("/oms-apps", app)
            assert_served(added, app)
            if added.status == 201:
                # OU2 may have one enabled app: make room for the next example's.
                assert api.post(f"/oms-apps/{added.body['id']}/disable").status == 200

        add()
