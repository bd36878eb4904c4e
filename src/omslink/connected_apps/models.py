"""OU API keys and OMS apps (the connected-app configuration), with their audit trail."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from omslink.masters.models import OrgUnit


class ApiKey(models.Model):
    """An OU's key for the partner API, shown once; only its SHA-256 is kept.

    A key issued from the Add form is provisional: it carries `lapses_at` and is refused after
    that time unless an OMS app was saved with it (saving clears `lapses_at`), so an abandoned
    or refused form leaves no live key behind.
    """

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="api_keys")
    key_hash = models.CharField(max_length=64, unique=True)
    last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lapses_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"…{self.last4} ({self.org_unit_id})"

    def lapsed(self, now: datetime) -> bool:
        return self.lapses_at is not None and self.lapses_at <= now


class OmsApp(models.Model):
    """The link between one OU and one OMS; its fields never change after creation."""

    name = models.CharField(max_length=100, blank=True, default="")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="oms_apps")
    webhook_url = models.CharField(max_length=2048)
    webhook_secret_encrypted = models.TextField()
    webhook_secret_hint = models.CharField(max_length=16)
    encryption_key_encrypted = models.TextField(blank=True, default="")
    encryption_key_hint = models.CharField(max_length=16, blank=True, default="")
    api_url = models.CharField(max_length=2048)
    api_key = models.OneToOneField(ApiKey, on_delete=models.PROTECT, related_name="oms_app")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit"], condition=Q(enabled=True), name="one_enabled_oms_app_per_ou"
            )
        ]

    def __str__(self) -> str:
        return self.name or f"OMS app {self.pk}"


class OmsAppAudit(models.Model):
    """Who added, enabled or disabled an app, and when."""

    class Action(models.TextChoices):
        ADDED = "added"
        ENABLED = "enabled"
        DISABLED = "disabled"

    app = models.ForeignKey(OmsApp, on_delete=models.CASCADE, related_name="audit")
    action = models.CharField(max_length=16, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
