"""The outbox: events, their deliveries to OMS apps, and every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q

from omslink.connected_apps.models import OmsApp
from omslink.masters.models import OrgUnit


class EventStream(models.Model):
    """The last sequence number issued for one ordering key."""

    key = models.CharField(max_length=100, primary_key=True)
    last_sequence = models.PositiveBigIntegerField(default=0)


class Event(models.Model):
    """A fact the OMS must hear of, written in the transaction that made it true."""

    event_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    ordering_key = models.CharField(max_length=100)
    sequence = models.PositiveBigIntegerField()
    data = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        # Retention finds old events without reading the whole outbox.
        indexes = [models.Index(fields=["created_at"], name="event_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["ordering_key", "sequence"], name="one_event_per_key_sequence"
            )
        ]


class Delivery(models.Model):
    """One event on its way to one app; per (app, ordering key) they leave in sequence."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        # Given up by hand: the later events of its key may go, and nothing sends it again.
        ABANDONED = "abandoned"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    app = models.ForeignKey(OmsApp, on_delete=models.PROTECT, related_name="deliveries")
    ordering_key = models.CharField(max_length=100)
    sequence = models.PositiveBigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)
    # Attempts since the delivery was last queued (by its event or by a hand retry): the retry
    # schedule counts these, while attempt_count keeps the whole history.
    round_attempts = models.PositiveIntegerField(default=0)
    # A relay owns a claimed delivery until the lease runs out, so a relay that dies mid-send
    # only delays the delivery; the token makes a late answer from a lost lease harmless.
    claim_token = models.CharField(max_length=32, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    # Set only on deliveries read with `selectors.deliveries()`, which prefetches them.
    resource_attempts: list[DeliveryAttempt]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "app"], name="one_delivery_per_event_app")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["app", "ordering_key", "sequence"], name="delivery_key_order"),
            # Retention finds the oldest settled deliveries without reading the whole log.
            models.Index(fields=["status", "delivered_at"], name="delivery_settled"),
            # The pages' "N retrying" count reads only these rows, not every pending one
            # (a backlog can be large); rows enter it only once an attempt has failed.
            models.Index(
                fields=["id"],
                condition=models.Q(status="pending", attempt_count__gt=0),
                name="delivery_retrying",
            ),
        ]


# Deliveries nothing will send again: later events of their key may go, and retention may
# remove them.
SETTLED_STATUSES = (Delivery.Status.SUCCEEDED, Delivery.Status.ABANDONED)


class DeliveryAttempt(models.Model):
    """What one try sent and got back; the secret is never recorded, the signature is."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True, default="")
    request_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["attempted_at", "pk"]


def lease_free(now: datetime) -> Q:
    """Deliveries no relay is sending: never leased, handed back, or the lease ran out."""
    return Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
