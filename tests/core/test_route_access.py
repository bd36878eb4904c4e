"""Every API route says who it admits, and refuses others before it reads their input."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from omslink.api import api
from omslink.api_auth import Allow, AnyCaller
from tests.conftest import ApiClient, Masters, assert_error


def _operations() -> list[tuple[str, str, Any]]:
    return [
        (method, path, operation)
        for _, router in api._routers
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    ]


def _concrete(path: str) -> str:
    """A path with its parameters filled in with plausible values."""
    return re.sub(r"\{(?:int:)?[a-z_]+\}", "1", path.replace("{path:number}", "OU1/2627/000001"))


def test_every_route_declares_who_it_admits() -> None:
    undeclared = []
    for method, path, operation in _operations():
        admits = operation.auth_callbacks
        declared = all(
            isinstance(auth, AnyCaller)
            or (isinstance(auth, Allow) and (auth.staff or auth.partner))
            for auth in admits
        )
        if not admits or not declared:
            undeclared.append(f"{method} {path}")
    assert undeclared == []


WRITES = sorted(
    {
        (method, _concrete(path))
        for method, path, operation in _operations()
        if method in {"POST", "DELETE"}
        and not any(isinstance(auth, AnyCaller) for auth in operation.auth_callbacks)
    }
)


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("body", [b'{"not json', json.dumps({"unexpected": 1}).encode(), b""])
def test_a_viewer_is_refused_every_write_whatever_it_sends(
    masters: Masters, role_clients: dict[str, ApiClient], method: str, path: str, body: bytes
) -> None:
    answer = role_clients["Viewer"].request(method, path, raw=body)
    assert_error(answer, 403, "forbidden")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/org-units"),
        ("POST", "/stock/receipts"),
        ("POST", "/picklists"),
        ("GET", "/stock"),
        ("POST", "/webhook-deliveries/1/retry"),
        ("POST", "/oms-apps"),
    ],
)
def test_a_partner_key_is_refused_staff_routes_before_its_input_is_read(
    masters: Masters, oms: Any, method: str, path: str
) -> None:
    answer = oms.client().request(method, path, raw=b"[")
    assert_error(answer, 403, "forbidden")


def test_staff_tokens_are_refused_partner_routes_before_the_body_is_read(
    masters: Masters, api: ApiClient
) -> None:
    assert_error(api.post("/orders", raw=b"{"), 403, "forbidden")
    assert_error(api.get("/ping"), 403, "forbidden")


def test_a_disabled_app_is_refused_before_its_body_is_read(masters: Masters, oms: Any) -> None:
    oms.app.enabled = False
    oms.app.save(update_fields=["enabled"])
    assert_error(oms.client().post("/orders", raw=b"{"), 403, "app_disabled")
    assert oms.client().get("/ping").status == 200
