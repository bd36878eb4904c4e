"""Fixtures for OMS apps: a real webhook receiver, issued keys, and how a receiver verifies."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from joserfc import jwe
from joserfc.jwk import OctKey
from standardwebhooks.webhooks import Webhook

from omslink.connected_apps.models import ApiKey, OmsApp, OmsAppAudit
from tests.conftest import ApiClient
from tests.core.local_http import LocalServer, ReceivedRequest, local_server

WHSEC = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
PLAIN_SECRET = "a-plain-shared-secret-of-enough-length"
ENCRYPTION_KEY = base64.urlsafe_b64encode(b"k" * 16 + b"e" * 16).decode().rstrip("=")


@pytest.fixture
def private_targets(settings: Any) -> None:
    """Tests talk to 127.0.0.1, which the SSRF guard refuses unless this is on."""
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True


@pytest.fixture
def receiver(private_targets: None) -> Iterator[LocalServer]:
    with local_server() as server:
        yield server


@pytest.fixture
def fake_erp(private_targets: None) -> Iterator[LocalServer]:
    """An ERP that answers every ping for OU1, so the API test passes without live_server."""
    with local_server() as server:
        server.answer(200, b'{"org_unit": "OU1", "app": null}', Content_Type="application/json")
        yield server


def verified_event(
    request: ReceivedRequest, secret: str, encryption_key: str | None = None
) -> dict[str, Any]:
    """What an OMS does: verify with standardwebhooks, then decrypt with joserfc if needed."""
    webhook = Webhook(secret) if secret.startswith("whsec_") else Webhook(secret.encode())
    if encryption_key is None:
        assert request.headers["content-type"] == "application/json"
        event: dict[str, Any] = webhook.verify(request.body, request.headers)
        return event
    assert request.headers["content-type"] == "application/jose"
    webhook.verify(request.body, request.headers, json_parse=False)
    raw_key = base64.urlsafe_b64decode(encryption_key + "=" * (-len(encryption_key) % 4))
    decrypted = jwe.decrypt_compact(request.body.decode(), OctKey.import_key(raw_key))
    assert decrypted.protected == {"alg": "dir", "enc": "A256GCM", "cty": "application/json"}
    assert decrypted.plaintext is not None
    event = json.loads(decrypted.plaintext)
    return event


def issue_key(api: ApiClient, org_unit: str = "OU1") -> str:
    answer = api.post("/api-keys", {"org_unit": org_unit})
    assert answer.status == 201, answer.body
    key: str = answer.body["key"]
    return key


def snapshot() -> list[list[dict[str, Any]]]:
    """Every row of the connected-apps tables, to prove a refused request changed nothing.

    A key's `last_used_at` is left out: using a key (the API test does) notes when, by design.
    """
    tables: tuple[type[Model], ...] = (ApiKey, OmsApp, OmsAppAudit)
    return [
        [
            {column: value for column, value in row.items() if column != "last_used_at"}
            for row in model._default_manager.order_by("pk").values()
        ]
        for model in tables
    ]


PASSWORD = "correct-horse-9"


@pytest.fixture
def browser_of(make_user: Callable[..., Any]) -> Callable[[str], Client]:
    """A signed-in page client for a new user of a role, checking CSRF as browsers must."""

    def sign_in(role: str) -> Client:
        user, _ = make_user(role)
        client = Client(enforce_csrf_checks=True)
        assert client.login(username=user.username, password=PASSWORD)
        client.get("/")  # sets the CSRF cookie, as any page does
        return client

    return sign_in


def csrf_headers(client: Client) -> dict[str, str]:
    return {"X-CSRFToken": client.cookies["csrftoken"].value}


def post_json(client: Client, path: str, body: Any, *, csrf: bool = True) -> Any:
    headers = csrf_headers(client) if csrf else {}
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


FormData = Mapping[str, str | list[str]]


def post_form(client: Client, path: str, data: FormData) -> Any:
    return client.post(path, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
