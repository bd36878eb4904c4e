"""The simulator over HTTP: receiving, its page, its settings file, pushing a demo order."""

from __future__ import annotations

import http.client
import json
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from omslink.inventory.schemas import ReceiptIn, StockLineIn
from omslink.inventory.services import stock_receipt_create
from omslink.oms_simulator.config import SimulatorConfig
from omslink.oms_simulator.demo_orders import push_demo_order
from omslink.oms_simulator.inbox import open_webhook
from omslink.oms_simulator.server import OmsSimulator, Reply
from omslink.orders.models import Order
from omslink.webhooks.signing import SealedWebhook, seal_webhook
from tests.conftest import ConnectedApp
from tests.webhooks.harness import receiver_config

EVENT = {
    "id": "evt_1",
    "type": "order.reserved",
    "ordering_key": "order:SO-1",
    "sequence": 1,
    "data": {"note": "<script>alert(1)</script>"},
}


@pytest.fixture
def simulator() -> Iterator[OmsSimulator]:
    running = OmsSimulator(receiver_config(), port=0).start()
    yield running
    running.stop()


def _request(
    simulator: OmsSimulator,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", simulator.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def _sealed(simulator: OmsSimulator) -> SealedWebhook:
    config = simulator.config
    return seal_webhook(
        webhook_id="evt_1",
        payload=EVENT,
        secret=config.webhook_secret,
        encryption_key=config.encryption_key,
        at=timezone.now(),
    )


def _post_event(simulator: OmsSimulator) -> tuple[int, bytes, dict[str, str]]:
    sealed = _sealed(simulator)
    return _request(simulator, "POST", "/webhooks", sealed.body, sealed.headers)


def test_a_verified_webhook_is_kept_and_answered_as_scripted(simulator: OmsSimulator) -> None:
    simulator.responder = lambda event, arrival: (
        Reply(status=429, headers={"Retry-After": "3"}) if arrival == 1 else Reply()
    )
    status, _, headers = _post_event(simulator)
    assert (status, headers["Retry-After"]) == (429, "3")
    assert _post_event(simulator)[0] == 200
    assert [r.answered for r in simulator.inbox.received()] == [429, 200]
    assert simulator.inbox.accepted_events() == [EVENT]
    document = json.loads(_request(simulator, "GET", "/received.json")[1])
    assert [r["answered"] for r in document["received"]] == [429, 200]
    assert document["rejected"] == []


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"{}", {"Content-Type": "application/json"}),
        (b"x", {"webhook-id": "a", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"}),
        (
            b"\xff\xfe",
            {"webhook-id": "a", "webhook-timestamp": "nan", "webhook-signature": "garbage"},
        ),
    ],
)
def test_unverifiable_requests_are_refused_and_counted(
    simulator: OmsSimulator, body: bytes, headers: dict[str, str]
) -> None:
    assert _request(simulator, "POST", "/webhooks", body, headers)[0] == 401
    assert simulator.inbox.received() == [] and len(simulator.inbox.rejected()) == 1


@pytest.mark.parametrize("length", ["-1", "abc", str(3 * 1024 * 1024)])
def test_bad_content_length_is_refused(simulator: OmsSimulator, length: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", simulator.port, timeout=10)
    try:
        connection.putrequest("POST", "/webhooks")
        connection.putheader("Content-Length", length)
        connection.endheaders()
        assert connection.getresponse().status == 400
    finally:
        connection.close()
    assert simulator.inbox.received() == []


def test_a_body_cut_short_is_dropped_unjudged(simulator: OmsSimulator) -> None:
    """A relay killed while sending leaves half a request: no answer and no rejection, as the
    whole webhook comes again later."""
    sealed = _sealed(simulator)
    head = "".join(f"{name}: {value}\r\n" for name, value in sealed.headers.items())
    request = f"POST /webhooks HTTP/1.1\r\nContent-Length: {len(sealed.body)}\r\n{head}\r\n"
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=10) as sender:
        sender.sendall(request.encode("ascii") + sealed.body[:10])
        sender.shutdown(socket.SHUT_WR)
        assert sender.recv(1024) == b""  # the simulator hung up without answering
    assert simulator.inbox.received() == [] and simulator.inbox.rejected() == []


