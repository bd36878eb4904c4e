"""The relay's side of the outbox: claim due deliveries, record what an attempt got back.

Each function runs at most one short transaction, and none is open while a request is on the wire: a
relay claims deliveries (a lease with a token), sends them with no transaction open, then
records the answer in a new transaction. A relay that dies mid-send leaves only a lease that
runs out; the next claim sends the delivery again with the same webhook-id.

Order per (app, ordering key) rests on one rule: a delivery is claimable only while every
earlier delivery of its key has succeeded or been abandoned. A failed delivery therefore blocks
its key until it is retried or abandoned by hand, and a disabled app's deliveries are simply
never claimed until it is enabled again. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets any
number of relays claim side by side; a successful delivery's record claims the next one of its
key in the same transaction, so a busy key does not wait for the next polling round.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from omslink.core.crypto import decrypt_secret
from omslink.core.transactions import transactional
from omslink.webhooks.models import SETTLED_STATUSES, Delivery, DeliveryAttempt, lease_free
from omslink.webhooks.retry_policy import next_attempt_delay
from omslink.webhooks.services import event_envelope


@dataclass(frozen=True)
class DeliveryJob:
    """Everything one attempt needs, read at claim time so sending touches no database."""

    delivery_id: int
    claim_token: str
    app_id: int
    ordering_key: str
    sequence: int
    round_attempts: int
    url: str
    webhook_id: str
    payload: dict[str, Any]
    secret: str = field(repr=False)
    encryption_key: str | None = field(repr=False)


@dataclass(frozen=True)
class AttemptOutcome:
    """What one attempt sent and got back."""

    attempted_at: datetime
    latency_ms: int
    request_headers: dict[str, str]
    status_code: int | None = None
    error: str = ""
    response_body: str = ""
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return not self.error and self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class RecordedAttempt:
    """The delivery's fate after an attempt, and the next delivery of its key if now claimed."""

    status: str | None  # None: the lease ran out meanwhile and another relay owns the delivery
    retry_at: datetime | None
    next_job: DeliveryJob | None


@lru_cache(maxsize=256)
def _plaintext(ciphertext: str) -> str:
    # An app's secrets never change, and a relay sends with them all day: decrypt each once.
    return decrypt_secret(ciphertext)


def _claimable(now: datetime) -> QuerySet[Delivery]:
    earlier_open = Delivery.objects.filter(
        app_id=OuterRef("app_id"),
        ordering_key=OuterRef("ordering_key"),
        sequence__lt=OuterRef("sequence"),
    ).exclude(status__in=SETTLED_STATUSES)
    return (
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now, app__enabled=True
        )
        .filter(lease_free(now))
        .filter(~Exists(earlier_open))
    )


def _job(row: Delivery, token: str) -> DeliveryJob:
    app = row.app
    return DeliveryJob(
        delivery_id=row.pk,
        claim_token=token,
        app_id=app.pk,
        ordering_key=row.ordering_key,
        sequence=row.sequence,
        round_attempts=row.round_attempts,
        url=app.webhook_url,
        webhook_id=row.event.event_id,
        payload=event_envelope(row.event),
        secret=_plaintext(app.webhook_secret_encrypted),
        encryption_key=(
            _plaintext(app.encryption_key_encrypted) if app.encryption_key_encrypted else None
        ),
    )


def _claim(
    candidates: QuerySet[Delivery], *, limit: int, now: datetime, lease_seconds: float
) -> list[DeliveryJob]:
    rows = list(
        candidates.select_related("event__org_unit", "app")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("next_attempt_at", "pk")[:limit]
    )
    if not rows:
        return []
    token = uuid.uuid4().hex
    Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
        claim_token=token, lease_expires_at=now + timedelta(seconds=lease_seconds)
    )
    return [_job(row, token) for row in rows]


