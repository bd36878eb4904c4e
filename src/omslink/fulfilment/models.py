"""Pick lists, packages and GST invoices of online orders."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from omslink.core.ids import DocumentNumbers
from omslink.masters.models import Item, OrgUnit, Site
from omslink.orders.models import Order

PICKLIST_NUMBERS = DocumentNumbers("PL-")
AMOUNT_DIGITS = 20
"""Digits of an invoice amount: 500 lines of 10,000 units at the largest price an OMS may send
still fit, so no accepted order can overflow its invoice."""


class PickList(models.Model):
    """Reserved orders of one site gathered for one picking walk."""

    class Status(models.TextChoices):
        OPEN = "open"
        CONFIRMED = "confirmed"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return PICKLIST_NUMBERS.format(self.pk)


class PickListOrder(models.Model):
    """An order's place on a pick list; an order is on at most one."""

    picklist = models.ForeignKey(PickList, on_delete=models.PROTECT, related_name="entries")
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="picklist_entry")


class PickListLine(models.Model):
    """Units of one SKU to pick, summed over the list's orders."""

    picklist = models.ForeignKey(PickList, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    bin = models.CharField(max_length=32, blank=True, default="")
    quantity = models.PositiveIntegerField()
    picked = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["bin", "item__sku"]


class Package(models.Model):
    """One box of a packed order, with what the courier charges by."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="packages")
    position = models.PositiveIntegerField()
    weight_grams = models.PositiveIntegerField()
    length_mm = models.PositiveIntegerField()
    breadth_mm = models.PositiveIntegerField()
    height_mm = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]


class InvoiceCounter(models.Model):
    """The last invoice serial per OU and financial year; its row lock keeps numbers gapless."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    financial_year = models.CharField(max_length=4)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "financial_year"], name="one_counter_per_ou_year"
            )
        ]


class Invoice(models.Model):
    """The GST tax invoice of one online order."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    financial_year = models.CharField(max_length=4)
    serial = models.PositiveIntegerField()
    number = models.CharField(max_length=16, unique=True)
    date = models.DateField()
    place_of_supply = models.CharField(max_length=2)
    intra_state = models.BooleanField()
    taxable_value = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    cgst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    sgst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    igst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    total = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "financial_year", "serial"], name="one_invoice_per_serial"
            )
        ]


class InvoiceLine(models.Model):
    """One taxed line: an order line, or the shipping or COD charge."""

    class Kind(models.TextChoices):
        ITEM = "item"
        SHIPPING = "shipping"
        COD = "cod"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    description = models.CharField(max_length=200)
    sku = models.CharField(max_length=64, blank=True, default="")
    hsn_code = models.CharField(max_length=8)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(max_digits=12, decimal_places=2)
    gst_rate = models.DecimalField(max_digits=5, decimal_places=2)
    gross = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    taxable_value = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    cgst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    sgst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    igst = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)

    class Meta:
        ordering = ["position"]
