"""The OpenAPI document lists the returns endpoints and both bodies `POST /returns` takes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db
def test_openapi_document_describes_returns() -> None:
    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), keys  # Swagger UI refuses duplicate keys
        return dict(pairs)

    raw = Client().get("/api/v1/openapi.json").content
    paths = json.loads(raw, object_pairs_hook=unique_keys)["paths"]
    for path, method in [
        ("/api/v1/orders/{order_id}/delivered", "post"),
        ("/api/v1/orders/{order_id}/rto", "post"),
        ("/api/v1/returns", "post"),
        ("/api/v1/returns", "get"),
        ("/api/v1/returns/{reference}", "get"),
        ("/api/v1/returns/{number}/receive", "post"),
        ("/api/v1/credit-notes/{number}.pdf", "get"),
    ]:
        assert method in paths[path], (path, method)
    bodies = paths["/api/v1/returns"]["post"]["requestBody"]["content"]["application/json"]
    push, staff = bodies["schema"]["oneOf"]
    assert set(push["required"]) == {"external_return_id", "order", "reason", "lines"}
    assert push["properties"]["lines"]["items"]["required"] == ["line_id", "quantity"]
    assert set(staff["required"]) == {"order", "type", "reason"}
    pdf = paths["/api/v1/credit-notes/{number}.pdf"]["get"]["responses"]["200"]
    assert "application/pdf" in pdf["content"]
