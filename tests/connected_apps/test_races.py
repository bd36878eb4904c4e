"""Racing adds and enables for one OU: exactly one app ends up enabled, the others get 409."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from omslink.connected_apps import services
from omslink.connected_apps.models import OmsApp, OmsAppAudit
from omslink.connected_apps.schemas import OmsAppIn
from omslink.core.errors import ApplicationError, Conflict
from tests.conftest import Masters, connect_app
from tests.connected_apps.conftest import WHSEC
from tests.core.local_http import LocalServer

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 6


def race(work: Callable[[int], Any]) -> list[Any]:
    """Run `work(n)` in RACERS threads released together; collect results or errors."""
    start = threading.Barrier(RACERS)
    outcomes: list[Any] = [None] * RACERS

    def run(n: int) -> None:
        try:
            start.wait()
            outcomes[n] = work(n)
        except ApplicationError as exc:
            outcomes[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_racing_adds_for_one_org_unit_save_one_app(
    masters: Masters,
    admin: Any,
    receiver: LocalServer,
    fake_erp: LocalServer,
) -> None:
    keys = [services.api_key_issue(org_unit="OU1", created_by=admin[0]).key for _ in range(RACERS)]
    outcomes = race(
        lambda n: services.oms_app_create(
            created_by=admin[0],
            payload=OmsAppIn(
                name=f"racer {n}",
                org_unit="OU1",
                webhook_url=receiver.url,
                webhook_secret=WHSEC,
                encryption_key=None,
                api_url=fake_erp.url,
                api_key=keys[n],
            ),
        )
    )
    saved = [o for o in outcomes if isinstance(o, OmsApp)]
    assert len(saved) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if o not in saved), outcomes
    assert OmsApp.objects.count() == 1 and OmsAppAudit.objects.count() == 1


def test_racing_enables_leave_one_app_enabled(masters: Masters, admin: Any) -> None:
    apps = [connect_app(masters.org_unit, admin[0], enabled=False).app for _ in range(RACERS)]
    outcomes = race(lambda n: services.oms_app_enable(oms_app=apps[n], by=admin[0]))
    assert sum(isinstance(o, OmsApp) for o in outcomes) == 1
    assert all(isinstance(o, (OmsApp, Conflict)) for o in outcomes), outcomes
    assert OmsApp.objects.filter(enabled=True).count() == 1
    assert OmsAppAudit.objects.filter(action="enabled").count() == 1
