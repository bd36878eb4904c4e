"""Online orders pushed by an OMS, their lines, and replayable Idempotency-Key answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from omslink.connected_apps.models import OmsApp
from omslink.core.ids import DocumentNumbers
from omslink.masters.models import Item, OrgUnit, Site

if TYPE_CHECKING:
    from omslink.fulfilment.models import Package
    from omslink.returns.models import Return

ORDER_NUMBERS = DocumentNumbers("SO-")


class OrderStatus(models.TextChoices):
    RESERVED = "reserved"
    PICKLIST_CREATED = "picklist_created"
    PICKED = "picked"
    INVOICED = "invoiced"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RTO_INITIATED = "rto_initiated"
    RTO_RECEIVED = "rto_received"
    CANCELLED = "cancelled"


class Order(models.Model):
    """An online order: stored and reserved whole at the OU's online fulfilment site."""

    class PaymentMode(models.TextChoices):
        PREPAID = "PREPAID"
        COD = "COD"

    class CancelledBy(models.TextChoices):
        OMS = "oms"
        ERP = "erp"

    # No index of its own: the unique (app, external_order_id) starts with the app.
    app = models.ForeignKey(OmsApp, on_delete=models.PROTECT, related_name="orders", db_index=False)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    # No index of its own: the list's index (site, status, id) starts with the site.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    external_order_id = models.CharField(max_length=64)
    body_hash = models.CharField(max_length=64)
    marketplace = models.CharField(max_length=64)
    marketplace_order_id = models.CharField(max_length=100, blank=True, default="")
    ordered_at = models.DateTimeField()
    payment_mode = models.CharField(max_length=8, choices=PaymentMode.choices)
    customer = models.JSONField()
    shipping_address = models.JSONField()
    billing_gstin = models.CharField(max_length=15, blank=True, default="")
    shipping_charge = models.DecimalField(max_digits=12, decimal_places=2)
    cod_charge = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.RESERVED
    )
    courier = models.CharField(max_length=64, blank=True, default="")
    awb = models.CharField(max_length=64, blank=True, default="")
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(
        max_length=3, choices=CancelledBy.choices, blank=True, default=""
    )
    cancel_reason = models.CharField(max_length=500, blank=True, default="")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Set only on orders read with `selectors.orders_for_resource()`, which prefetches them.
    resource_lines: list[OrderLine]
    resource_packages: list[Package]
    resource_returns: list[Return]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "external_order_id"], name="one_order_per_app_external_id"
            ),
        ]
        # With the id last, a list filtered by site and status reads its page (and each
        # following cursor page) straight from the index, however rare the status.
        indexes = [models.Index(fields=["site", "status", "id"], name="order_site_status_id")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return ORDER_NUMBERS.format(self.pk)


class OrderLine(models.Model):
    """One line as the OMS sent it; the same SKU may appear on several lines."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    line_id = models.CharField(max_length=64)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["position"]


class IdempotencyRecord(models.Model):
    """The first answer to a request that carried an Idempotency-Key, replayed on repeats."""

    app = models.ForeignKey(OmsApp, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    # The first push's outcome (a new order, or one stored already) and the order resource
    # it answered with.
    created = models.BooleanField(default=False)
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["app", "key"], name="one_record_per_idempotency_key")
        ]
