"""Times in resources exactly as the API's encoder writes them (ISO 8601, UTC `Z`), so a resource
that is also event data carries the same text in a webhook as in an answer; and JSON objects
in the key order the database gives back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, overload

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

_ENCODER = DjangoJSONEncoder()


@overload
def iso_timestamp(value: datetime | date) -> str: ...
@overload
def iso_timestamp(value: datetime | date | None) -> str | None: ...
def iso_timestamp(value: datetime | date | None) -> str | None:
    return None if value is None else str(_ENCODER.default(value))


def as_stored_json(value: dict[str, Any]) -> dict[str, Any]:
    """A flat JSON object with its keys in the order the database will give them back.

    PostgreSQL's jsonb keeps keys shortest first, then bytewise; SQLite keeps them as written.
    A resource rendered from what was just written, rather than read back, must show them in
    the order a later read of it shows.
    """
    if connection.vendor != "postgresql":
        return value
    return dict(sorted(value.items(), key=lambda item: _jsonb_key(item[0])))


def _jsonb_key(key: str) -> tuple[int, bytes]:
    encoded = key.encode("utf-8")
    return len(encoded), encoded
