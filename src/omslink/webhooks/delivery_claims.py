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
key in the same transaction, so a busy key does not wait for the next polling round. A busy
relay records the outcomes of many attempts in one transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
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


def _claim_next_of_keys(
    jobs: Sequence[DeliveryJob], *, now: datetime, lease_seconds: float
) -> dict[tuple[int, str], DeliveryJob]:
    """Lease the next delivery of each key whose head `jobs` just delivered, by (app, key).

    The claim rule itself picks them: with its head succeeded, the next undelivered delivery
    of a key is its only claimable one, if it is due and nobody leases it.
    """
    keys_by_app: dict[int, set[str]] = defaultdict(set)
    for job in jobs:
        keys_by_app[job.app_id].add(job.ordering_key)
    of_these_keys = Q()
    for app_id, ordering_keys in keys_by_app.items():
        of_these_keys |= Q(app_id=app_id, ordering_key__in=ordering_keys)
    claimed = _claim(
        _claimable(now).filter(of_these_keys), limit=len(jobs), now=now, lease_seconds=lease_seconds
    )
    return {(job.app_id, job.ordering_key): job for job in claimed}


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


def _still_owned(attempts: Sequence[tuple[DeliveryJob, AttemptOutcome]]) -> set[int]:
    """The deliveries among `attempts` still leased with their claim's token, now locked."""
    ids_by_token: dict[str, list[int]] = defaultdict(list)
    for job, _outcome in attempts:
        ids_by_token[job.claim_token].append(job.delivery_id)
    held = Q()
    for token, ids in ids_by_token.items():
        held |= Q(claim_token=token, pk__in=ids)
    return set(
        Delivery.objects.select_for_update()
        .filter(held)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _counted(outcome: AttemptOutcome) -> dict[str, Any]:
    """The fields every recorded attempt sets on its delivery, whatever the outcome."""
    return {
        "claim_token": "",
        "lease_expires_at": None,
        "attempt_count": F("attempt_count") + 1,
        "round_attempts": F("round_attempts") + 1,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:500],
    }


@transactional
def attempts_record(
    *,
    attempts: Sequence[tuple[DeliveryJob, AttemptOutcome]],
    schedule: Sequence[float],
    lease_seconds: float,
    claim_next: bool,
) -> list[RecordedAttempt]:
    """Store attempts and move each delivery on (delivered, retried later, or failed), in
    one transaction; the answer lists their fates in the order given.

    One transaction for many attempts keeps a busy relay's database work small, and it is
    all or nothing: if it fails, no outcome is kept, the leases run out and every one of
    these deliveries is sent again (at least once), none is lost. An attempt is stored even
    when its lease was lost meanwhile (it did happen), but that delivery then belongs to
    whichever relay holds it now and is left alone.
    """
    now = timezone.now()
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(
            delivery_id=job.delivery_id,
            attempted_at=outcome.attempted_at,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error=outcome.error[:500],
            request_headers=outcome.request_headers,
            response_body=outcome.response_body,
        )
        for job, outcome in attempts
    )
    owned = _still_owned(attempts)
    lost = RecordedAttempt(status=None, retry_at=None, next_job=None)
    fates: dict[int, RecordedAttempt] = {}
    delivered: list[DeliveryJob] = []
    # Successes differ only in their status code: one update for each code seen.
    delivered_by_code: dict[int | None, list[tuple[DeliveryJob, AttemptOutcome]]] = defaultdict(
        list
    )
    for job, outcome in attempts:
        if job.delivery_id not in owned:
            fates[job.delivery_id] = lost
        elif outcome.succeeded:
            delivered_by_code[outcome.status_code].append((job, outcome))
        else:
            fates[job.delivery_id] = _failure_record(job, outcome, schedule=schedule, now=now)
    for same_code in delivered_by_code.values():
        Delivery.objects.filter(pk__in=[job.delivery_id for job, _ in same_code]).update(
            status=Delivery.Status.SUCCEEDED, delivered_at=now, **_counted(same_code[0][1])
        )
        delivered += [job for job, _ in same_code]
    following = (
        _claim_next_of_keys(delivered, now=now, lease_seconds=lease_seconds)
        if claim_next and delivered
        else {}
    )
    for job in delivered:
        fates[job.delivery_id] = RecordedAttempt(
            status=Delivery.Status.SUCCEEDED,
            retry_at=None,
            next_job=following.get((job.app_id, job.ordering_key)),
        )
    return [fates[job.delivery_id] for job, _outcome in attempts]


def _failure_record(
    job: DeliveryJob, outcome: AttemptOutcome, *, schedule: Sequence[float], now: datetime
) -> RecordedAttempt:
    """Schedule the next try of an owned delivery, or fail it after the schedule's last."""
    owned = Delivery.objects.filter(pk=job.delivery_id)
    delay = next_attempt_delay(
        failed_attempts=job.round_attempts + 1, schedule=schedule, retry_after=outcome.retry_after
    )
    if delay is None:
        owned.update(status=Delivery.Status.FAILED, **_counted(outcome))
        return RecordedAttempt(status=Delivery.Status.FAILED, retry_at=None, next_job=None)
    retry_at = now + timedelta(seconds=delay)
    owned.update(next_attempt_at=retry_at, **_counted(outcome))
    return RecordedAttempt(status=Delivery.Status.PENDING, retry_at=retry_at, next_job=None)


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
