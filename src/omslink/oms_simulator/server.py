"""The bundled stand-in OMS: a small HTTP server that receives omslink's webhooks.

It verifies every request with `standardwebhooks`, decrypts it with `joserfc`, keeps what it
received, shows it on a page, and pushes demo orders to the ERP from a button there. Tests
use it as the real receiver, scripting failures through `responder`.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import secrets
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from omslink.oms_simulator.config import SimulatorConfig
from omslink.oms_simulator.demo_orders import push_demo_order
from omslink.oms_simulator.inbox import Inbox, WebhookRejected, open_webhook

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks"
MAX_BODY_BYTES = 2 * 1024 * 1024
SHOWN_ON_PAGE = 200


@dataclass(frozen=True)
class Reply:
    """How the receiver answers one verified webhook."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"received": true}'
    delay_seconds: float = 0.0


# Called with the opened event and the arrival number of its webhook-id (1 for the first).
Responder = Callable[[dict[str, Any], int], Reply]


def accept_all(event: dict[str, Any], arrival: int) -> Reply:
    return Reply()


class _ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True
    # The relay opens many connections at once; the default backlog of 5 would reset some.
    request_queue_size = 128


class OmsSimulator:
    """Serve on (host, port) in a background thread until `stop()`."""

    def __init__(
        self,
        config: SimulatorConfig,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        responder: Responder = accept_all,
        inbox: Inbox | None = None,
    ) -> None:
        self.config = config
        self.responder = responder
        self.inbox = inbox or Inbox()
        self.last_push_message = ""
        self.form_token = secrets.token_urlsafe(16)
        self._server = _ReceiverServer(
            (host, config.port if port is None else port), _handler_for(self)
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    def start(self) -> OmsSimulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="oms-simulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def inventory_view(self) -> dict[str, int]:
        """The latest available quantity per SKU, as the inventory.updated events told it."""
        latest: dict[str, int] = {}
        for event in self.inbox.accepted_events():
            if event.get("type") == "inventory.updated":
                for item in event["data"]["items"]:
                    latest[str(item["sku"])] = int(item["available"])
        return latest


def _handler_for(simulator: OmsSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(_SimulatorHandler):
        pass

    Handler.simulator = simulator
    return Handler


class _SimulatorHandler(BaseHTTPRequestHandler):
    simulator: OmsSimulator
    protocol_version = "HTTP/1.1"  # keep-alive, as the relay's pooled client expects
    server_version = "omslink-oms-simulator"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("simulator: " + format, *args)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _read_body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._send(HTTPStatus.BAD_REQUEST, b"bad Content-Length", "text/plain")
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            # The sender hung up mid-body (a relay killed while sending): there is no webhook
            # to judge and nobody to answer; it will be sent again whole.
            self.close_connection = True
            return None
        return body

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._send(HTTPStatus.OK, b"ok", "text/plain")
        elif self.path == "/received.json":
            received = [
                {
                    "webhook_id": r.webhook_id,
                    "answered": r.answered,
                    "encrypted": r.encrypted,
                    "event": r.event,
                }
                for r in self.simulator.inbox.received()
            ]
            document = {"received": received, "rejected": self.simulator.inbox.rejected()}
            self._send(HTTPStatus.OK, json.dumps(document).encode(), "application/json")
        elif self.path == "/":
            self._send(HTTPStatus.OK, _page(self.simulator).encode(), "text/html; charset=utf-8")
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def do_POST(self) -> None:
        body = self._read_body()
        if body is None:
            return
        if self.path == WEBHOOK_PATH:
            self._receive(body)
        elif self.path == "/push-order":
            self._push_order(body)
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def _receive(self, body: bytes) -> None:
        config = self.simulator.config
        headers = dict(self.headers.items())
        try:
            event, encrypted = open_webhook(
                body, headers, secret=config.webhook_secret, encryption_key=config.encryption_key
            )
        except WebhookRejected as exc:
            self.simulator.inbox.reject(str(exc))
            self._send(HTTPStatus.UNAUTHORIZED, str(exc).encode(), "text/plain")
            return
        inbox = self.simulator.inbox
        reply = self.simulator.responder(event, inbox.arrival_number(event["id"]))
        inbox.record(event, headers, encrypted=encrypted, answered=reply.status)
        if reply.delay_seconds:
            time.sleep(reply.delay_seconds)
        try:
            self._send(reply.status, reply.body, "application/json", reply.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the sender gave up waiting; that is the point

    def _push_order(self, body: bytes) -> None:
        form = parse_qs(body.decode("utf-8", "replace"))
        if form.get("token") != [self.simulator.form_token]:
            self._send(HTTPStatus.FORBIDDEN, b"stale form; reload the page", "text/plain")
            return
        self.simulator.last_push_message = push_demo_order(self.simulator.config)
        self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": "/"})


def _page(simulator: OmsSimulator) -> str:
    escape = html.escape
    config = simulator.config
    rows = []
    for received in reversed(simulator.inbox.received()[-SHOWN_ON_PAGE:]):
        event = received.event
        rows.append(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                escape(datetime.fromtimestamp(received.received_at).strftime("%H:%M:%S")),
                escape(str(event.get("type"))),
                escape(str(event.get("ordering_key"))),
                escape(str(event.get("sequence"))),
                escape(received.webhook_id),
                f"{received.answered}{' (encrypted)' if received.encrypted else ''}",
            )
        )
    stock = "".join(
        f"<tr><td>{escape(sku)}</td><td>{available}</td></tr>"
        for sku, available in sorted(simulator.inventory_view().items())
    )
    rejected = len(simulator.inbox.rejected())
    message = (
        f"<p class=note>{escape(simulator.last_push_message)}</p>"
        if simulator.last_push_message
        else ""
    )
    return f"""<!doctype html><html lang=en><head><meta charset=utf-8>
<meta http-equiv=refresh content=5><title>OMS simulator</title>
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2430}}
table{{border-collapse:collapse;margin:.5rem 0 1.5rem}}td,th{{border-bottom:1px solid #d8dde6;
padding:.3rem .6rem;text-align:left}}.note{{background:#e8f0fe;padding:.5rem .8rem}}</style>
</head><body>
<h1>OMS simulator</h1>
<p>Receives omslink's webhooks for {escape(config.org_unit)} at
<code>{escape(simulator.webhook_url)}</code>, verifies each signature and decrypts each body.
Talks to the ERP at <a href="{escape(config.erp_url)}">{escape(config.erp_url)}</a> with API key
…{escape(config.api_key[-4:])}.</p>
{message}
<form method=post action=/push-order><input type=hidden name=token
value="{escape(simulator.form_token)}"><button type=submit>Push a demo order</button></form>
<h2>Stock as the OMS knows it</h2>
<table><tr><th>SKU</th><th>available</th></tr>{stock}</table>
<h2>Webhooks received</h2>
<p>{len(simulator.inbox.received())} received, {rejected} rejected (bad signature or body)
since the simulator started; the page refreshes itself.</p>
<table><tr><th>time</th><th>type</th><th>ordering key</th><th>sequence</th><th>webhook-id</th>
<th>answered</th></tr>{"".join(rows)}</table>
</body></html>"""


def serve(config: SimulatorConfig, *, host: str) -> None:
    """Run the simulator in the foreground until SIGINT or SIGTERM (`omslink simulator`)."""
    simulator = OmsSimulator(config, host=host)

    def stop_serving(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop_serving)
    logger.info("OMS simulator receiving webhooks at %s", simulator.webhook_url)
    with contextlib.suppress(KeyboardInterrupt):
        simulator.serve_forever()
