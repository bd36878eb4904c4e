"""The relay end to end: a real receiver verifying every request, the relay in this process.

The receiver is the bundled OMS simulator: `standardwebhooks` verifies each request and
`joserfc` decrypts it; a request that fails either is counted as rejected, and every test
checks none was.
"""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from omslink.connected_apps.models import OmsApp
from omslink.connected_apps.services import oms_app_disable, oms_app_enable
from omslink.inventory.schemas import ReceiptIn, StockLineIn
from omslink.inventory.services import stock_receipt_create
from omslink.oms_simulator.server import OmsSimulator, Reply
from omslink.webhooks.event_types import EventType
from omslink.webhooks.models import Delivery, DeliveryAttempt
from omslink.webhooks.services import event_publish
from tests.conftest import ApiClient, Masters, connect_app
from tests.orders.bodies import order_body
from tests.webhooks.harness import (
    ENCRYPTION_KEY,
    SECRET,
    assert_duplicates_identical,
    assert_in_order_without_gaps,
    fail_first,
    publish,
    receiver_config,
    running_relay,
    wait_until,
    wait_until_idle,
)

pytestmark = pytest.mark.django_db(transaction=True)

KEYS = ("order:SO-000001", "order:SO-000002", "order:SO-000003")


@pytest.fixture(autouse=True)
def _private_targets(settings: Any) -> None:
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True


def _delivered(count: int) -> bool:
    return Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).count() == count


@pytest.mark.parametrize(
    ("secret", "encryption_key"),
    [(SECRET, ENCRYPTION_KEY), ("a plain secret of some length", None)],
    ids=["whsec-encrypted", "plain-secret-json"],
)
def test_every_event_arrives_signed_and_in_order(
    masters: Masters, admin: Any, secret: str, encryption_key: str | None
) -> None:
    receiver = OmsSimulator(
        receiver_config(secret=secret, encryption_key=encryption_key), port=0
    ).start()
    try:
        app = connect_app(
            masters.org_unit,
            admin[0],
            webhook_url=receiver.webhook_url,
            secret=secret,
            encryption_key=encryption_key,
        ).app
        for key in KEYS:
            publish(masters.org_unit, key, 4, apps=[app])
        with running_relay():
            wait_until(
                lambda: len(receiver.inbox.accepted_events()) == 12, what="12 events accepted"
            )
        assert_in_order_without_gaps(receiver.inbox, dict.fromkeys(KEYS, 4))
        assert {r.encrypted for r in receiver.inbox.received()} == {encryption_key is not None}
        assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}
    finally:
        receiver.stop()


@pytest.mark.parametrize(
    ("failing", "error"),
    [
        (fail_first(2, Reply(status=500, body=b"database down")), "HTTP 500"),
        (fail_first(1, Reply(status=503, delay_seconds=2.5)), "timed out after 1 s"),
        (fail_first(1, Reply(status=429, headers={"Retry-After": "1"})), "HTTP 429"),
        (
            fail_first(1, Reply(status=302, headers={"Location": "http://127.0.0.1:9/x"})),
            "redirects are not followed (HTTP 302 to http://127.0.0.1:9/x)",
        ),
    ],
    ids=["500", "timeout", "429-retry-after", "redirect"],
)
def test_failing_receiver_delays_events_but_never_reorders_them(
    masters: Masters,
    app: OmsApp,
    receiver: OmsSimulator,
    settings: Any,
    failing: Any,
    error: str,
) -> None:
    settings.OMSLINK_WEBHOOK_TIMEOUT = 1.0
    receiver.responder = failing
    for key in KEYS:
        publish(masters.org_unit, key, 3, apps=[app])
    with running_relay():
        wait_until(lambda: _delivered(9), what="all 9 deliveries succeeded")
    assert_in_order_without_gaps(receiver.inbox, dict.fromkeys(KEYS, 3))
    assert_duplicates_identical(receiver.inbox)
    for delivery in Delivery.objects.prefetch_related("attempts").select_related("event"):
        *failed, last = list(delivery.attempts.all())
        assert failed and all(attempt.error == error for attempt in failed)
        assert last.status_code == 200 and last.error == ""
        for attempt in delivery.attempts.all():
            # One webhook-id for the event, a timestamp of its own for every attempt.
            assert attempt.request_headers["webhook-id"] == delivery.event.event_id
            assert attempt.request_headers["webhook-timestamp"] == str(
                int(attempt.attempted_at.timestamp())
            )
        if error == "HTTP 500":
            assert failed[0].response_body == "database down"
        if error == "HTTP 429":
            # Retry-After: 1 was honoured, not the 0.05 s the schedule says.
            assert last.attempted_at - failed[0].attempted_at >= timedelta(seconds=1)


