"""Shared fixtures: real users with real tokens, masters, an OMS app, and an HTTP API client.

Everything goes through the real database (SQLite file or PostgreSQL) and, for the API, the
full Django request stack with bearer tokens, exactly as a client would call it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from omslink.accounts.models import Role
from omslink.accounts.services import token_create, user_create
from omslink.connected_apps.models import ApiKey, OmsApp
from omslink.core.crypto import API_KEY_PREFIX, encrypt_secret, mask_tail, new_token, token_hash
from omslink.core.operations import ADMINISTRATOR, BUILT_IN_ROLES, VIEWER, WAREHOUSE
from omslink.masters.models import Customer, Item, OrgUnit, Site
from omslink.masters.schemas import CustomerIn, ItemIn, OrgUnitIn, SiteIn
from omslink.masters.services import (
    customer_create,
    items_create,
    org_unit_create,
    site_create,
)
from tests.orders.bodies import order_body

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

ROLES = (ADMINISTRATOR, WAREHOUSE, VIEWER)


@dataclass
class ApiAnswer:
    status: int
    body: Any
    headers: dict[str, str]


class ApiClient:
    """Calls /api/v1 through Django's full stack with a bearer token and JSON bodies."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self._client = Client()

    def with_token(self, token: str | None) -> ApiClient:
        return ApiClient(token)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> ApiAnswer:
        headers = dict(headers or {})
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        data: bytes | str = b""
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body)
        response = self._client.generic(
            method, f"/api/v1{path}", data=data, content_type=content_type, headers=headers
        )
        try:
            parsed = json.loads(response.content) if response.content else None
        except ValueError:
            parsed = response.content
        return ApiAnswer(response.status_code, parsed, dict(response.headers))

    def get(self, path: str, **kwargs: Any) -> ApiAnswer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> ApiAnswer:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> ApiAnswer:
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> ApiAnswer:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> ApiAnswer:
        return self.request("DELETE", path, **kwargs)


def assert_error(answer: ApiAnswer, status: int, code: str) -> dict[str, Any]:
    """Check the contract's error shape and return the error object."""
    assert answer.status == status, (answer.status, answer.body)
    assert isinstance(answer.body, dict) and set(answer.body) == {"error"}, answer.body
    error = answer.body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    return error


def built_in_roles_restore() -> None:
    """Recreate any missing built-in role with its operations, leaving existing roles alone.

    The migration creates them; a transactional test's flush deletes them for the tests after.
    """
    for name, codenames in BUILT_IN_ROLES.items():
        role, created = Role.objects.get_or_create(name=name)
        if created:
            role.permissions.set(
                Permission.objects.filter(
                    content_type__app_label="accounts", codename__in=codenames
                )
            )


class MakeUser(Protocol):
    def __call__(self, role: str = ..., username: str | None = ...) -> tuple[User, str]: ...


@pytest.fixture
def make_user(db: None) -> MakeUser:
    """Create a user of a role and return (user, personal token)."""
    # A transactional test's flush deletes the roles the migration made; bring them back.
    built_in_roles_restore()
    counter = iter(range(1, 10_000))

    def make(role: str = ADMINISTRATOR, username: str | None = None) -> tuple[User, str]:
        name = username or f"{role.lower()}{next(counter)}"
        user = user_create(username=name, password="correct-horse-9", role=role)
        return user, token_create(user=user)

    return make


@pytest.fixture
def admin(make_user: MakeUser) -> tuple[User, str]:
    return make_user(ADMINISTRATOR, "admin")


@pytest.fixture
def api(admin: tuple[User, str]) -> ApiClient:
    """An API client signed in as an Administrator."""
    return ApiClient(admin[1])


@pytest.fixture
def role_clients(make_user: MakeUser) -> dict[str, ApiClient]:
    """One API client per built-in role, for the permission matrix."""
    return {role: ApiClient(make_user(role)[1]) for role in ROLES}


@dataclass
class Masters:
    org_unit: OrgUnit
    site: Site
    wholesale_site: Site
    other_org_unit: OrgUnit
    other_site: Site
    items: list[Item]
    customer: Customer


