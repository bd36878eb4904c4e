"""The OpenAPI document and the readable docs are served and describe this issue's endpoints."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel

import omslink


@pytest.mark.django_db
def test_openapi_document_lists_the_connected_app_endpoints() -> None:
    answer = Client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    for path, method in [
        ("/api/v1/api-keys", "post"),
        ("/api/v1/api-keys", "get"),
        ("/api/v1/api-keys/{api_key_id}", "delete"),
        ("/api/v1/ping", "get"),
        ("/api/v1/oms-apps/test-webhook", "post"),
        ("/api/v1/oms-apps/test-api", "post"),
        ("/api/v1/oms-apps", "post"),
        ("/api/v1/oms-apps", "get"),
        ("/api/v1/oms-apps/{app_id}", "get"),
        ("/api/v1/oms-apps/{app_id}/enable", "post"),
        ("/api/v1/oms-apps/{app_id}/disable", "post"),
    ]:
        assert method in paths[path], (path, method)
    assert Client().get("/api/v1/docs").status_code == 200


CONTRACT_CODES = {
    "malformed_json", "unauthenticated", "forbidden", "app_disabled", "not_found",
    "method_not_allowed", "insufficient_stock", "duplicate_order", "invalid_transition",
    "conflict", "payload_too_large", "unsupported_media_type", "validation_error",
    "unknown_sku", "connection_test_failed", "rate_limited",
}  # fmt: skip


@pytest.fixture
def document() -> dict[str, Any]:
    answer = Client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


@pytest.mark.django_db
def test_every_operation_lists_its_error_answers_in_the_one_error_shape(
    document: dict[str, Any],
) -> None:
    error_codes = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error_codes["properties"]["code"]["enum"]) >= CONTRACT_CODES
    missing = []
    for method, path, operation in _operations(document):
        responses = {str(status): answer for status, answer in operation["responses"].items()}
        expected = {"401", "403", "429"}
        parameters = operation.get("parameters", [])
        if parameters:
            expected.add("422")
        if any(parameter["in"] == "path" for parameter in parameters):
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413", "415", "422"}
        if expected - set(responses):
            missing.append(f"{method} {path}: {sorted(expected - set(responses))}")
        for status, answer in responses.items():
            if int(status) >= 400:
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
                assert "`" in answer["description"], "the description names the codes"
    assert missing == []


@pytest.mark.django_db
def test_the_rules_of_a_domain_are_listed_where_they_apply(document: dict[str, Any]) -> None:
    push = document["paths"]["/api/v1/orders"]["post"]["responses"]
    assert "insufficient_stock" in push["409"]["description"]
    assert "duplicate_order" in push["409"]["description"]
    assert "unknown_sku" in push["422"]["description"]
    assert "app_disabled" in push["403"]["description"]
    cancel = document["paths"]["/api/v1/orders/{order_id}/cancel"]["post"]["responses"]
    assert "invalid_transition" in cancel["409"]["description"]
    edit = document["paths"]["/api/v1/oms-apps/{app_id}"]["put"]["responses"]
    assert "method_not_allowed" in edit["405"]["description"]
    assert (
        "app_disabled"
        not in document["paths"]["/api/v1/org-units"]["post"]["responses"]["403"]["description"]
    )


def _request_strings(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every string property of every request body schema, with where it is."""
    found = []
    for name, schema in document["components"]["schemas"].items():
        if not name.endswith("In"):
            continue
        for field, member in schema.get("properties", {}).items():
            for variant in member.get("anyOf", [member]):
                if variant.get("type") == "string":
                    found.append((f"{name}.{field}", variant))
    return found


@pytest.mark.django_db
def test_request_strings_state_the_limits_the_server_applies(document: dict[str, Any]) -> None:
    """A client generated from the document refuses what the server would refuse for length
    and form: every string is bounded and, where the server has rules, carries a pattern."""
    strings = _request_strings(document)
    assert len(strings) > 30
    unbounded = [
        where
        for where, schema in strings
        if not {"maxLength", "enum", "const", "pattern", "format"} & set(schema)
    ]
    assert unbounded == []
    by_place = dict(strings)
    assert by_place["OrgUnitIn.gstin"]["pattern"].startswith("^[0-9]{2}")
    assert "KA" in by_place["OrgUnitIn.state_code"]["enum"]
    assert (
        by_place["OrgUnitIn.name"]["maxLength"] == 200 and "pattern" in by_place["OrgUnitIn.name"]
    )
    assert "pattern" in by_place["OrderLineIn.unit_price"]


def test_every_request_and_answer_shape_has_a_name_of_its_own() -> None:
    """Two schemas of one name share one entry in the document, so one of them is described
    wrongly there (an order's buyer once stood in for a wholesale customer)."""
    seen: dict[str, str] = {}
    clashes = []
    for module in pkgutil.walk_packages(omslink.__path__, "omslink."):
        if not module.name.endswith(".schemas"):
            continue
        for name, value in vars(importlib.import_module(module.name)).items():
            if inspect.isclass(value) and issubclass(value, BaseModel):
                owner = f"{value.__module__}.{value.__qualname__}"
                if seen.setdefault(name, owner) != owner:
                    clashes.append((name, seen[name], owner))
    assert clashes == []
