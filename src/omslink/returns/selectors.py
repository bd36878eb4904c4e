"""Read returns and credit notes: keyword filters shared by the API and the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet, Sum

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import NotFound
from omslink.inventory.selectors import site_named
from omslink.orders.models import ORDER_NUMBERS, Order
from omslink.returns.models import (
    RETURN_NUMBERS,
    CreditNote,
    Return,
    ReturnLine,
    ReturnStatus,
    ReturnType,
)
from omslink.spreadsheets.exports import CHUNK_ROWS

_CREDIT_NOTE_NUMBER = re.compile(r"^[A-Za-z0-9/-]{1,16}$")


def returns_for_resource() -> QuerySet[Return]:
    """Returns with everything the resource shows, in a fixed number of queries."""
    return Return.objects.select_related("order", "site", "credit_note").prefetch_related(
        "lines__order_line__item"
    )


def returns_filtered(
    *,
    status: ReturnStatus | str | None = None,
    site: str | None = None,
    type: ReturnType | str | None = None,
    order: Order | None = None,
) -> QuerySet[Return]:
    """Returns of one status, site (by code; unknown: 422), type and order, each optional."""
    rows = returns_for_resource()
    if order is not None:
        rows = rows.filter(order=order)
    if status is not None:
        rows = rows.filter(status=status)
    if site is not None:
        rows = rows.filter(site=site_named(site))
    if type is not None:
        rows = rows.filter(type=type)
    return rows


RETURN_EXPORT_COLUMNS = (
    "return",
    "external_return_id",
    "type",
    "status",
    "order",
    "external_order_id",
    "site",
    "reason",
    "courier",
    "awb",
    "units",
    "good",
    "damaged",
    "missing",
    "credit_note",
    "credit_total",
    "created_at",
    "received_at",
)


def returns_export_rows(
    *,
    status: ReturnStatus | str | None = None,
    site: str | None = None,
    type: ReturnType | str | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Every return `returns_filtered` selects, newest first, one tuple each, in chunks.

    Plain values with the lines summed in the database, so any number of returns stream
    through; the counts stay empty until the return is received. An unknown site is 422 at
    once, before any row is produced.
    """
    found = (
        returns_filtered(status=status, site=site, type=type)
        .prefetch_related(None)
        .order_by("-pk")
        .annotate(
            units=Sum("lines__quantity"),
            units_good=Sum("lines__good"),
            units_damaged=Sum("lines__damaged"),
            units_missing=Sum("lines__missing"),
        )
        .values_list(
            "pk",
            "external_return_id",
            "type",
            "status",
            "order_id",
            "order__external_order_id",
            "site__code",
            "reason",
            "courier",
            "awb",
            "units",
            "units_good",
            "units_damaged",
            "units_missing",
            "credit_note__number",
            "credit_note__total",
            "created_at",
            "received_at",
        )
    )
    return (
        (RETURN_NUMBERS.format(pk), external, kind, state, ORDER_NUMBERS.format(order), *rest)
        for pk, external, kind, state, order, *rest in found.iterator(chunk_size=CHUNK_ROWS)
    )


def return_by_number(number: str) -> Return:
    """The return a number (`RT-000001`) names; 404 when there is none."""
    return RETURN_NUMBERS.row(returns_for_resource(), number, what="return")


def return_of_app(app: OmsApp, reference: str) -> Return:
    """This app's return by its external_return_id or its number; another app's is unknown."""
    rows = returns_for_resource().filter(app=app)
    found = rows.filter(external_return_id=reference).first()
    if found is None:
        pk = RETURN_NUMBERS.pk_of(reference)
        found = rows.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFound(f"No return {reference!r} from this app.")
    return found


def returns_matching(scanned: str) -> QuerySet[Return]:
    """Returns a scanned or typed code names: a return or order number, an AWB, an OMS id.

    What a barcode scanner reads off a returned parcel is usually the AWB; a person may type
    the return's or the order's number instead. Newest first.
    """
    text = scanned.strip()
    match = Q(awb=text) | Q(order__awb=text) | Q(order__external_order_id=text)
    match |= Q(external_return_id=text)
    for numbers, field in ((RETURN_NUMBERS, "pk"), (ORDER_NUMBERS, "order_id")):
        pk = numbers.pk_of(text.upper())
        if pk is not None:
            match |= Q(**{field: pk})
    return returns_for_resource().filter(match).order_by("-pk") if text else Return.objects.none()


def units_claimed(order: Order) -> dict[int, int]:
    """Units per order line id that the order's returns claim (missing units stay claimed)."""
    rows = (
        ReturnLine.objects.filter(ret__order=order)
        .values("order_line_id")
        .annotate(claimed=Sum("quantity"))
        .order_by()
    )
    return {row["order_line_id"]: row["claimed"] for row in rows}


def credit_note_by_number(number: str, *, app: OmsApp | None = None) -> CreditNote:
    """The credit note with everything its PDF prints; with `app`, only that app's orders'."""
    notes = CreditNote.objects.select_related(
        "org_unit", "invoice__org_unit", "invoice__order__site", "ret"
    ).prefetch_related("lines__invoice_line")
    if app is not None:
        notes = notes.filter(invoice__order__app=app)
    note = notes.filter(number=number).first() if _CREDIT_NOTE_NUMBER.match(number) else None
    if note is None:
        raise NotFound(f"No credit note {number!r}.")
    return note


def damaged_lines(*, site: str | None = None) -> QuerySet[ReturnLine]:
    """Received return lines with damaged units, newest first: the damaged-units report."""
    rows = ReturnLine.objects.filter(damaged__gt=0).select_related(
        "ret__order", "ret__site", "order_line__item"
    )
    if site is not None:
        rows = rows.filter(ret__site=site_named(site))
    return rows.order_by("-ret__received_at", "-pk")
