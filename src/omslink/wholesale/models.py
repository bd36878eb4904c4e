"""Wholesale/distribution orders: allocated from available stock only."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from omslink.core.ids import DocumentNumbers
from omslink.masters.models import Customer, Item, Site

WHOLESALE_NUMBERS = DocumentNumbers("WO-")


class WholesaleOrder(models.Model):
    """A distribution order, allocated whole or not at all."""

    class Status(models.TextChoices):
        ALLOCATED = "allocated"
        DISPATCHED = "dispatched"
        CANCELLED = "cancelled"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ALLOCATED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return WHOLESALE_NUMBERS.format(self.pk)


class WholesaleLine(models.Model):
    order = models.ForeignKey(WholesaleOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
