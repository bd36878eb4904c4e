"""`omslink relay` as real processes: killed mid-batch, and several side by side.

Each relay is a subprocess on this test's database; the receiver is the OMS simulator, which
verifies and decrypts every request.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from django.db import connection

from omslink.connected_apps.models import OmsApp
from omslink.oms_simulator.server import OmsSimulator, Reply
from omslink.webhooks.models import Delivery
from tests.conftest import Masters
from tests.webhooks.harness import (
    assert_duplicates_identical,
    assert_in_order_without_gaps,
    publish,
    relay_process,
    stop_process,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

RESTART_WAIT_SECONDS = 60.0  # on PostgreSQL the killed relay's leases must run out first


def _delivered() -> int:
    return Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).count()


def test_relay_killed_mid_batch_loses_nothing(
    masters: Masters, app: OmsApp, receiver: OmsSimulator, tmp_path: Path
) -> None:
    # A little slow, so a batch is still on its way when the relay is killed.
    receiver.responder = lambda event, arrival: Reply(delay_seconds=0.03)
    keys = [f"order:SO-{number:06d}" for number in range(1, 5)]
    for key in keys:
        publish(masters.org_unit, key, 10, apps=[app])
    log = tmp_path / "relay.log"
    first = relay_process(log, OMSLINK_WEBHOOK_TIMEOUT="2")
    try:
        wait_until(lambda: len(receiver.inbox.received()) >= 8, what="the first relay at work")
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
    finally:
        stop_process(first)
    assert _delivered() < 40, "the relay was meant to die in the middle of the batch"
    second = relay_process(log, OMSLINK_WEBHOOK_TIMEOUT="2")
    try:
        wait_until(
            lambda: _delivered() == 40,
            what="every event after the restart",
            seconds=RESTART_WAIT_SECONDS,
        )
    finally:
        stop_process(second)
    assert second.returncode == 0, log.read_text()
    assert_in_order_without_gaps(receiver.inbox, dict.fromkeys(keys, 10))
    # At least once: whatever came twice came under the same webhook-id, unchanged.
    assert_duplicates_identical(receiver.inbox)
    assert {event["id"] for event in receiver.inbox.accepted_events()} == set(
        Delivery.objects.values_list("event__event_id", flat=True)
    )


def test_several_relays_share_postgresql_and_sqlite_refuses_a_second(
    masters: Masters, app: OmsApp, receiver: OmsSimulator, tmp_path: Path
) -> None:
    postgres = connection.vendor == "postgresql"
    keys = [f"order:SO-{number:06d}" for number in range(1, 7)]
    logs = [tmp_path / f"relay{number}.log" for number in range(3)]
    relays = [relay_process(log) for log in (logs if postgres else logs[:1])]
    try:
        wait_until(
            lambda: all("relay: started" in log.read_text() for log in logs[: len(relays)]),
            what="the relays started",
        )
        if not postgres:
            refused = relay_process(logs[1])
            assert refused.wait(30) == 1
            assert "another relay is already running on this SQLite database" in (
                logs[1].read_text()
            )
        for _ in range(5):
            for key in keys:
                publish(masters.org_unit, key, 3, apps=[app])
        wait_until(lambda: _delivered() == 90, what="all 90 events delivered")
    finally:
        for relay in relays:
            stop_process(relay)
    assert [relay.returncode for relay in relays] == [0] * len(relays)
    assert_in_order_without_gaps(receiver.inbox, dict.fromkeys(keys, 15))
    # Normal operation: no lease ran out, so each event was sent exactly once.
    assert len(receiver.inbox.received()) == 90
