"""The simulator opens webhooks as any OMS would: standardwebhooks verifies, joserfc decrypts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from joserfc import jwe
from joserfc.jwk import OctKey
from standardwebhooks.webhooks import Webhook

from omslink.oms_simulator.inbox import Inbox, WebhookRejected, open_webhook
from omslink.webhooks.signing import encryption_key_bytes, seal_webhook
from tests.webhooks.harness import ENCRYPTION_KEY, SECRET

EVENT = {
    "id": "evt_1",
    "type": "order.reserved",
    "ordering_key": "order:SO-1",
    "sequence": 1,
    "data": {"status": "reserved"},
}
OTHER_KEY = "A" * 43


def _sealed(
    *,
    secret: str = SECRET,
    encryption_key: str | None = ENCRYPTION_KEY,
    payload: dict[str, Any] = EVENT,
    webhook_id: str = "evt_1",
    age: timedelta = timedelta(0),
) -> tuple[bytes, dict[str, str]]:
    sealed = seal_webhook(
        webhook_id=webhook_id,
        payload=payload,
        secret=secret,
        encryption_key=encryption_key,
        at=timezone.now() - age,
    )
    return sealed.body, sealed.headers


@pytest.mark.parametrize(
    ("secret", "encryption_key"),
    [
        (SECRET, ENCRYPTION_KEY),
        (SECRET, None),
        ("sixteen+ chars secret", None),
        ("sixteen+ chars secret", ENCRYPTION_KEY),
    ],
)
def test_every_sealed_webhook_opens(secret: str, encryption_key: str | None) -> None:
    body, headers = _sealed(secret=secret, encryption_key=encryption_key)
    event, encrypted = open_webhook(body, headers, secret=secret, encryption_key=encryption_key)
    assert event == EVENT and encrypted is (encryption_key is not None)


def _tampered_body() -> tuple[bytes, dict[str, str]]:
    body, headers = _sealed(encryption_key=None)
    return body.replace(b"reserved", b"shipped!"), headers


def _without(header: str) -> tuple[bytes, dict[str, str]]:
    body, headers = _sealed()
    return body, {name: value for name, value in headers.items() if name != header}


def _jwe_without_cty() -> tuple[bytes, dict[str, str]]:
    text = jwe.encrypt_compact(
        {"alg": "dir", "enc": "A256GCM"},
        b'{"id": "evt_1"}',
        OctKey.import_key(encryption_key_bytes(ENCRYPTION_KEY)),
    )
    at = timezone.now()
    signature = Webhook(SECRET).sign("evt_1", at, text)
    return text.encode(), {
        "content-type": "application/jose",
        "webhook-id": "evt_1",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


@pytest.mark.parametrize(
    ("build", "encryption_key", "reason"),
    [
        (_tampered_body, None, "signature check failed"),
        (lambda: _sealed(secret="whsec_" + "B" * 32), ENCRYPTION_KEY, "signature check failed"),
        (lambda: _sealed(age=timedelta(minutes=10)), ENCRYPTION_KEY, "signature check failed"),
        (lambda: _without("webhook-signature"), ENCRYPTION_KEY, "signature check failed"),
        (lambda: _without("webhook-id"), ENCRYPTION_KEY, "signature check failed"),
        (lambda: _sealed(encryption_key=None), ENCRYPTION_KEY, "expected an encrypted body"),
        (lambda: _sealed(), None, "expected application/json"),
        (lambda: _sealed(), OTHER_KEY, "cannot decrypt"),
        (lambda: _sealed(webhook_id="evt_2"), ENCRYPTION_KEY, "does not match the webhook-id"),
        (_jwe_without_cty, ENCRYPTION_KEY, "unexpected JWE header"),
    ],
    ids=[
        "tampered",
        "wrong-secret",
        "stale",
        "no-signature",
        "no-id",
        "plain-but-key",
        "encrypted-but-no-key",
        "wrong-key",
        "id-mismatch",
        "jwe-header",
    ],
)
def test_untrustworthy_requests_are_rejected(
    build: Any, encryption_key: str | None, reason: str
) -> None:
    body, headers = build()
    with pytest.raises(WebhookRejected, match=reason):
        open_webhook(body, headers, secret=SECRET, encryption_key=encryption_key)


def test_inbox_counts_arrivals_and_acts_on_each_event_once() -> None:
    inbox = Inbox()
    headers = {"webhook-id": "evt_1", "webhook-timestamp": "1", "webhook-signature": "v1,x"}
    assert [inbox.arrival_number("evt_1") for _ in range(3)] == [1, 2, 3]
    inbox.record(EVENT, headers, encrypted=True, answered=500)
    inbox.record(EVENT, headers, encrypted=True, answered=200)
    inbox.record(EVENT, headers, encrypted=True, answered=204)
    assert inbox.accepted_events() == [EVENT]
    assert [r.accepted for r in inbox.received()] == [False, True, True]
