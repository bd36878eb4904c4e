"""The two connection tests of an OMS app: a signed ping to its webhook, a call to our ping.

Each makes one request through the guarded client, never retries, and never runs inside a
database transaction. The outcome is reported, not raised: a failed test is an answer.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils import timezone

from omslink.connected_apps.validation import ApiSettings, WebhookSettings
from omslink.core.json_format import iso_timestamp
from omslink.core.outbound_http import describe_failure, guarded_client
from omslink.core.transactions import refuse_inside_transaction
from omslink.webhooks.event_ids import new_event_id
from omslink.webhooks.event_types import EventType
from omslink.webhooks.signing import seal_webhook

logger = logging.getLogger(__name__)

PING_PATH = "/api/v1/ping"
MAX_ANSWER_BYTES = 64 * 1024
MAX_QUOTED_MESSAGE = 200


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    status_code: int | None = None
    latency_ms: int | None = None
    error: str | None = None


class _TooSlow(Exception):
    pass


# InvalidURL is not an HTTPError; ValueError covers a header value that is not ASCII.
_REQUEST_FAILURES = (httpx.HTTPError, httpx.InvalidURL, _TooSlow, ValueError)


def ping_event(*, org_unit: str | None) -> dict[str, object]:
    """A `ping` in the envelope every webhook uses; its own ordering key, so it never
    interleaves with an order's sequence at a receiver that checks them."""
    event_id = new_event_id()
    return {
        "id": event_id,
        "type": EventType.PING.value,
        "created_at": iso_timestamp(timezone.now()),
        "org_unit": org_unit,
        "ordering_key": f"ping:{event_id}",
        "sequence": 1,
        "data": {"message": "omslink connection test; no action is needed"},
    }


def _one_request(
    method: str, url: str, *, headers: dict[str, str], content: bytes | None = None
) -> tuple[httpx.Response, bytes, int]:
    """One request with a deadline on the whole exchange, reading at most a small answer."""
    refuse_inside_transaction("a connection test")
    timeout = settings.OMSLINK_WEBHOOK_TIMEOUT
    started = time.monotonic()
    with (
        guarded_client(timeout=timeout) as client,
        client.stream(method, url, headers=headers, content=content) as response,
    ):
        body = b""
        for chunk in response.iter_bytes():
            if time.monotonic() - started > timeout:
                raise _TooSlow
            body += chunk
            if len(body) >= MAX_ANSWER_BYTES:
                break
    return response, body[:MAX_ANSWER_BYTES], round((time.monotonic() - started) * 1000)


def _redirect_error(response: httpx.Response) -> str:
    return (
        f"answered {response.status_code}, a redirect; redirects are not followed, "
        "so enter the URL it points to"
    )


def _quoted_error_message(body: bytes, *, never_repeat: str) -> str:
    """The message of an omslink-style error answer, shortened and printable, if there is one.

    A hostile server could echo the key it was sent; that text is blanked out.
    """
    try:
        message = json.loads(body)["error"]["message"]
    except (ValueError, TypeError, KeyError):
        return ""
    if not isinstance(message, str):
        return ""
    printable = "".join(char for char in message if char.isprintable())
    return f": {printable.replace(never_repeat, '…')[:MAX_QUOTED_MESSAGE]}"


def _failure(exc: Exception, *, host: str | None) -> ConnectionTestResult:
    if isinstance(exc, _TooSlow):
        error = f"timed out after {settings.OMSLINK_WEBHOOK_TIMEOUT:g} seconds"
    elif isinstance(exc, httpx.HTTPError):
        error = describe_failure(exc)
    else:
        error = f"the URL cannot be requested ({type(exc).__name__})"
    logger.info("connection test to %s failed: %s", host, error)
    return ConnectionTestResult(ok=False, error=error)


def webhook_connection_test(
    webhook: WebhookSettings, *, org_unit: str | None
) -> ConnectionTestResult:
    """Send one signed (and, with a key, encrypted) ping; any 2xx is success."""
    event = ping_event(org_unit=org_unit)
    sealed = seal_webhook(
        webhook_id=str(event["id"]),
        payload=event,
        secret=webhook.secret,
        encryption_key=webhook.encryption_key,
        at=timezone.now(),
    )
    host = urlsplit(webhook.url).hostname
    try:
        response, _, latency_ms = _one_request(
            "POST", webhook.url, headers=sealed.headers, content=sealed.body
        )
    except _REQUEST_FAILURES as exc:
        return _failure(exc, host=host)
    code = response.status_code
    logger.info("webhook test to %s answered %s", host, code)
    if 200 <= code < 300:
        return ConnectionTestResult(ok=True, status_code=code, latency_ms=latency_ms)
    error = _redirect_error(response) if 300 <= code < 400 else f"answered HTTP {code}"
    return ConnectionTestResult(ok=False, status_code=code, latency_ms=latency_ms, error=error)


def api_connection_test(api: ApiSettings, *, org_unit: str) -> ConnectionTestResult:
    """Call `{api_url}/api/v1/ping` with the key; success is a 200 naming this same OU."""
    host = urlsplit(api.base_url).hostname
    try:
        response, body, latency_ms = _one_request(
            "GET",
            api.base_url + PING_PATH,
            headers={"Authorization": f"Bearer {api.key}", "Accept": "application/json"},
        )
    except _REQUEST_FAILURES as exc:
        return _failure(exc, host=host)
    code = response.status_code
    logger.info("API test to %s answered %s", host, code)

    def failed(error: str) -> ConnectionTestResult:
        return ConnectionTestResult(ok=False, status_code=code, latency_ms=latency_ms, error=error)

    if 300 <= code < 400:
        return failed(_redirect_error(response))
    if code != 200:
        quoted = _quoted_error_message(body, never_repeat=api.key)
        return failed(f"answered HTTP {code}{quoted}")
    try:
        answered_for = json.loads(body).get("org_unit")
    except (ValueError, AttributeError):
        return failed("answered 200 but not with an omslink ping")
    if answered_for != org_unit:
        shown = answered_for if isinstance(answered_for, str) else "no org unit"
        return failed(f"the key belongs to {shown[:40]}, not to {org_unit}")
    return ConnectionTestResult(ok=True, status_code=code, latency_ms=latency_ms)
