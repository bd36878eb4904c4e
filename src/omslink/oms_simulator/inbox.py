"""Open a webhook as an OMS would: verify with `standardwebhooks`, decrypt with `joserfc`.

Deliberately independent of omslink's own signing code, so what passes here passes at any
receiver that uses the two libraries as their documentation says (CONTRACT §7).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

EXPECTED_JWE_HEADER = {"alg": "dir", "enc": "A256GCM", "cty": "application/json"}
# A long-running demo keeps the latest arrivals only.
MAX_KEPT = 100_000


class WebhookRejected(Exception):
    """The request is not a webhook this receiver can trust or read."""


@dataclass(frozen=True)
class ReceivedWebhook:
    """One verified arrival and the status the receiver answered it with."""

    webhook_id: str
    timestamp: int
    signature: str
    encrypted: bool
    event: dict[str, Any]
    answered: int
    received_at: float

    @property
    def accepted(self) -> bool:
        return 200 <= self.answered < 300


def _verifier(secret: str) -> Webhook:
    # The contract's rule: a whsec_ secret is base64 after its prefix, any other is raw text.
    return Webhook(secret) if secret.startswith("whsec_") else Webhook(secret.encode())


def _key(encryption_key: str) -> OctKey:
    text = encryption_key.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return OctKey.import_key(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the encryption key is not base64") from exc


def open_webhook(
    body: bytes, headers: Mapping[str, str], *, secret: str, encryption_key: str | None
) -> tuple[dict[str, Any], bool]:
    """Return the event and whether it came encrypted, or refuse with the reason."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        _verifier(secret).verify(body, lowered, json_parse=False)
    except (WebhookVerificationError, ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(f"signature check failed: {exc}") from exc
    media_type = lowered.get("content-type", "").split(";")[0].strip().lower()
    encrypted = media_type == "application/jose"
    if encryption_key is not None:
        if not encrypted:
            raise WebhookRejected(
                f"expected an encrypted body (application/jose), got {media_type or 'no type'}"
            )
        try:
            opened = jwe.decrypt_compact(body, _key(encryption_key))
        except (JoseError, ValueError) as exc:
            raise WebhookRejected(f"cannot decrypt: {exc}") from exc
        header = {name: opened.protected.get(name) for name in EXPECTED_JWE_HEADER}
        if header != EXPECTED_JWE_HEADER:
            raise WebhookRejected(f"unexpected JWE header {header}")
        plaintext = opened.plaintext or b""
    elif media_type != "application/json":
        raise WebhookRejected(f"expected application/json, got {media_type or 'no type'}")
    else:
        plaintext = body
    try:
        event = json.loads(plaintext)
    except ValueError as exc:
        raise WebhookRejected("the body is not JSON") from exc
    if not isinstance(event, dict) or event.get("id") != lowered["webhook-id"]:
        raise WebhookRejected("the event id does not match the webhook-id header")
    return event, encrypted


class Inbox:
    """Everything received, in arrival order; safe to share between server threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: deque[ReceivedWebhook] = deque(maxlen=MAX_KEPT)
        self._rejected: deque[str] = deque(maxlen=MAX_KEPT)
        self._arrivals: dict[str, int] = {}

    def arrival_number(self, webhook_id: str) -> int:
        """Count this arrival of a webhook-id (1 for the first), for scripted failures."""
        with self._lock:
            self._arrivals[webhook_id] = self._arrivals.get(webhook_id, 0) + 1
            return self._arrivals[webhook_id]

    def record(
        self, event: dict[str, Any], headers: Mapping[str, str], *, encrypted: bool, answered: int
    ) -> None:
        lowered = {name.lower(): value for name, value in headers.items()}
        received = ReceivedWebhook(
            webhook_id=lowered["webhook-id"],
            timestamp=int(lowered["webhook-timestamp"]),
            signature=lowered["webhook-signature"],
            encrypted=encrypted,
            event=event,
            answered=answered,
            received_at=time.time(),
        )
        with self._lock:
            self._received.append(received)

    def reject(self, reason: str) -> None:
        with self._lock:
            self._rejected.append(reason)

    def received(self) -> list[ReceivedWebhook]:
        with self._lock:
            return list(self._received)

    def rejected(self) -> list[str]:
        with self._lock:
            return list(self._rejected)

    def accepted_events(self) -> list[dict[str, Any]]:
        """Each event once, in the order it was first accepted: what an OMS acts on."""
        seen: set[str] = set()
        events = []
        for received in self.received():
            if received.accepted and received.webhook_id not in seen:
                seen.add(received.webhook_id)
                events.append(received.event)
        return events
