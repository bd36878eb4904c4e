"""Stock balances per (site, item) and the append-only stock ledger behind them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from omslink.core.ids import DocumentNumbers
from omslink.masters.models import Item, Site


class StockBalance(models.Model):
    """On-hand, reserved (online) and allocated (wholesale) units of one item at one site.

    The check constraints are CONTRACT §6.1: the database refuses any oversell even if a
    service were wrong.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="balances")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="balances")
    on_hand = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    allocated = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "item"], name="one_balance_per_site_item"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="reserved_not_negative"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="allocated_not_negative"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("reserved") + F("allocated")),
                name="holds_within_on_hand",
            ),
        ]

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.allocated


DOCUMENT_NUMBERS = {"receipt": DocumentNumbers("GRN-"), "adjustment": DocumentNumbers("ADJ-")}


class StockDocument(models.Model):
    """A goods receipt or a stock adjustment entered by a user; its moves are its lines.

    `reference` holds the receipt's reference (e.g. the supplier's delivery note) or the
    adjustment's reason.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt"
        ADJUSTMENT = "adjustment"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return DOCUMENT_NUMBERS[self.kind].format(self.pk)


class StockMove(models.Model):
    """One ledger entry; the sum of a (site, item)'s moves equals its balance."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt"
        ADJUSTMENT = "adjustment"
        RESERVE = "reserve"
        RELEASE = "release"
        ALLOCATE = "allocate"
        DEALLOCATE = "deallocate"
        SHIP = "ship"
        DISPATCH = "dispatch"
        WRITE_OFF = "write_off"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    on_hand_delta = models.BigIntegerField(default=0)
    reserved_delta = models.BigIntegerField(default=0)
    allocated_delta = models.BigIntegerField(default=0)
    reference = models.CharField(max_length=100)
    document = models.ForeignKey(
        StockDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="moves"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["site", "item"], name="stockmove_site_item"),
            models.Index(fields=["reference"], name="stockmove_reference"),
        ]


class PendingInventoryUpdate(models.Model):
    """An item whose available quantity changed at an online fulfilment site.

    Written in the stock change's own transaction; the relay's flush (`inventory.events`)
    turns the pending rows of a site into one `inventory.updated` event with the latest numbers
    and deletes them, in one transaction, so a burst of changes becomes one event and none is
    lost.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "item"], name="one_pending_update_per_item")
        ]
