"""Retention of the webhook log with aged rows: what goes, what stays, and what carries on."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.oms_simulator.server import OmsSimulator
from omslink.webhooks.models import Delivery, DeliveryAttempt, Event, EventStream
from omslink.webhooks.retention import webhook_retention_prune
from tests.conftest import Masters, connect_app
from tests.webhooks.harness import publish, running_relay, wait_until

RETENTION = timedelta(days=30)
OLD = timedelta(days=31)
RECENT = timedelta(days=29)


def _age(deliveries: Any, *, status: str, settled_ago: timedelta | None = None) -> None:
    """Move deliveries (and their events) back in time, settled `settled_ago` ago."""
    now = timezone.now()
    ids = list(deliveries.values_list("pk", flat=True))
    Event.objects.filter(deliveries__pk__in=ids).update(created_at=now - timedelta(days=60))
    settled = now - settled_ago if settled_ago is not None else None
    Delivery.objects.filter(pk__in=ids).update(
        status=status,
        delivered_at=settled if status == "succeeded" else None,
        abandoned_at=settled if status == "abandoned" else None,
    )
    for delivery_id in ids:
        DeliveryAttempt.objects.create(
            delivery_id=delivery_id, attempted_at=now - timedelta(days=60), latency_ms=3
        )


def _keys_left() -> set[str]:
    return set(Delivery.objects.values_list("ordering_key", flat=True))


@pytest.mark.django_db
def test_settled_deliveries_go_with_their_attempts_and_unneeded_events(
    masters: Masters, admin: Any, oms: Any
) -> None:
    app = oms.app
    held_app = connect_app(masters.org_unit, admin[0], enabled=False).app
    for key in ("old-ok", "recent-ok", "old-abandoned", "recent-abandoned", "failed", "pending"):
        publish(masters.org_unit, f"order:{key}", 1, apps=[app])
    publish(masters.org_unit, "order:shared", 1, apps=[app, held_app])
    publish(masters.org_unit, "order:no-apps-old", 1, apps=[])
    publish(masters.org_unit, "order:no-apps-recent", 1, apps=[])

    def on(key: str, target: OmsApp = app) -> Any:
        return Delivery.objects.filter(ordering_key=f"order:{key}", app=target)

    _age(on("old-ok"), status="succeeded", settled_ago=OLD)
    _age(on("recent-ok"), status="succeeded", settled_ago=RECENT)
    _age(on("old-abandoned"), status="abandoned", settled_ago=OLD)
    # Created long ago but abandoned yesterday: the log keeps it for the whole period.
    _age(on("recent-abandoned"), status="abandoned", settled_ago=timedelta(days=1))
    _age(on("failed"), status="failed")
    _age(on("pending"), status="pending")
    # One app has had it for long, the held app still needs it: the event stays.
    _age(on("shared"), status="succeeded", settled_ago=OLD)
    Event.objects.filter(ordering_key="order:no-apps-old").update(created_at=timezone.now() - OLD)

    pruned = webhook_retention_prune(older_than=RETENTION)

    assert (pruned.deliveries, pruned.attempts, pruned.finished) == (3, 3, True)
    assert pruned.events == 3  # old-ok, old-abandoned, no-apps-old
    assert _keys_left() == {
        "order:recent-ok",
        "order:recent-abandoned",
        "order:failed",
        "order:pending",
        "order:shared",
    }
    assert Delivery.objects.filter(ordering_key="order:shared").get().app == held_app
    assert set(Event.objects.values_list("ordering_key", flat=True)) == _keys_left() | {
        "order:no-apps-recent"
    }
    assert DeliveryAttempt.objects.count() == 4
    assert not DeliveryAttempt.objects.exclude(delivery__in=Delivery.objects.all()).exists()
    # The streams keep their numbers.
    assert EventStream.objects.get(key="order:old-ok").last_sequence == 1
    assert webhook_retention_prune(older_than=RETENTION) == type(pruned)(0, 0, 0, finished=True)


@pytest.mark.django_db
def test_pruning_goes_in_bounded_batches(masters: Masters, oms: Any) -> None:
    publish(masters.org_unit, "order:many", 7, apps=[oms.app])
    _age(Delivery.objects.all(), status="succeeded", settled_ago=OLD)

    first = webhook_retention_prune(older_than=RETENTION, batch_rows=2, max_batches=3)
    assert (first.deliveries, first.events, first.finished) == (6, 0, False)
    assert Delivery.objects.count() == 1 and Event.objects.count() == 7

    second = webhook_retention_prune(older_than=RETENTION, batch_rows=2, max_batches=3)
    assert (second.deliveries, second.events, second.finished) == (1, 4, False)

    third = webhook_retention_prune(older_than=RETENTION, batch_rows=2, max_batches=3)
    assert (third.deliveries, third.events, third.finished) == (0, 3, True)
    assert not Event.objects.exists() and not DeliveryAttempt.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_relay_prunes_as_it_runs_and_a_pruned_key_numbers_on(
    masters: Masters, app: OmsApp, receiver: OmsSimulator, settings: Any
) -> None:
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    settings.OMSLINK_WEBHOOK_RETENTION_DAYS = 30
    publish(masters.org_unit, "order:SO-000009", 3, apps=[app])
    _age(Delivery.objects.all(), status="succeeded", settled_ago=OLD)
    with running_relay():
        wait_until(lambda: not Event.objects.exists(), what="the relay pruned the aged log")
        assert not Delivery.objects.exists() and not DeliveryAttempt.objects.exists()
        [event] = publish(masters.org_unit, "order:SO-000009", 1, apps=[app])
        assert event.sequence == 4
        wait_until(
            lambda: Delivery.objects.filter(status="succeeded").exists(),
            what="the next event of the pruned key delivered",
        )
    [received] = receiver.inbox.received()
    assert (received.event["sequence"], received.accepted) == (4, True)
    # Just delivered: within the period, so it stays.
    assert Delivery.objects.filter(event=event).exists()


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", ""])
def test_a_bad_retention_setting_stops_start_up_with_a_clear_error(value: str) -> None:
    started = subprocess.run(
        [sys.executable, "-c", "import omslink.settings"],
        env={**os.environ, "OMSLINK_WEBHOOK_RETENTION_DAYS": value},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 1
    assert "OMSLINK_WEBHOOK_RETENTION_DAYS must be a" in started.stderr
    assert started.stderr.count("\n") == 1, "one line, no traceback"


def test_fractions_of_a_day_are_allowed() -> None:
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "from omslink import settings; print(settings.OMSLINK_WEBHOOK_RETENTION_DAYS)",
        ],
        env={**os.environ, "OMSLINK_WEBHOOK_RETENTION_DAYS": "0.5"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (started.returncode, started.stdout) == (0, "0.5\n"), started.stderr