def test_refused_connections_are_retried_until_the_receiver_listens(
    masters: Masters, admin: Any, settings: Any
) -> None:
    settings.OMSLINK_WEBHOOK_RETRY_SCHEDULE = (0.1,) * 50
    with socket.socket() as probe:  # a port nobody listens on, for now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = connect_app(
        masters.org_unit,
        admin[0],
        webhook_url=f"http://127.0.0.1:{port}/webhooks",
        secret=SECRET,
        encryption_key=ENCRYPTION_KEY,
    ).app
    for key in KEYS[:2]:
        publish(masters.org_unit, key, 3, apps=[app])
    with running_relay():
        wait_until(
            lambda: DeliveryAttempt.objects.filter(error__icontains="refused").exists(),
            what="an attempt refused by the closed port",
        )
        receiver = OmsSimulator(receiver_config(port=port)).start()
        try:
            wait_until(lambda: _delivered(6), what="all 6 deliveries succeeded")
        finally:
            receiver.stop()
    assert_in_order_without_gaps(receiver.inbox, dict.fromkeys(KEYS[:2], 3))


def test_ssrf_rule_is_checked_again_at_send_time(
    masters: Masters, app: OmsApp, receiver: OmsSimulator, settings: Any
) -> None:
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    publish(masters.org_unit, KEYS[0], 1, apps=[app])
    with running_relay():
        wait_until(lambda: DeliveryAttempt.objects.exists(), what="one attempt recorded")
    attempt = DeliveryAttempt.objects.get()
    assert "non-public addresses are refused" in attempt.error
    assert attempt.status_code is None
    # The attempt is recorded only after the request ended: had it been sent, it was received.
    assert receiver.inbox.received() == []


def test_disabled_app_receives_nothing_until_enabled_then_everything_in_order(
    masters: Masters, admin: Any, app: OmsApp, receiver: OmsSimulator
) -> None:
    other = connect_app(
        masters.other_org_unit,
        admin[0],
        webhook_url=receiver.webhook_url,
        secret=SECRET,
        encryption_key=ENCRYPTION_KEY,
    ).app
    oms_app_disable(oms_app=app, by=admin[0])
    for key in KEYS:
        publish(masters.org_unit, key, 3, apps=[app])
    publish(masters.other_org_unit, "order:SO-OU2", 2, apps=[other])
    # On PostgreSQL a relay polling once a minute sees the app enabled only if enabling wakes it.
    postgres = connection.vendor == "postgresql"
    with running_relay(poll_seconds=60.0 if postgres else None) as relay:
        # The other OU's events prove the relay was at work while OU1's app was disabled.
        wait_until(lambda: _delivered(2), what="the enabled app's two deliveries")
        if postgres:
            wait_until_idle(relay)
        held = Delivery.objects.filter(app=app)
        assert set(held.values_list("status", "attempt_count")) == {("pending", 0)}
        assert {r.event["org_unit"] for r in receiver.inbox.received()} == {"OU2"}
        oms_app_enable(oms_app=app, by=admin[0])
        wait_until(lambda: _delivered(11), what="the held deliveries after enabling")
    assert_in_order_without_gaps(receiver.inbox, {**dict.fromkeys(KEYS, 3), "order:SO-OU2": 2})