def _claim_next_of_key(
    job: DeliveryJob, *, now: datetime, lease_seconds: float
) -> DeliveryJob | None:
    """Lease the delivery after `job` on its key, which has just become the oldest undelivered.

    Sequence n+1 cannot have succeeded before n, so the lowest later sequence is the next in
    line; the conditional update takes it only if it is still due and nobody leases it.
    """
    following = (
        Delivery.objects.select_related("event__org_unit", "app")
        .filter(app_id=job.app_id, ordering_key=job.ordering_key, sequence__gt=job.sequence)
        .order_by("sequence")
        .first()
    )
    if following is None or not following.app.enabled:
        return None
    token = uuid.uuid4().hex
    taken = Delivery.objects.filter(
        lease_free(now),
        pk=following.pk,
        status=Delivery.Status.PENDING,
        next_attempt_at__lte=now,
    ).update(claim_token=token, lease_expires_at=now + timedelta(seconds=lease_seconds))
    return _job(following, token) if taken else None


def deliveries_claim(*, limit: int, lease_seconds: float) -> list[DeliveryJob]:
    """Lease up to `limit` due deliveries, each the oldest undelivered one of its key.

    An idle relay asks often; a plain read first spares the database a write transaction
    (on SQLite, the one write lock) each time there is nothing to send.
    """
    if not _claimable(timezone.now()).exists():
        return []
    return _deliveries_claim_locked(limit=limit, lease_seconds=lease_seconds)


@transactional
def _deliveries_claim_locked(*, limit: int, lease_seconds: float) -> list[DeliveryJob]:
    now = timezone.now()
    return _claim(_claimable(now), limit=limit, now=now, lease_seconds=lease_seconds)


@transactional
def attempt_record(
    *,
    job: DeliveryJob,
    outcome: AttemptOutcome,
    schedule: Sequence[float],
    lease_seconds: float,
    claim_next: bool,
) -> RecordedAttempt:
    """Store the attempt and move the delivery on: delivered, retried later, or failed.

    The attempt is stored even when the lease was lost meanwhile (it did happen), but then the
    delivery itself belongs to whichever relay holds it now and is left alone.
    """
    now = timezone.now()
    DeliveryAttempt.objects.create(
        delivery_id=job.delivery_id,
        attempted_at=outcome.attempted_at,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        error=outcome.error[:500],
        request_headers=outcome.request_headers,
        response_body=outcome.response_body,
    )
    owned = Delivery.objects.filter(pk=job.delivery_id, claim_token=job.claim_token)
    common: dict[str, Any] = {
        "claim_token": "",
        "lease_expires_at": None,
        "attempt_count": F("attempt_count") + 1,
        "round_attempts": F("round_attempts") + 1,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:500],
    }
    if outcome.succeeded:
        if not owned.update(status=Delivery.Status.SUCCEEDED, delivered_at=now, **common):
            return RecordedAttempt(status=None, retry_at=None, next_job=None)
        next_job = (
            _claim_next_of_key(job, now=now, lease_seconds=lease_seconds) if claim_next else None
        )
        return RecordedAttempt(status=Delivery.Status.SUCCEEDED, retry_at=None, next_job=next_job)
    delay = next_attempt_delay(
        failed_attempts=job.round_attempts + 1, schedule=schedule, retry_after=outcome.retry_after
    )
    if delay is None:
        status, retry_at = Delivery.Status.FAILED, None
        updated = owned.update(status=status, **common)
    else:
        status, retry_at = Delivery.Status.PENDING, now + timedelta(seconds=delay)
        updated = owned.update(next_attempt_at=retry_at, **common)
    if not updated:
        return RecordedAttempt(status=None, retry_at=None, next_job=None)
    return RecordedAttempt(status=status, retry_at=retry_at, next_job=None)


@transactional
def leases_release(*, claims: Mapping[int, str] | None = None) -> int:
    """Hand leased deliveries back so they are claimable at once; all of them without `claims`.

    `claims` maps delivery ids to the tokens this relay holds, so a lease another relay took
    over is never touched. Releasing all is only right where no other relay can be sending:
    the SQLite relay, which holds the single-relay lock, does it when it starts.
    """
    leased = Delivery.objects.filter(status=Delivery.Status.PENDING).exclude(claim_token="")
    if claims is not None:
        if not claims:
            return 0
        held = Q()
        for delivery_id, token in claims.items():
            held |= Q(pk=delivery_id, claim_token=token)
        leased = leased.filter(held)
    return leased.update(claim_token="", lease_expires_at=None)
