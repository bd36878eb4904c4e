"""Writing to the outbox: events and their deliveries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from omslink.webhooks.event_types import EventType
from omslink.webhooks.models import Delivery, Event
from omslink.webhooks.services import event_publish
from tests.conftest import Masters, connect_app


@pytest.mark.django_db
def test_event_goes_to_every_app_of_its_org_unit_enabled_or_not(
    masters: Masters, admin: Any
) -> None:
    enabled = connect_app(masters.org_unit, admin[0]).app
    disabled = connect_app(masters.org_unit, admin[0], enabled=False).app
    other = connect_app(masters.other_org_unit, admin[0]).app
    with transaction.atomic():
        first = event_publish(
            org_unit=masters.org_unit,
            type=EventType.INVENTORY_UPDATED,
            ordering_key="inventory:WH1",
            data={},
        )
        second = event_publish(
            org_unit=masters.org_unit,
            type=EventType.INVENTORY_UPDATED,
            ordering_key="inventory:WH1",
            data={},
        )
    assert (first.sequence, second.sequence) == (1, 2)
    assert set(Delivery.objects.values_list("app_id", "sequence")) == {
        (enabled.pk, 1),
        (disabled.pk, 1),
        (enabled.pk, 2),
        (disabled.pk, 2),
    }
    assert not Delivery.objects.filter(app=other).exists()


@pytest.mark.django_db(transaction=True)
def test_event_publish_needs_the_changes_transaction(masters: Masters) -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        event_publish(
            org_unit=masters.org_unit,
            type=EventType.ORDER_RESERVED,
            ordering_key="order:X",
            data={},
        )
    assert not Event.objects.exists()