def test_failed_delivery_blocks_its_key_until_retried_by_hand(
    masters: Masters, app: OmsApp, receiver: OmsSimulator, api: ApiClient
) -> None:
    broken = {"key": KEYS[0]}

    def fail_while_broken(event: dict[str, Any], arrival: int) -> Reply:
        return Reply(status=500) if event["ordering_key"] == broken["key"] else Reply()

    receiver.responder = fail_while_broken
    publish(masters.org_unit, KEYS[0], 3, apps=[app])
    publish(masters.org_unit, KEYS[1], 2, apps=[app])
    with running_relay():
        wait_until(
            lambda: Delivery.objects.filter(status="failed").exists(),
            what="the first delivery of the broken key failed",
        )
        wait_until(lambda: _delivered(2), what="the healthy key's deliveries")
        failed = Delivery.objects.get(status="failed")
        assert (failed.ordering_key, failed.sequence) == (KEYS[0], 1)
        listed = api.get("/webhook-deliveries?status=failed")
        assert [d["id"] for d in listed.body["items"]] == [failed.pk]
        # The schedule has three pauses, so four attempts, all answered 500.
        assert [a["status_code"] for a in listed.body["items"][0]["attempts"]] == [500] * 4
        behind = api.get(f"/webhook-deliveries?app={app.pk}&status=pending").body["items"]
        assert {(d["sequence"], d["blocked_by"]) for d in behind} == {
            (2, failed.pk),
            (3, failed.pk),
        }
        assert all(d["attempts"] == [] for d in behind)

        broken["key"] = ""
        retried = api.post(f"/webhook-deliveries/{failed.pk}/retry")
        assert retried.status == 200 and retried.body["status"] == "pending"
        wait_until(lambda: _delivered(5), what="the retried delivery and the two behind it")
    assert_in_order_without_gaps(receiver.inbox, {KEYS[0]: 3, KEYS[1]: 2})
    assert Delivery.objects.get(pk=failed.pk).attempt_count == 5


def test_stopping_hands_back_what_is_still_on_the_wire(
    masters: Masters, app: OmsApp, receiver: OmsSimulator
) -> None:
    receiver.responder = lambda event, arrival: Reply(delay_seconds=3)
    publish(masters.org_unit, KEYS[0], 2, apps=[app])
    with running_relay(stop_grace_seconds=0.1):
        wait_until(lambda: len(receiver.inbox.received()) == 1, what="the first request sent")
    # Abandoned mid-request: no answer to record, and no lease left to wait for.
    assert set(Delivery.objects.values_list("status", "attempt_count", "claim_token")) == {
        ("pending", 0, "")
    }
    assert not DeliveryAttempt.objects.exists()


def test_change_that_rolls_back_sends_nothing(
    masters: Masters, app: OmsApp, receiver: OmsSimulator
) -> None:
    class ChangeFailed(Exception):
        pass

    def change_that_fails() -> None:
        with transaction.atomic():
            event_publish(
                org_unit=masters.org_unit,
                type=EventType.ORDER_RESERVED,
                ordering_key=KEYS[0],
                data={"note": "rolled back"},
                apps=[app],
            )
            raise ChangeFailed

    with pytest.raises(ChangeFailed):
        change_that_fails()
    with transaction.atomic():
        event_publish(
            org_unit=masters.org_unit,
            type=EventType.ORDER_RESERVED,
            ordering_key=KEYS[0],
            data={"note": "committed"},
            apps=[app],
        )
    with running_relay():
        wait_until(lambda: _delivered(1), what="the committed event delivered")
    assert [(e["sequence"], e["data"]) for e in receiver.inbox.accepted_events()] == [
        (1, {"note": "committed"})
    ]
    assert len(receiver.inbox.received()) == 1


def test_idle_relay_is_woken_by_a_commit(
    masters: Masters, app: OmsApp, receiver: OmsSimulator
) -> None:
    """On PostgreSQL nothing but the NOTIFY can wake a relay that polls once a minute.

    (On SQLite the relay polls every 100 ms, so it is never idle for long.)
    """
    postgres = connection.vendor == "postgresql"
    with running_relay(poll_seconds=60.0 if postgres else None) as relay:
        if postgres:
            wait_until_idle(relay)
        publish(masters.org_unit, KEYS[0], 2, apps=[app])
        wait_until(lambda: _delivered(2), what="both events delivered")
    assert_in_order_without_gaps(receiver.inbox, {KEYS[0]: 2})


