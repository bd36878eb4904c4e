"""What the relay tests share: a receiver (the OMS simulator), a relay, events, and waiting.

The receiver is the bundled OMS simulator on a real local port: it verifies every request with
`standardwebhooks` and decrypts it with `joserfc`, and tests script its failures.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection, transaction

from omslink.connected_apps.models import OmsApp
from omslink.masters.models import OrgUnit
from omslink.oms_simulator.config import SimulatorConfig
from omslink.oms_simulator.inbox import Inbox
from omslink.oms_simulator.server import Reply
from omslink.webhooks.event_types import EventType
from omslink.webhooks.models import Event
from omslink.webhooks.relay import Relay, RelayOptions
from omslink.webhooks.services import event_publish

WAIT_SECONDS = 30.0
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENCRYPTION_KEY = "q83vEjRWeJo5GRXEsJgrbBEjRWeJq83vEjRWeJq83vE"


def receiver_config(
    *, secret: str = SECRET, encryption_key: str | None = ENCRYPTION_KEY, port: int = 0
) -> SimulatorConfig:
    return SimulatorConfig(
        webhook_secret=secret,
        encryption_key=encryption_key,
        api_key="",
        org_unit="OU1",
        erp_url="http://127.0.0.1:9",
        port=port,
    )


def wait_until(condition: Callable[[], bool], *, what: str, seconds: float = WAIT_SECONDS) -> None:
    """Wait for something the relay does in the background; fail saying what never happened."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.02)


def wait_until_idle(relay: Relay) -> None:
    """Wait until the relay has stopped looking for work (no claim round for a while)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        rounds = relay.claim_rounds
        time.sleep(0.5)
        if relay.claim_rounds == rounds:
            return
    raise AssertionError("gave up waiting: the relay never went idle")


@contextmanager
def running_relay(**options: Any) -> Iterator[Relay]:
    """A relay in this process (its own loop in a thread), stopped when the block ends."""
    relay = Relay(RelayOptions(**options))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(relay.run())
        except BaseException as exc:  # surfaced by the test below
            failure.append(exc)

    thread = threading.Thread(target=run, name="test-relay")
    thread.start()
    assert relay.wait_started(WAIT_SECONDS), failure
    try:
        yield relay
    finally:
        relay.request_stop()
        thread.join(WAIT_SECONDS)
        assert not thread.is_alive(), "the relay did not stop"
        assert not failure, failure


def publish(
    org_unit: OrgUnit,
    key: str,
    count: int,
    *,
    apps: list[OmsApp] | None = None,
    type: EventType = EventType.ORDER_RESERVED,
) -> list[Event]:
    """Publish `count` events on one key, each in its own committed transaction."""
    events = []
    for number in range(count):
        with transaction.atomic():
            events.append(
                event_publish(
                    org_unit=org_unit,
                    type=type,
                    ordering_key=key,
                    data={"note": f"{key} #{number}"},
                    apps=apps,
                )
            )
    return events


def assert_in_order_without_gaps(inbox: Inbox, expected: dict[str, int]) -> None:
    """Per key: accepted sequences are exactly 1..n, and nothing ever arrived ahead of its turn.

    An arrival of sequence s (accepted or not) is in turn only if 1..s-1 were accepted before.
    """
    accepted: dict[str, list[int]] = defaultdict(list)
    for received in inbox.received():
        key, sequence = received.event["ordering_key"], received.event["sequence"]
        done = accepted[key]
        assert done == list(range(1, len(done) + 1))
        assert sequence <= len(done) + 1, (key, sequence, done)
        if received.accepted and sequence == len(done) + 1:
            done.append(sequence)
    assert {key: len(done) for key, done in accepted.items()} == expected
    assert not inbox.rejected(), inbox.rejected()


def fail_first(attempts: int, reply: Reply) -> Callable[[dict[str, Any], int], Reply]:
    """A responder that answers `reply` to the first `attempts` arrivals of every event."""

    def respond(event: dict[str, Any], arrival: int) -> Reply:
        return reply if arrival <= attempts else Reply()

    return respond


def assert_duplicates_identical(inbox: Inbox) -> None:
    """At least once: an event sent twice is the same event under the same webhook-id."""
    first: dict[str, dict[str, Any]] = {}
    for received in inbox.received():
        assert received.webhook_id == received.event["id"]
        assert first.setdefault(received.webhook_id, received.event) == received.event


def database_url() -> str:
    """The URL of the database this test runs on, for relays started as real processes."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"])
    return (
        f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def relay_process(log: Path, **environment: str) -> subprocess.Popen[bytes]:
    """`omslink relay` as a real process on this test's database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "omslink.settings",
        "DATABASE_URL": database_url(),
        "OMSLINK_SECRET_KEYS": ",".join(settings.OMSLINK_SECRET_KEYS),
        "OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS": "1",
        "OMSLINK_WEBHOOK_RETRY_SCHEDULE": ",".join(
            str(pause) for pause in settings.OMSLINK_WEBHOOK_RETRY_SCHEDULE
        ),
        **environment,
    }
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "omslink", "relay"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
