"""Timestamps in hand-built JSON exactly as the API's encoder writes them (ISO 8601, UTC `Z`)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder

_ENCODER = DjangoJSONEncoder()


def iso_timestamp(value: datetime | date | None) -> str | None:
    return None if value is None else str(_ENCODER.default(value))