def test_attempt_keeps_headers_and_response_prefix_and_never_a_secret(
    masters: Masters, app: OmsApp, receiver: OmsSimulator, api: ApiClient
) -> None:
    receiver.responder = lambda event, arrival: Reply(body=b"\x00\xff" + b"x" * 10_000)
    publish(masters.org_unit, KEYS[0], 1, apps=[app])
    with running_relay():
        wait_until(lambda: _delivered(1), what="the delivery")
    answer = api.get("/webhook-deliveries")
    attempt = answer.body["items"][0]["attempts"][0]
    assert attempt["response_body"] == "\ufffd\ufffd" + "x" * 2046
    headers = attempt["request_headers"]
    assert headers["content-type"] == "application/jose"
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["webhook-id"] == answer.body["items"][0]["event_id"]
    text = json.dumps(answer.body)
    for secret in (SECRET, SECRET.removeprefix("whsec_"), ENCRYPTION_KEY):
        assert secret not in text


def test_stock_changes_within_the_window_become_one_event(
    masters: Masters, admin: Any, app: OmsApp, receiver: OmsSimulator
) -> None:
    for quantity in (5, 7, 11):
        stock_receipt_create(
            user=admin[0],
            payload=ReceiptIn(
                site="WH1",
                reference=f"GRN-{quantity}",
                lines=[StockLineIn(sku="TEE-RED-M", quantity=quantity)],
            ),
        )
    stock_receipt_create(
        user=admin[0],
        payload=ReceiptIn(
            site="WH1", reference="GRN-J", lines=[StockLineIn(sku="JKT-BLK-M", quantity=2)]
        ),
    )
    stock_receipt_create(
        user=admin[0],
        payload=ReceiptIn(
            site="WH2", reference="GRN-W", lines=[StockLineIn(sku="CAP-GRY", quantity=9)]
        ),
    )
    with running_relay(merge_window=timedelta(milliseconds=200)):
        wait_until(lambda: _delivered(1), what="one inventory.updated")
        stock_receipt_create(
            user=admin[0],
            payload=ReceiptIn(
                site="WH1", reference="GRN-late", lines=[StockLineIn(sku="TEE-RED-M", quantity=1)]
            ),
        )
        wait_until(lambda: _delivered(2), what="the later change's own event")
    events = receiver.inbox.accepted_events()
    assert [(e["type"], e["ordering_key"], e["sequence"]) for e in events] == [
        ("inventory.updated", "inventory:WH1", 1),
        ("inventory.updated", "inventory:WH1", 2),
    ]
    assert events[0]["data"] == {
        "site": "WH1",
        "items": [{"sku": "JKT-BLK-M", "available": 2}, {"sku": "TEE-RED-M", "available": 23}],
    }
    assert events[1]["data"] == {"site": "WH1", "items": [{"sku": "TEE-RED-M", "available": 24}]}


def test_an_order_pushed_and_cancelled_reaches_the_oms_in_order(
    masters: Masters, admin: Any, receiver: OmsSimulator
) -> None:
    """Through the real partner API: the order's events, then the stock they moved."""
    partner = connect_app(
        masters.org_unit,
        admin[0],
        webhook_url=receiver.webhook_url,
        secret=SECRET,
        encryption_key=ENCRYPTION_KEY,
    )
    stock_receipt_create(
        user=admin[0],
        payload=ReceiptIn(
            site="WH1", reference="GRN-1", lines=[StockLineIn(sku="TEE-RED-M", quantity=10)]
        ),
    )
    client = partner.client()
    pushed = client.post("/orders", order_body("BT-1"))
    assert pushed.status == 201
    assert client.post("/orders/BT-1/cancel", {"reason": "customer changed mind"}).status == 200
    with running_relay(merge_window=timedelta(milliseconds=100)):
        wait_until(
            lambda: (
                Delivery.objects.filter(status="succeeded").count() == Delivery.objects.count() >= 3
            ),
            what="every event of the order delivered",
        )
    events = receiver.inbox.accepted_events()
    order_events = [
        (e["type"], e["sequence"]) for e in events if e["ordering_key"] != "inventory:WH1"
    ]
    assert order_events == [("order.reserved", 1), ("order.cancelled", 2)]
    inventory = [e for e in events if e["type"] == "inventory.updated"]
    assert inventory[-1]["data"] == {
        "site": "WH1",
        "items": [{"sku": "TEE-RED-M", "available": 10}],
    }
    assert_in_order_without_gaps(
        receiver.inbox, {f"order:{pushed.body['id']}": 2, "inventory:WH1": len(inventory)}
    )
