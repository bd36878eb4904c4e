"""How every page writes a time and a status, so all pages read alike.

Times are shown in the deployment's time zone (`OMSLINK_TIME_ZONE`) to the minute,
whether a template holds a `datetime` or the ISO text of a resource; statuses are words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()

TIME_FORMAT = "j M Y, H:i"
# Words where the status code does not read well with its underscores replaced.
_STATUS_WORDS = {
    "picklist_created": "Pick list made",
    "rto_initiated": "RTO started",
    "rto_received": "RTO received",
    "rto": "RTO",
}


@register.filter
def local_time(value: datetime | str | None) -> str:
    """A time as `29 Nov 2026, 22:10` in the deployment's zone; empty for none."""
    if value in (None, ""):
        return ""
    moment = value if isinstance(value, datetime) else _parsed(value)
    if moment is None:
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return date_format(timezone.localtime(moment), TIME_FORMAT)


def _parsed(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@register.filter
def status_word(code: str | None) -> str:
    """`picklist_created` as `Pick list made`, `customer_return` as `Customer return`."""
    if not code:
        return ""
    return _STATUS_WORDS.get(code, code.replace("_", " ").capitalize())


@register.filter
def sum_of(rows: Iterable[Mapping[str, Any] | object], field: str) -> int:
    """The total of one number across rows: `{{ order.lines|sum_of:"quantity" }}` is its units."""
    return sum(row[field] if isinstance(row, Mapping) else getattr(row, field) for row in rows)
