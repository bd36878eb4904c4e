"""Database ids taken from URLs: a number no column can hold is simply not found."""

from __future__ import annotations

MAX_DATABASE_ID = 2**63 - 1


def is_database_id(value: int) -> bool:
    """True if the value fits a positive BIGINT; larger ones would make the database raise."""
    return 0 < value <= MAX_DATABASE_ID
