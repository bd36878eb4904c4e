"""The relay's transactions: what may be claimed, and what an attempt's record does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import InvalidTransition, NotFound
from omslink.webhooks import delivery_claims
from omslink.webhooks.delivery_claims import (
    AttemptOutcome,
    DeliveryJob,
    attempts_record,
    deliveries_claim,
    leases_release,
)
from omslink.webhooks.models import Delivery, DeliveryAttempt
from omslink.webhooks.selectors import delivery_by_id
from omslink.webhooks.services import delivery_retry
from tests.conftest import ConnectedApp, Masters, connect_app
from tests.webhooks.harness import ENCRYPTION_KEY, SECRET, publish

SCHEDULE = (0.05, 0.1, 0.2)
LEASE = 30.0


@pytest.fixture
def app(masters: Masters, admin: Any) -> OmsApp:
    return connect_app(masters.org_unit, admin[0], secret=SECRET, encryption_key=ENCRYPTION_KEY).app


def _outcome(
    status_code: int | None = 200, error: str = "", retry_after: float | None = None
) -> AttemptOutcome:
    return AttemptOutcome(
        attempted_at=timezone.now(),
        latency_ms=12,
        request_headers={"webhook-id": "evt_x"},
        status_code=status_code,
        error=error,
        retry_after=retry_after,
    )


def _record(job: DeliveryJob, outcome: AttemptOutcome, *, claim_next: bool = True) -> Any:
    [recorded] = attempts_record(
        attempts=[(job, outcome)], schedule=SCHEDULE, lease_seconds=LEASE, claim_next=claim_next
    )
    return recorded


def _claim(limit: int = 100) -> list[DeliveryJob]:
    return deliveries_claim(limit=limit, lease_seconds=LEASE)


def test_only_the_oldest_undelivered_delivery_of_each_key_is_claimed(
    masters: Masters, app: OmsApp
) -> None:
    publish(masters.org_unit, "order:A", 3, apps=[app])
    publish(masters.org_unit, "order:B", 2, apps=[app])
    jobs = _claim()
    assert sorted((job.ordering_key, job.sequence) for job in jobs) == [
        ("order:A", 1),
        ("order:B", 1),
    ]
    job = jobs[0]
    assert job.secret == SECRET and job.encryption_key == ENCRYPTION_KEY
    assert SECRET not in repr(job) and ENCRYPTION_KEY not in repr(job)
    assert job.payload["id"] == job.webhook_id
    # Leased now: a second claim finds nothing, not even the next of each key.
    assert _claim() == []


def test_claim_respects_the_limit_and_due_time(masters: Masters, app: OmsApp) -> None:
    for key in ("order:A", "order:B", "order:C"):
        publish(masters.org_unit, key, 1, apps=[app])
    Delivery.objects.filter(ordering_key="order:C").update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert len(_claim(limit=1)) == 1
    assert len(_claim(limit=5)) == 1  # order:C is not due yet


def test_an_expired_lease_can_be_claimed_again(masters: Masters, app: OmsApp) -> None:
    publish(masters.org_unit, "order:A", 1, apps=[app])
    first = _claim()[0]
    Delivery.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    again = _claim()[0]
    assert again.delivery_id == first.delivery_id and again.claim_token != first.claim_token
    # The first claimant's late answer is kept as an attempt but moves nothing.
    assert _record(first, _outcome()).status is None
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.claim_token == again.claim_token
    assert DeliveryAttempt.objects.count() == 1


def test_a_disabled_apps_deliveries_are_held(masters: Masters, admin: Any, app: OmsApp) -> None:
    other: ConnectedApp = connect_app(masters.other_org_unit, admin[0])
    publish(masters.org_unit, "order:A", 1, apps=[app])
    publish(masters.other_org_unit, "order:B", 1, apps=[other.app])
    OmsApp.objects.filter(pk=app.pk).update(enabled=False)
    assert [job.app_id for job in _claim()] == [other.app.pk]
    OmsApp.objects.filter(pk=app.pk).update(enabled=True)
    assert [job.app_id for job in _claim()] == [app.pk]


def test_success_claims_the_next_delivery_of_the_key_at_once(masters: Masters, app: OmsApp) -> None:
    publish(masters.org_unit, "order:A", 3, apps=[app])
    job = _claim()[0]
    recorded = _record(job, _outcome())
    assert recorded.status == "succeeded" and recorded.next_job is not None
    assert recorded.next_job.sequence == 2
    delivery = Delivery.objects.get(pk=job.delivery_id)
    assert (delivery.status, delivery.attempt_count, delivery.claim_token) == ("succeeded", 1, "")
    assert delivery.delivered_at is not None
    last = _record(recorded.next_job, _outcome(), claim_next=False)
    assert last.next_job is None
    assert [job.sequence for job in _claim()] == [3]


def test_failures_follow_the_schedule_then_fail_and_block_the_key(
    masters: Masters, app: OmsApp
) -> None:
    publish(masters.org_unit, "order:A", 2, apps=[app])
    for attempt in range(1, 5):
        Delivery.objects.update(next_attempt_at=timezone.now())
        job = _claim()[0]
        assert job.sequence == 1 and job.round_attempts == attempt - 1
        recorded = _record(job, _outcome(status_code=500, error="HTTP 500"))
        if attempt < 4:
            assert recorded.status == "pending" and recorded.retry_at > timezone.now()
    assert recorded.status == "failed" and recorded.retry_at is None
    head = Delivery.objects.get(sequence=1)
    assert (head.status, head.attempt_count, head.last_status_code) == ("failed", 4, 500)
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert _claim() == []  # sequence 2 waits behind the failed one


def test_retry_after_sets_the_next_attempt(masters: Masters, app: OmsApp) -> None:
    publish(masters.org_unit, "order:A", 1, apps=[app])
    before = timezone.now()
    recorded = _record(_claim()[0], _outcome(status_code=429, error="HTTP 429", retry_after=60))
    assert recorded.retry_at >= before + timedelta(seconds=60)
    assert Delivery.objects.get().next_attempt_at == recorded.retry_at


def test_hand_retry_requeues_a_failed_delivery_for_a_fresh_round(
    masters: Masters, app: OmsApp, admin: Any
) -> None:
    publish(masters.org_unit, "order:A", 1, apps=[app])
    Delivery.objects.update(status="failed", attempt_count=4, round_attempts=4)
    delivery_retry(delivery=Delivery.objects.get(), user=admin[0])
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.round_attempts) == ("pending", 4, 0)
    assert _claim()[0].round_attempts == 0


def test_hand_retry_refuses_anything_but_a_failed_delivery(
    masters: Masters, app: OmsApp, admin: Any
) -> None:
    publish(masters.org_unit, "order:A", 1, apps=[app])
    delivery = Delivery.objects.get()
    for status in ("pending", "succeeded"):
        Delivery.objects.update(status=status)
        with pytest.raises(InvalidTransition, match=f"is {status}; only a failed"):
            delivery_retry(delivery=delivery, user=admin[0])
        assert Delivery.objects.get().status == status
    for unknown in (delivery.pk + 1, 2**63, 0, -1):
        with pytest.raises(NotFound):
            delivery_by_id(unknown)


def test_releasing_leases_touches_only_the_claims_named(masters: Masters, app: OmsApp) -> None:
    publish(masters.org_unit, "order:A", 1, apps=[app])
    publish(masters.org_unit, "order:B", 1, apps=[app])
    mine, theirs = _claim()
    assert (
        leases_release(
            claims={mine.delivery_id: mine.claim_token, theirs.delivery_id: "someone-elses-token"}
        )
        == 1
    )
    assert leases_release(claims={}) == 0
    assert [job.delivery_id for job in _claim()] == [mine.delivery_id]
    assert leases_release() == 2
    assert len(_claim()) == 2


def _record_all(
    attempts: list[tuple[DeliveryJob, AttemptOutcome]], *, claim_next: bool = True
) -> Any:
    return attempts_record(
        attempts=attempts, schedule=SCHEDULE, lease_seconds=LEASE, claim_next=claim_next
    )


def test_a_claim_takes_one_delivery_per_key_and_a_batch_record_the_next_of_each(
    masters: Masters, app: OmsApp
) -> None:
    keys = [f"order:{letter}" for letter in "ABCDE"]
    for key in keys:
        publish(masters.org_unit, key, 3, apps=[app])
    jobs = _claim()
    assert sorted((job.ordering_key, job.sequence) for job in jobs) == [(key, 1) for key in keys]
    # Mixed fates in one batch: A's head fails (to be retried), B's lease was lost meanwhile,
    # the others succeed with different codes; only those move on to their sequence 2.
    by_key = {job.ordering_key: job for job in jobs}
    Delivery.objects.filter(pk=by_key["order:B"].delivery_id).update(claim_token="another-relay")
    outcomes = {
        "order:A": _outcome(status_code=503, error="HTTP 503"),
        "order:B": _outcome(),
        "order:C": _outcome(status_code=200),
        "order:D": _outcome(status_code=204),
        "order:E": _outcome(status_code=202),
    }
    fates = _record_all([(by_key[key], outcomes[key]) for key in keys])
    assert [fate.status for fate in fates] == [
        "pending",
        None,
        "succeeded",
        "succeeded",
        "succeeded",
    ]
    assert fates[0].retry_at is not None and fates[0].next_job is None
    assert fates[1].next_job is None
    assert [(fate.next_job.ordering_key, fate.next_job.sequence) for fate in fates[2:]] == [
        ("order:C", 2),
        ("order:D", 2),
        ("order:E", 2),
    ]
    assert DeliveryAttempt.objects.count() == 5  # the lost lease's attempt is kept too
    assert {
        (row.ordering_key, row.status, row.last_status_code, row.attempt_count)
        for row in Delivery.objects.filter(sequence=1)
    } == {
        ("order:A", "pending", 503, 1),
        ("order:B", "pending", None, 0),
        ("order:C", "succeeded", 200, 1),
        ("order:D", "succeeded", 204, 1),
        ("order:E", "succeeded", 202, 1),
    }
    # Everything due is leased: not even a key's sequence 3 can be claimed beside its 2.
    Delivery.objects.filter(ordering_key="order:A").update(next_attempt_at=timezone.now())
    assert [(job.ordering_key, job.sequence) for job in _claim()] == [("order:A", 1)]


def test_a_batch_record_that_fails_keeps_nothing_and_every_delivery_is_sent_again(
    masters: Masters, app: OmsApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("order:A", "order:B", "order:C"):
        publish(masters.org_unit, key, 2, apps=[app])
    jobs = _claim()

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("connection lost")

    # The transaction dies at its last step, after attempts and statuses were written.
    monkeypatch.setattr(delivery_claims, "_claim_next_of_keys", crash)
    with pytest.raises(DatabaseError):
        _record_all([(job, _outcome()) for job in jobs])
    monkeypatch.undo()
    assert DeliveryAttempt.objects.count() == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
    assert _claim() == []  # still leased by the relay that lost its record
    Delivery.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    again = _claim()
    assert sorted(job.delivery_id for job in again) == sorted(job.delivery_id for job in jobs)
    assert {job.webhook_id for job in again} == {job.webhook_id for job in jobs}
    fates = _record_all([(job, _outcome()) for job in again])
    assert [fate.next_job.sequence for fate in fates] == [2, 2, 2]
