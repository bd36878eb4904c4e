"""The receiver every relay test talks to, and an OMS app of OU1 pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from omslink.connected_apps.models import OmsApp
from omslink.oms_simulator.server import OmsSimulator
from tests.conftest import Masters, connect_app
from tests.webhooks.harness import ENCRYPTION_KEY, SECRET, receiver_config


@pytest.fixture
def receiver() -> Iterator[OmsSimulator]:
    """The OMS simulator on a free local port, verifying and decrypting every request."""
    simulator = OmsSimulator(receiver_config(), port=0).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def app(masters: Masters, admin: Any, receiver: OmsSimulator) -> OmsApp:
    return connect_app(
        masters.org_unit,
        admin[0],
        webhook_url=receiver.webhook_url,
        secret=SECRET,
        encryption_key=ENCRYPTION_KEY,
    ).app