@pytest.fixture
def masters(db: None) -> Masters:
    """Two OUs in different states, an online site each, a wholesale site, items, a customer."""
    ou1 = org_unit_create(
        payload=OrgUnitIn(
            code="OU1",
            name="Indigo Threads Pvt Ltd",
            gstin="29ABCDE1234F1Z5",
            state_code="KA",
            address="12 Residency Road, Bengaluru 560025",
        )
    )
    ou2 = org_unit_create(
        payload=OrgUnitIn(
            code="OU2",
            name="Indigo Threads West LLP",
            gstin="27ABCDE1234F1Z9",
            state_code="MH",
            address="4 Linking Road, Mumbai 400050",
        )
    )
    wh1 = site_create(
        payload=SiteIn(code="WH1", name="Bengaluru online", org_unit="OU1", online_fulfilment=True)
    )
    wh2 = site_create(
        payload=SiteIn(
            code="WH2", name="Bengaluru wholesale", org_unit="OU1", online_fulfilment=False
        )
    )
    wh3 = site_create(
        payload=SiteIn(code="WH3", name="Mumbai online", org_unit="OU2", online_fulfilment=True)
    )
    items = items_create(
        items=[
            ItemIn(
                sku="TEE-RED-M",
                name="Tee red M",
                hsn_code="6109",
                gst_rate="5.00",
                mrp="499.00",
                bin="A-01-02",
            ),
            ItemIn(
                sku="TEE-BLU-L",
                name="Tee blue L",
                hsn_code="6109",
                gst_rate="5.00",
                mrp="499.00",
                bin="A-01-01",
            ),
            ItemIn(
                sku="JKT-BLK-M",
                name="Jacket black M",
                hsn_code="6201",
                gst_rate="12.00",
                mrp="2999.00",
                bin="B-02-01",
            ),
            ItemIn(
                sku="CAP-GRY",
                name="Cap grey",
                hsn_code="6505",
                gst_rate="18.00",
                mrp="299.00",
                bin="C-01-01",
            ),
        ]
    )
    customer = customer_create(
        payload=CustomerIn(
            code="RETAIL1", name="Rao Retail", state_code="KA", gstin="29AAACR5055K1Z5"
        )
    )
    return Masters(ou1, wh1, wh2, ou2, wh3, items, customer)


@dataclass
class ConnectedApp:
    app: OmsApp
    api_key: str

    def client(self) -> ApiClient:
        return ApiClient(self.api_key)


def connect_app(
    org_unit: OrgUnit,
    created_by: User,
    *,
    webhook_url: str = "http://127.0.0.1:9/hook",
    secret: str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    encryption_key: str | None = None,
    enabled: bool = True,
) -> ConnectedApp:
    """An OMS app stored directly, for tests of other domains that need a partner key.

    The connection tests themselves are covered by the connected_apps tests.
    """
    key = new_token(API_KEY_PREFIX)
    api_key = ApiKey.objects.create(
        org_unit=org_unit, key_hash=token_hash(key), last4=key[-4:], created_by=created_by
    )
    app = OmsApp.objects.create(
        name=f"OMS for {org_unit.code}",
        org_unit=org_unit,
        webhook_url=webhook_url,
        webhook_secret_encrypted=encrypt_secret(secret),
        webhook_secret_hint=mask_tail(secret),
        encryption_key_encrypted=encrypt_secret(encryption_key) if encryption_key else "",
        encryption_key_hint=mask_tail(encryption_key) if encryption_key else "",
        api_url="http://127.0.0.1:8000",
        api_key=api_key,
        enabled=enabled,
        created_by=created_by,
    )
    return ConnectedApp(app, key)


@pytest.fixture
def oms(masters: Masters, admin: tuple[User, str]) -> ConnectedApp:
    """An enabled OMS app for OU1 with its partner API key."""
    return connect_app(masters.org_unit, admin[0])


@pytest.fixture
def other_oms(masters: Masters, admin: tuple[User, str]) -> ConnectedApp:
    """An enabled OMS app for OU2: its key must never see OU1's data."""
    return connect_app(masters.other_org_unit, admin[0])


Push = Callable[..., str]


@pytest.fixture
def push(oms: ConnectedApp) -> Push:
    """Push an order as the OMS does; return its ERP id. `lines` are (sku, quantity)."""
    counter = iter(range(1, 100_000))

    def pushed(
        lines: list[tuple[str, int]] | None = None,
        *,
        priced: list[dict[str, Any]] | None = None,
        **changes: Any,
    ) -> str:
        """`priced` gives whole line bodies instead, for invoices with several prices."""
        body = order_body(f"BT-{next(counter):06d}", lines, **changes)
        if priced is not None:
            body["lines"] = priced
        answer = oms.client().post("/orders", body)
        assert answer.status == 201, answer.body
        return str(answer.body["id"])

    return pushed


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright; ./run-tests installs it when missing."""
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run ./run-tests, which installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser tab against the live test server.

    Anything the Content-Security-Policy blocks fails the test: every page must work under it.
    """
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    blocked: list[str] = []
    tab.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield tab
    context.close()
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


def sign_in(page: Page, username: str, password: str = "correct-horse-9") -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
