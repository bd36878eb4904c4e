"""Abandoning with a relay running: the next event of the key goes out, in order, and an
attempt on the wire never ends up both delivered and abandoned."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.connected_apps.services import oms_app_enable
from omslink.core.errors import InvalidTransition
from omslink.oms_simulator.server import OmsSimulator, Reply
from omslink.webhooks.delivery_claims import (
    AttemptOutcome,
    RecordedAttempt,
    attempts_record,
    deliveries_claim,
)
from omslink.webhooks.models import Delivery, DeliveryAttempt
from omslink.webhooks.services import delivery_abandon
from tests.conftest import Masters, connect_app
from tests.webhooks.harness import (
    ENCRYPTION_KEY,
    SECRET,
    publish,
    running_relay,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "order:SO-000007"


@pytest.fixture(autouse=True)
def _private_targets(settings: Any) -> None:
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True


def _arrivals(receiver: OmsSimulator) -> list[tuple[int, bool]]:
    return [(r.event["sequence"], r.accepted) for r in receiver.inbox.received()]


def test_abandoning_a_failed_head_lets_the_rest_of_its_key_go_in_order(
    masters: Masters, app: OmsApp, receiver: OmsSimulator, admin: Any
) -> None:
    receiver.responder = lambda event, arrival: (
        Reply(status=500) if event["sequence"] == 1 else Reply()
    )
    publish(masters.org_unit, KEY, 3, apps=[app])
    with running_relay():
        wait_until(
            lambda: Delivery.objects.filter(sequence=1, status="failed").exists(),
            what="the head failed",
        )
        time.sleep(0.5)  # time enough for a relay that ignored the failed head to send #2
        blocked = _arrivals(receiver)
        assert blocked and set(blocked) == {(1, False)}, "the failed head blocks its key"
        delivery_abandon(delivery=Delivery.objects.get(sequence=1), user=admin[0])
        wait_until(
            lambda: Delivery.objects.filter(status="succeeded").count() == 2,
            what="the two events behind the abandoned one delivered",
        )
    assert _arrivals(receiver) == [*blocked, (2, True), (3, True)]
    assert list(Delivery.objects.order_by("sequence").values_list("status", flat=True)) == [
        "abandoned",
        "succeeded",
        "succeeded",
    ]


def test_a_held_head_abandoned_is_never_sent_and_the_rest_follow_once_enabled(
    masters: Masters, receiver: OmsSimulator, admin: Any
) -> None:
    app = connect_app(
        masters.org_unit,
        admin[0],
        webhook_url=receiver.webhook_url,
        secret=SECRET,
        encryption_key=ENCRYPTION_KEY,
        enabled=False,
    ).app
    publish(masters.org_unit, KEY, 3, apps=[app])
    delivery_abandon(delivery=Delivery.objects.get(sequence=1), user=admin[0])
    with running_relay():
        oms_app_enable(oms_app=app, by=admin[0])
        wait_until(
            lambda: Delivery.objects.filter(status="succeeded").count() == 2,
            what="the held events behind the abandoned one delivered",
        )
    assert _arrivals(receiver) == [(2, True), (3, True)]
    assert not DeliveryAttempt.objects.filter(delivery__sequence=1).exists()


def _claimed_then_disabled(masters: Masters, app: OmsApp, key: str, *, lease_left: float) -> Any:
    """A delivery a relay is sending when its app is disabled; its lease has `lease_left` s."""
    publish(masters.org_unit, key, 1, apps=[app])
    OmsApp.objects.filter(pk=app.pk).update(enabled=True)
    [job] = deliveries_claim(limit=1, lease_seconds=30)
    OmsApp.objects.filter(pk=app.pk).update(enabled=False)
    Delivery.objects.filter(pk=job.delivery_id).update(
        lease_expires_at=timezone.now() + timedelta(seconds=lease_left)
    )
    return job


def _race_record_and_abandon(job: Any, user: Any) -> tuple[RecordedAttempt, bool]:
    """The relay records a 200 while a user abandons the delivery, released together."""
    start = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def record() -> None:
        try:
            start.wait()
            [outcomes["record"]] = attempts_record(
                attempts=[
                    (
                        job,
                        AttemptOutcome(
                            attempted_at=timezone.now(),
                            latency_ms=5,
                            request_headers={},
                            status_code=200,
                        ),
                    )
                ],
                schedule=(0.05,),
                lease_seconds=30,
                claim_next=True,
            )
        finally:
            connection.close()

    def abandon() -> None:
        try:
            start.wait()
            delivery_abandon(delivery=Delivery.objects.get(pk=job.delivery_id), user=user)
            outcomes["abandoned"] = True
        except InvalidTransition:
            outcomes["abandoned"] = False
        finally:
            connection.close()

    threads = [threading.Thread(target=record), threading.Thread(target=abandon)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes["record"], outcomes["abandoned"]


@pytest.mark.parametrize(
    ("lease_left", "abandon_can_win"),
    [(-1.0, True), (30.0, False)],
    ids=["lease-ran-out", "lease-live"],
)
def test_an_attempt_being_recorded_and_an_abandon_never_both_win(
    masters: Masters, admin: Any, lease_left: float, abandon_can_win: bool
) -> None:
    app = connect_app(masters.org_unit, admin[0], enabled=False).app
    winners = set()
    for round_number in range(8):
        job = _claimed_then_disabled(masters, app, f"order:R{round_number}", lease_left=lease_left)
        recorded, abandoned = _race_record_and_abandon(job, admin[0])
        delivery = Delivery.objects.get(pk=job.delivery_id)
        # The attempt happened, so it is in the log whoever won.
        assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 1
        if abandoned:
            assert recorded.status is None and recorded.next_job is None
            assert (delivery.status, delivery.delivered_at) == ("abandoned", None)
            assert delivery.abandoned_at is not None
            winners.add("abandon")
        else:
            assert recorded.status == "succeeded"
            assert (delivery.status, delivery.abandoned_at) == ("succeeded", None)
            assert delivery.delivered_at is not None
            winners.add("record")
    if not abandon_can_win:
        assert winners == {"record"}, "a live lease means the delivery is on the wire"
