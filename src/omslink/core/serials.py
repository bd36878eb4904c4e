"""Gapless serial counters: one row per series, incremented under its own row lock."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model


def serial_next(counter: type[Model], **series: Any) -> int:
    """Take the next serial of a series (`last_serial` of the row `series` names).

    Runs in the caller's transaction, whose lock on the counter row lasts until it commits or
    rolls back: a serial is never skipped and never issued twice, and of two racing callers
    the second waits for the first. The row is created on first use; a racing creator loses
    on the unique index and increments the winner's row instead.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("serial_next must run inside the caller's transaction")
    rows = counter._default_manager.filter(**series)
    if not rows.update(last_serial=F("last_serial") + 1):
        try:
            with transaction.atomic():
                counter._default_manager.create(**series, last_serial=1)
            return 1
        except IntegrityError:
            rows.update(last_serial=F("last_serial") + 1)
    serial: int = rows.values_list("last_serial", flat=True).get()
    return serial
