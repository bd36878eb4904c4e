"""The vendor guide's verification snippets work on real deliveries from the relay.

docs/integration-guide.md promises an OMS that its Python, Node.js and Java snippets open
omslink's webhooks. Each snippet is taken from the guide as written and run against requests
the relay really sent: one with a `whsec_` secret and encryption, one with a plain secret and
a JSON body.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from omslink.webhooks.models import Event
from tests.conftest import ApiClient, Masters, connect_app
from tests.core.local_http import LocalServer, ReceivedRequest, local_server
from tests.orders.bodies import order_body
from tests.webhooks.harness import ENCRYPTION_KEY, SECRET, running_relay, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration-guide.md"
PLAIN_SECRET = "a plain shared secret, not base64"
NODE_PACKAGES = ("standardwebhooks@1", "jose@6")


def guide_snippet(language: str) -> str:
    """The code block the guide marks `<!-- guide-snippet: language -->`."""
    match = re.search(
        rf"<!-- guide-snippet: {language} -->\n```\w+\n(.*?)\n```", GUIDE.read_text(), re.DOTALL
    )
    assert match, f"the guide has no {language} snippet"
    return match.group(1)


def python_open_webhook() -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(guide_snippet("python"), str(GUIDE), "exec"), namespace)  # noqa: S102
    return namespace["open_webhook"]


@pytest.fixture
def receiver(settings: Any) -> Iterator[LocalServer]:
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    with local_server() as server:
        yield server


def delivered_order_event(
    masters: Masters, admin: Any, receiver: LocalServer, secret: str, encryption_key: str | None
) -> tuple[ReceivedRequest, dict[str, Any]]:
    """Push an order and let the relay deliver `order.reserved`; the request and the order."""
    ApiClient(admin[1]).post(
        "/stock/receipts",
        {"site": "WH1", "reference": "guide", "lines": [{"sku": "TEE-RED-M", "quantity": 5}]},
    )
    partner = connect_app(
        masters.org_unit,
        admin[0],
        webhook_url=receiver.url,
        secret=secret,
        encryption_key=encryption_key,
    ).client()
    pushed = partner.post("/orders", order_body())
    assert pushed.status == 201, pushed.body
    event_id = Event.objects.get(type="order.reserved").event_id

    def arrived() -> list[ReceivedRequest]:
        return [r for r in receiver.requests if r.headers["webhook-id"] == event_id]

    with running_relay():
        wait_until(lambda: bool(arrived()), what="order.reserved arrives")
    return arrived()[0], partner.get("/orders/BT-100045").body


CASES = [(SECRET, ENCRYPTION_KEY), (PLAIN_SECRET, None)]
IDS = ["whsec-encrypted", "plain-secret-json"]


@pytest.mark.parametrize(("secret", "encryption_key"), CASES, ids=IDS)
def test_python_snippet_opens_a_real_delivery(
    masters: Masters, admin: Any, receiver: LocalServer, secret: str, encryption_key: str | None
) -> None:
    request, order = delivered_order_event(masters, admin, receiver, secret, encryption_key)
    open_webhook = python_open_webhook()

    event = open_webhook(request.body, request.headers, secret, encryption_key)

    assert event["type"] == "order.reserved"
    assert event["id"] == request.headers["webhook-id"]
    assert event["data"] == order
    with pytest.raises(WebhookVerificationError, match=r"(?i)signature"):
        open_webhook(request.body + b" ", request.headers, secret, encryption_key)


def _node_modules() -> Path:
    """The two npm packages the snippet names, installed once per machine for the tests."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "omslink-guide-node"
    if not (cache / "node_modules" / "jose").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(cache),
                *NODE_PACKAGES,
            ],
            check=True,
            timeout=300,
        )
    return cache / "node_modules"


