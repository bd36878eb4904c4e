"""When a credential (a personal token, an API key) was last used, to the minute.

A request writes only when the stored time is a minute old, so a busy credential costs one
write a minute, not one per request; the condition makes racing requests write once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

LAST_USED_PRECISION = timedelta(minutes=1)


def last_used_mark(row: QuerySet[Any], last_used_at: datetime | None) -> None:
    """Note now as `last_used_at` of the one row selected, unless noted less than a minute ago.

    `last_used_at` is the time the caller read with the row, so a fresh one costs no query.
    """
    now = timezone.now()
    stale = now - LAST_USED_PRECISION
    if last_used_at is not None and last_used_at > stale:
        return
    row.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)).update(last_used_at=now)
