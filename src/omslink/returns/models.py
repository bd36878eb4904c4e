"""Returns of shipped orders (RTO and customer returns), what came back, and credit notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from omslink.connected_apps.models import OmsApp
from omslink.core.ids import DocumentNumbers
from omslink.fulfilment.models import AMOUNT_DIGITS, Invoice, InvoiceLine
from omslink.masters.models import OrgUnit, Site
from omslink.orders.models import Order, OrderLine

RETURN_NUMBERS = DocumentNumbers("RT-")


class ReturnType(models.TextChoices):
    RTO = "rto"
    CUSTOMER_RETURN = "customer_return"


class ReturnStatus(models.TextChoices):
    EXPECTED = "expected"
    RECEIVED = "received"


class Return(models.Model):
    """Units of one order on their way back to the site that shipped them.

    `external_return_id` is the OMS's id of a customer return it pushed; an RTO return and a
    return created by staff have none. `created_by` is empty when the OMS created it.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    app = models.ForeignKey(OmsApp, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=16, choices=ReturnType.choices)
    status = models.CharField(
        max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.EXPECTED
    )
    external_return_id = models.CharField(max_length=64, blank=True, default="")
    body_hash = models.CharField(max_length=64, blank=True, default="")
    reason = models.CharField(max_length=500)
    courier = models.CharField(max_length=64, blank=True, default="")
    awb = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            # Simultaneous pushes of one customer return queue on this index; one is stored.
            models.UniqueConstraint(
                fields=["app", "external_return_id"],
                condition=~Q(external_return_id=""),
                name="one_return_per_app_external_id",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(type="rto"), name="one_rto_return_per_order"
            ),
        ]
        indexes = [
            models.Index(fields=["site", "status"], name="return_site_status"),
            models.Index(fields=["awb"], name="return_awb"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return RETURN_NUMBERS.format(self.pk)


class ReturnLine(models.Model):
    """Units of one order line expected back, and once received how they came back."""

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    good = models.PositiveIntegerField(null=True, blank=True)
    damaged = models.PositiveIntegerField(null=True, blank=True)
    missing = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]


class CreditNoteCounter(models.Model):
    """The last credit-note serial per OU and financial year; its row lock keeps them gapless."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    financial_year = models.CharField(max_length=4)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "financial_year"], name="one_credit_counter_per_ou_year"
            )
        ]


class CreditNote(models.Model):
    """The GST credit note that reverses (part of) an order's invoice for one return."""

    ret = models.OneToOneField(Return, on_delete=models.PROTECT, related_name="credit_note")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    financial_year = models.CharField(max_length=4)
    serial = models.PositiveIntegerField()
    number = models.CharField(max_length=16, unique=True)
    date = models.DateField()
    taxable_value = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    cgst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    sgst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    igst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    total = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "financial_year", "serial"], name="one_credit_note_per_serial"
            )
        ]


class CreditNoteLine(models.Model):
    """What one invoice line gets back: units, taxable value and each tax reversed."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, related_name="credit_lines"
    )
    quantity = models.PositiveIntegerField()
    taxable_value = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    cgst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    sgst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    igst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    total = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)

    class Meta:
        ordering = ["invoice_line__position"]
