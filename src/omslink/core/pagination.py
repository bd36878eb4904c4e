"""Cursor pagination: `{"items": [...], "next_cursor": ...}` over a primary-key order.

A cursor is the last primary key seen, base64-encoded so clients treat it as opaque; keyset
paging stays fast and stable while rows are being added.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import Field

from omslink.core.errors import ValidationFailed

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
M = TypeVar("M", bound=Model)


def _decode(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("ascii"))
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise ValidationFailed.for_field("cursor", "is not a cursor this API issued") from exc
    if value < 0:
        raise ValidationFailed.for_field("cursor", "is not a cursor this API issued")
    return value


def _encode(pk: Any) -> str:
    return base64.urlsafe_b64encode(str(pk).encode("ascii")).decode("ascii").rstrip("=")


def paginate(
    queryset: QuerySet[M],
    *,
    cursor: str | None,
    limit: int | None,
    newest_first: bool = True,
) -> tuple[list[M], str | None]:
    """Return one page and the cursor of the next one (None on the last page)."""
    size = DEFAULT_PAGE_SIZE if limit is None else limit
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationFailed.for_field("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
    if cursor:
        last = _decode(cursor)
        queryset = queryset.filter(pk__lt=last) if newest_first else queryset.filter(pk__gt=last)
    rows = list(queryset.order_by("-pk" if newest_first else "pk")[: size + 1])
    if len(rows) > size:
        return rows[:size], _encode(rows[size - 1].pk)
    return rows, None


T = TypeVar("T")


class PageQuery(Schema):
    """`?cursor=&limit=` on every collection."""

    cursor: str | None = Field(default=None, max_length=64)
    limit: int | None = None


class Page(Schema, Generic[T]):
    """A collection answer: `{"items": [...], "next_cursor": ...}`."""

    items: list[T]
    next_cursor: str | None


def page_of(
    queryset: QuerySet[M],
    query: PageQuery,
    *,
    newest_first: bool,
    render: Callable[[M], Any] | None = None,
) -> dict[str, Any]:
    """One page of a collection answer, each row turned into its resource by `render`."""
    rows, next_cursor = paginate(
        queryset, cursor=query.cursor, limit=query.limit, newest_first=newest_first
    )
    items = rows if render is None else [render(row) for row in rows]
    return {"items": items, "next_cursor": next_cursor}
