"""The OpenAPI document lists the returns endpoints and both bodies `POST /returns` takes."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_openapi_document_describes_returns() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
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
