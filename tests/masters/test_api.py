"""Masters API: create and list org units, sites, items, customers, with their errors."""

from __future__ import annotations

import pytest

from omslink.masters.models import Item, OrgUnit, Site
from tests.conftest import ApiClient, assert_error

OU = {"code": "OU1", "name": "Indigo Threads", "gstin": "29ABCDE1234F1Z5", "state_code": "KA"}
ITEM = {"sku": "TEE-RED-M", "name": "Tee", "hsn_code": "6109", "gst_rate": "5.00", "mrp": "499.00"}


def test_org_unit_created_and_listed(api: ApiClient) -> None:
    created = api.post("/org-units", OU)
    assert created.status == 201
    assert created.body["code"] == "OU1" and created.body["state_code"] == "KA"
    listed = api.get("/org-units")
    assert [ou["code"] for ou in listed.body["items"]] == ["OU1"]
    assert listed.body["next_cursor"] is None


def test_duplicate_org_unit_is_conflict_and_changes_nothing(api: ApiClient) -> None:
    api.post("/org-units", OU)
    assert_error(api.post("/org-units", {**OU, "name": "Other"}), 409, "conflict")
    assert OrgUnit.objects.get(code="OU1").name == "Indigo Threads"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"gstin": "NOT-A-GSTIN"}, "gstin"),
        # Digits of other scripts are digits to Python's regex but not in a GSTIN.
        ({"gstin": "\u0662\u0669ABCDE1234F1Z5"}, "gstin"),
        ({"state_code": "XX"}, "state_code"),
        ({"code": "has space"}, "code"),
        ({"code": "x" * 33}, "code"),
        ({"name": ""}, "name"),
        ({"name": 5}, "name"),
    ],
)
def test_bad_org_unit_fields_are_named(api: ApiClient, change: dict, field: str) -> None:
    error = assert_error(api.post("/org-units", {**OU, **change}), 422, "validation_error")
    assert field in [d["field"] for d in error["details"]]
    assert not OrgUnit.objects.exists()


def test_second_online_fulfilment_site_is_conflict(api: ApiClient) -> None:
    api.post("/org-units", OU)
    site = {"code": "WH1", "name": "Main", "org_unit": "OU1", "online_fulfilment": True}
    assert api.post("/sites", site).status == 201
    assert_error(api.post("/sites", {**site, "code": "WH2"}), 409, "conflict")
    assert list(Site.objects.values_list("code", flat=True)) == ["WH1"]


def test_items_list_is_all_or_nothing(api: ApiClient) -> None:
    answer = api.post("/items", [ITEM, {**ITEM, "sku": "B", "gst_rate": "7.00"}])
    error = assert_error(answer, 422, "validation_error")
    assert error["details"][0]["field"] == "[1].gst_rate"
    assert not Item.objects.exists()
    created = api.post("/items", [ITEM, {**ITEM, "sku": "B"}])
    assert created.status == 201
    assert [item["sku"] for item in created.body] == ["TEE-RED-M", "B"]


@pytest.mark.parametrize(
    "hsn_code", ["610", "61091", "\u0666\u0661\u0660\u0669", "\uff16\uff11\uff10\uff19"]
)
def test_hsn_codes_are_ascii_digits(api: ApiClient, hsn_code: str) -> None:
    error = assert_error(
        api.post("/items", {**ITEM, "hsn_code": hsn_code}), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "hsn_code"
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    "mrp", ["499.001", "-1.00", "1e3", "NaN", 499.0, "", "12345678901.00", "\u0664\u0669\u0669"]
)
def test_bad_money_is_refused(api: ApiClient, mrp: object) -> None:
    assert_error(api.post("/items", {**ITEM, "mrp": mrp}), 422, "validation_error")
    assert not Item.objects.exists()


def test_masters_permissions(role_clients: dict[str, ApiClient]) -> None:
    assert role_clients["Administrator"].post("/org-units", OU).status == 201
    for role in ("Warehouse", "Viewer"):
        assert_error(role_clients[role].post("/org-units", {**OU, "code": "OU9"}), 403, "forbidden")
    assert role_clients["Viewer"].get("/org-units").status == 200
    assert_error(role_clients["Warehouse"].get("/org-units"), 403, "forbidden")


def test_paging_walks_every_row_once(api: ApiClient) -> None:
    api.post("/items", [{**ITEM, "sku": f"SKU-{n}"} for n in range(5)])
    seen, cursor = [], None
    while True:
        page = api.get("/items?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += [item["sku"] for item in page.body["items"]]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"SKU-{n}" for n in range(5)]
