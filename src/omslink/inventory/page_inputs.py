"""What the stock, wholesale and order pages read from a request: lines forms and list pages."""

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


def form_lines(request: HttpRequest) -> list[dict[str, Any]]:
    """The (sku, quantity) rows a lines form posted, blank rows left out.

    Digits become numbers; anything else stays text so validation names the row.
    """
    rows = zip(request.POST.getlist("sku"), request.POST.getlist("quantity"), strict=False)
    lines = []
    for sku, quantity in rows:
        if not sku.strip() and not quantity.strip():
            continue
        text = quantity.strip()
        digits = text.removeprefix("-")
        number: int | str = text
        if digits.isascii() and digits.isdigit() and len(digits) <= 12:
            number = int(text)
        lines.append({"sku": sku.strip(), "quantity": number})
    return lines


def item_skus() -> list[str]:
    """SKUs the lines forms suggest as the user types."""
    return list(Item.objects.order_by("sku").values_list("sku", flat=True)[:MAX_SUGGESTIONS])


def newest_page(request: HttpRequest, queryset: QuerySet[M]) -> tuple[list[M], str | None]:
    """The page `?cursor=` asks for, newest first; a cursor we did not issue shows page one."""
    try:
        return paginate(queryset, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return paginate(queryset, cursor=None, limit=PAGE_SIZE)
