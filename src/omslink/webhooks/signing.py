"""Sign (and optionally encrypt) one webhook request, per Standard Webhooks (CONTRACT §7).

The OMS app's test ping and every relay attempt go through `seal_webhook`, so a receiver that
accepts the ping accepts every later delivery.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from joserfc import jwe
from joserfc.jwk import OctKey
from standardwebhooks.webhooks import Webhook

WHSEC_PREFIX = "whsec_"
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 256
ENCRYPTION_KEY_BYTES = 32
JWE_HEADER = {"alg": "dir", "enc": "A256GCM", "cty": "application/json"}


@dataclass(frozen=True)
class SealedWebhook:
    body: bytes
    headers: dict[str, str]


def webhook_secret_bytes(secret: str) -> bytes:
    """The HMAC key a secret stands for: decoded `whsec_` base64, else its UTF-8 bytes."""
    if len(secret) > MAX_SECRET_LENGTH:
        raise ValueError(f"must be at most {MAX_SECRET_LENGTH} characters")
    if secret.startswith(WHSEC_PREFIX):
        encoded = secret[len(WHSEC_PREFIX) :]
        try:
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("a whsec_ secret must be followed by base64") from exc
        if len(key) < MIN_SECRET_LENGTH:
            raise ValueError(f"a whsec_ secret must decode to at least {MIN_SECRET_LENGTH} bytes")
        return key
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
    return secret.encode("utf-8")


def encryption_key_bytes(key: str) -> bytes:
    """Decode a 32-byte key written in base64 or base64url, padded or not."""
    normalised = key.strip().replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(normalised + "=" * (-len(normalised) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be base64 or base64url") from exc
    if len(raw) != ENCRYPTION_KEY_BYTES:
        raise ValueError(f"must decode to exactly {ENCRYPTION_KEY_BYTES} bytes (A256GCM)")
    return raw


def event_body(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


# A relay seals every attempt with one of a few apps' keys: decode and import each once. A
# changed key is a different string, so nothing stale is ever used; bad keys are not cached.
@lru_cache(maxsize=256)
def _content_key(encryption_key: str) -> OctKey:
    return OctKey.import_key(encryption_key_bytes(encryption_key))


@lru_cache(maxsize=256)
def _signer(secret: str) -> Webhook:
    return Webhook(webhook_secret_bytes(secret))


def seal_webhook(
    *,
    webhook_id: str,
    payload: dict[str, Any],
    secret: str,
    encryption_key: str | None,
    at: datetime,
) -> SealedWebhook:
    """Build the body and headers of one attempt; the signature covers the exact body sent."""
    text = event_body(payload)
    content_type = "application/json"
    if encryption_key:
        text = jwe.encrypt_compact(JWE_HEADER, text.encode("utf-8"), _content_key(encryption_key))
        content_type = "application/jose"
    # The library replaces tzinfo rather than converting, so hand it UTC.
    at = at.astimezone(UTC)
    signature = _signer(secret).sign(webhook_id, at, text)
    return SealedWebhook(
        body=text.encode("utf-8"),
        headers={
            "content-type": content_type,
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature,
        },
    )
