"""The OpenAPI document and the readable docs are served and describe this issue's endpoints."""

from __future__ import annotations

import pytest
from django.test import Client


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
