"""Timestamps in hand-built JSON exactly as the API's encoder writes them (ISO 8601, UTC `Z`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import overload

from django.core.serializers.json import DjangoJSONEncoder

_ENCODER = DjangoJSONEncoder()


@overload
def iso_timestamp(value: datetime | date) -> str: ...
@overload
def iso_timestamp(value: datetime | date | None) -> str | None: ...
def iso_timestamp(value: datetime | date | None) -> str | None:
    return None if value is None else str(_ENCODER.default(value))
