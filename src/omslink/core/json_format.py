"""Times in resources exactly as the API's encoder writes them (ISO 8601, UTC `Z`), so a resource
that is also event data carries the same text in a webhook as in an answer."""

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