def test_unknown_paths_and_health(simulator: OmsSimulator) -> None:
    assert _request(simulator, "GET", "/healthz")[:2] == (200, b"ok")
    assert _request(simulator, "GET", "/nothing")[0] == 404
    assert _request(simulator, "POST", "/nothing")[0] == 404


def test_page_shows_what_arrived_escaped_and_no_secret(simulator: OmsSimulator) -> None:
    hostile = {**EVENT, "type": "<img src=x onerror=alert(1)>"}
    config = simulator.config
    sealed = seal_webhook(
        webhook_id="evt_1",
        payload=hostile,
        secret=config.webhook_secret,
        encryption_key=config.encryption_key,
        at=timezone.now(),
    )
    assert _request(simulator, "POST", "/webhooks", sealed.body, sealed.headers)[0] == 200
    page = _request(simulator, "GET", "/")[1].decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page
    assert "evt_1" in page and "1 received, 0 rejected" in page
    assert config.webhook_secret not in page
    assert str(config.encryption_key) not in page


def test_push_needs_the_pages_form_token(simulator: OmsSimulator) -> None:
    for body in (b"", b"token=forged", b"token=" + b"%ff" * 10):
        status, _, _ = _request(
            simulator,
            "POST",
            "/push-order",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 403
    assert simulator.last_push_message == ""


def test_settings_file_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "oms-simulator.json"
    config = SimulatorConfig.fresh(org_unit="OU1", erp_url="http://127.0.0.1:8000", port=8001)
    config.with_changes(api_key="omsk_abc").save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = SimulatorConfig.load(path)
    assert loaded == config.with_changes(api_key="omsk_abc")
    # Fresh secrets are ones omslink accepts and the simulator can open.
    sealed = seal_webhook(
        webhook_id="evt_1",
        payload=EVENT,
        secret=loaded.webhook_secret,
        encryption_key=loaded.encryption_key,
        at=timezone.now(),
    )
    assert open_webhook(
        sealed.body,
        sealed.headers,
        secret=loaded.webhook_secret,
        encryption_key=loaded.encryption_key,
    ) == (EVENT, True)


@pytest.mark.django_db(transaction=True)
def test_demo_order_is_pushed_to_the_erp_partner_api(
    live_server: Any, oms: ConnectedApp, admin: Any
) -> None:
    config = receiver_config().with_changes(api_key=oms.api_key, erp_url=live_server.url)
    assert push_demo_order(config) == (
        "No item is available at the online fulfilment site; receive stock in the ERP first."
    )
    stock_receipt_create(
        user=admin[0],
        payload=ReceiptIn(
            site="WH1", reference="GRN-1", lines=[StockLineIn(sku="TEE-RED-M", quantity=3)]
        ),
    )
    message = push_demo_order(config)
    order = Order.objects.get()
    assert message == (
        f"Order {order.external_order_id} pushed: the ERP stored it as "
        f"{order.number}, status reserved."
    )
    refused = push_demo_order(config.with_changes(api_key="omsk_wrong"))
    assert refused.startswith("The ERP answered 401 to the inventory query (unauthenticated")
    assert push_demo_order(config.with_changes(api_key="")) == (
        "No ERP API key is configured for the simulator."
    )


@pytest.mark.django_db(transaction=True)
def test_push_button_reports_what_the_erp_did(live_server: Any, oms: ConnectedApp) -> None:
    config = receiver_config().with_changes(api_key=oms.api_key, erp_url=live_server.url)
    simulator = OmsSimulator(config, port=0).start()
    try:
        status, _, headers = _request(
            simulator, "POST", "/push-order", f"token={simulator.form_token}".encode()
        )
        assert (status, headers["Location"]) == (303, "/")
        assert "No item is available" in _request(simulator, "GET", "/")[1].decode()
    finally:
        simulator.stop()