@pytest.mark.skipif(
    not (shutil.which("node") and shutil.which("npm")),
    reason="Node.js is not installed; the guide's Node snippet cannot be run here",
)
@pytest.mark.parametrize(("secret", "encryption_key"), CASES, ids=IDS)
def test_node_snippet_opens_a_real_delivery(
    masters: Masters,
    admin: Any,
    receiver: LocalServer,
    secret: str,
    encryption_key: str | None,
    tmp_path: Path,
) -> None:
    request, order = delivered_order_event(masters, admin, receiver, secret, encryption_key)
    # import() resolves packages from the script's folder upwards, not from NODE_PATH.
    (tmp_path / "node_modules").symlink_to(_node_modules(), target_is_directory=True)
    (tmp_path / "guide.js").write_text(guide_snippet("node"))
    (tmp_path / "run.js").write_text(
        "const { openWebhook } = require('./guide.js');\n"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "openWebhook(Buffer.from(input.body, 'base64'), input.headers, input.secret, input.key)\n"
        "  .then((event) => process.stdout.write(JSON.stringify(event)))\n"
        "  .catch((error) => { console.error(String(error)); process.exit(3); });\n"
    )

    def run(body: bytes) -> subprocess.CompletedProcess[str]:
        payload = {
            "body": base64.b64encode(body).decode(),
            "headers": request.headers,
            "secret": secret,
            "key": encryption_key,
        }
        return subprocess.run(
            ["node", str(tmp_path / "run.js")],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    opened = run(request.body)
    assert opened.returncode == 0, opened.stderr
    event = json.loads(opened.stdout)
    assert event["id"] == request.headers["webhook-id"]
    assert event["data"] == order
    refused = run(request.body + b" ")
    assert refused.returncode == 3
    assert "signature" in refused.stderr.lower()


@pytest.mark.skipif(
    not (shutil.which("java") and shutil.which("javac")),
    reason="no JDK is installed; the guide's Java snippet cannot be compiled here",
)
@pytest.mark.parametrize(("secret", "encryption_key"), CASES, ids=IDS)
def test_java_snippet_opens_a_real_delivery(
    masters: Masters,
    admin: Any,
    receiver: LocalServer,
    secret: str,
    encryption_key: str | None,
    tmp_path: Path,
) -> None:
    request, order = delivered_order_event(masters, admin, receiver, secret, encryption_key)
    (tmp_path / "OmslinkWebhook.java").write_text(guide_snippet("java"))
    (tmp_path / "Run.java").write_text(
        "import java.nio.file.*; import java.util.*;\n"
        "public final class Run { public static void main(String[] a) throws Exception {\n"
        "  Map<String, String> h = new HashMap<>();\n"
        "  for (int i = 3; i + 1 < a.length; i += 2) h.put(a[i], a[i + 1]);\n"
        "  try { System.out.print(OmslinkWebhook.open(Files.readAllBytes(Path.of(a[0])), h,\n"
        "        a[1], a[2].isEmpty() ? null : a[2]));\n"
        "  } catch (SecurityException e) { System.err.println(e.getMessage()); System.exit(3); }\n"
        "} }\n"
    )
    compiled = subprocess.run(
        ["javac", "-d", str(tmp_path), *map(str, tmp_path.glob("*.java"))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stderr
    headers = [part for name, value in request.headers.items() for part in (name, value)]

    def run(body: bytes) -> subprocess.CompletedProcess[str]:
        (tmp_path / "body").write_bytes(body)
        return subprocess.run(
            [
                "java",
                "-cp",
                str(tmp_path),
                "Run",
                str(tmp_path / "body"),
                secret,
                encryption_key or "",
                *headers,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    opened = run(request.body)
    assert opened.returncode == 0, opened.stderr
    event = json.loads(opened.stdout)
    assert event["id"] == request.headers["webhook-id"]
    assert event["data"] == order
    refused = run(request.body + b" ")
    assert refused.returncode == 3
    assert "signature" in refused.stderr.lower()
