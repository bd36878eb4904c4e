"""What list and form pages read from a request: typed numbers, lines forms, the page asked for.

Shared by every domain's views, so all pages parse a form and page through a list alike.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from omslink.core.errors import ApplicationError
from omslink.core.pagination import paginate
from omslink.masters.models import Item

EMPTY_LINE_ROWS = 4
MAX_SUGGESTIONS = 2000
PAGE_SIZE = 50
M = TypeVar("M", bound=Model)


def form_number(text: str) -> int | str:
    """A form field's digits (an optional minus first) as a number.

    Anything else stays text, so validation names the field rather than the page guessing.
    """
    text = text.strip()
    digits = text.removeprefix("-")
    if digits.isascii() and digits.isdigit() and len(digits) <= 12:
        return int(text)
    return text


def form_lines(request: HttpRequest) -> list[dict[str, Any]]:
    """The (sku, quantity) rows a lines form posted, blank rows left out."""
    rows = zip(request.POST.getlist("sku"), request.POST.getlist("quantity"), strict=False)
    return [
        {"sku": sku.strip(), "quantity": form_number(quantity)}
        for sku, quantity in rows
        if sku.strip() or quantity.strip()
    ]


def item_skus() -> list[str]:
    """SKUs the lines forms suggest as the user types."""
    return list(Item.objects.order_by("sku").values_list("sku", flat=True)[:MAX_SUGGESTIONS])


def requested_page(
    request: HttpRequest, rows: QuerySet[M], *, newest_first: bool = True
) -> tuple[list[M], str | None]:
    """The page `?cursor=` asks for; a cursor we did not issue shows page one and says so."""
    try:
        return paginate(
            rows, cursor=request.GET.get("cursor"), limit=PAGE_SIZE, newest_first=newest_first
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return paginate(rows, cursor=None, limit=PAGE_SIZE, newest_first=newest_first)
