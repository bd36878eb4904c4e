"""Find the one row a URL names, or raise `NotFound` (the API's 404, a page's 404).

A selector that looks a row up by its database id uses `row_by_id`, by its document number
(`SO-000001`) `DocumentNumbers.row`, by any other key `one_row`; a number no column can hold
is simply not found.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from django.db.models import Model, QuerySet
from pydantic import BeforeValidator

from omslink.core.errors import NotFound

MAX_DATABASE_ID = 2**63 - 1


def is_database_id(value: int) -> bool:
    """True if the value fits a positive BIGINT; larger ones would make the database raise."""
    return 0 < value <= MAX_DATABASE_ID


def _path_id(value: object) -> int:
    # Raised, not a ValueError: pydantic passes it through, so the answer is 404 not 422, and
    # only after the route's `Allow` has admitted the caller (401 comes first).
    text = str(value)
    if text.isascii() and text.isdecimal() and len(text) <= 19 and is_database_id(int(text)):
        return int(text)
    raise NotFound(f"No resource has the id {text!r}.")


PathId = Annotated[int, BeforeValidator(_path_id)]
"""A database id in a URL, declared as `/things/{thing_id}` (no `int:` converter).

An `int:` converter would send `/things/-1` or `/things/null` past the route to the catch-all
404, before authentication; the contract wants the known route's 401 without a token and 404
with one.
"""

M = TypeVar("M", bound=Model)


def unique_row(rows: QuerySet[M]) -> M | None:
    """The row a lookup by a unique key finds, or None.

    Unlike `first()` it adds no ORDER BY, whose compiling costs the ORM more CPU than such a
    query costs the database: for the look-ups every API request makes.
    """
    return next(iter(rows[:1]), None)


def one_row(rows: QuerySet[M], *, what: str) -> M:
    """The row `rows` narrows down to; `NotFound` ("No {what}.") when there is none."""
    found = rows.first()
    if found is None:
        raise NotFound(f"No {what}.")
    return found


def row_by_id(rows: QuerySet[M], pk: int | None, *, what: str, shown_as: object = None) -> M:
    """The row of `rows` with this id; 404 naming `what` (and `shown_as`, else the id) if none."""
    wanted = rows.filter(pk=pk) if pk is not None and is_database_id(pk) else rows.none()
    return one_row(wanted, what=f"{what} {pk if shown_as is None else shown_as}")


class DocumentNumbers:
    """The numbers people see for rows: a prefix and the zero-padded id, such as SO-000001.

    Deriving the number from the id needs no counter and no second write. Reading one back
    accepts exactly the spelling `format` produces: `SO-1`, `SO-0000001` or non-ASCII digits
    name no row.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def format(self, pk: int) -> str:
        return f"{self.prefix}{pk:06d}"

    def pk_of(self, number: str) -> int | None:
        """The id behind a number, or None if no row could carry that number."""
        digits = number.removeprefix(self.prefix)
        if digits == number or not (digits.isascii() and digits.isdecimal()) or len(digits) > 19:
            return None
        pk = int(digits)
        return pk if is_database_id(pk) and self.format(pk) == number else None

    def row(self, rows: QuerySet[M], number: str, *, what: str) -> M:
        """The row of `rows` a number names; 404 naming `what` when there is none."""
        return row_by_id(rows, self.pk_of(number), what=what, shown_as=repr(number))
