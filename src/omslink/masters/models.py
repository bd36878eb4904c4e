"""Org units, their sites, items and wholesale customers."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class OrgUnit(models.Model):
    """A legal entity with its own GSTIN and state; it owns sites."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    gstin = models.CharField(max_length=15)
    state_code = models.CharField(max_length=2)
    address = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code


class Site(models.Model):
    """A warehouse of an org unit; at most one per OU fulfils online orders."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="sites")
    online_fulfilment = models.BooleanField(default=False)
    address = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit"],
                condition=Q(online_fulfilment=True),
                name="one_online_fulfilment_site_per_org_unit",
            )
        ]

    def __str__(self) -> str:
        return self.code


class Item(models.Model):
    """A stock-keeping unit with its HSN code and GST rate."""

    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    hsn_code = models.CharField(max_length=8)
    gst_rate = models.DecimalField(max_digits=5, decimal_places=2)
    mrp = models.DecimalField(max_digits=12, decimal_places=2)
    barcode = models.CharField(max_length=64, blank=True, default="")
    bin = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(gst_rate__gte=0) & Q(gst_rate__lte=100), name="item_gst_rate_percent"
            ),
            models.CheckConstraint(condition=Q(mrp__gte=0), name="item_mrp_not_negative"),
        ]

    def __str__(self) -> str:
        return self.sku


class Customer(models.Model):
    """A wholesale/distribution customer."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    gstin = models.CharField(max_length=15, blank=True, default="")
    state_code = models.CharField(max_length=2)
    address = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code
