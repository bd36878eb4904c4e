"""The Stock page: query balances, enter receipts and adjustments.

The forms are parsed into the API's request models and handed to the same services, so the
page refuses exactly what the API refuses; each form shows only for roles with its operation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from omslink.core.errors import ApplicationError
from omslink.core.pagination import paginate
from omslink.core.validation import validate_as
from omslink.inventory import selectors, services
from omslink.inventory.schemas import AdjustmentIn, ReceiptIn
from omslink.masters.models import Item, Site
from omslink.web.access import operation_required

PAGE_SIZE = 50
EMPTY_LINE_ROWS = 4
MAX_SUGGESTIONS = 2000


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


def _skus(text: str) -> list[str] | None:
    skus = [part for part in text.replace(",", " ").split() if part]
    return skus or None


def _stock_page(request: HttpRequest, *, status: int = 200,
                entered: dict[str, Any] | None = None) -> HttpResponse:
    site_code = request.GET.get("site", "")
    sku_text = request.GET.get("sku", "")
    rows: list[dict[str, Any]] = []
    next_cursor = None
    try:
        skus = _skus(sku_text)
        cursor = request.GET.get("cursor")
        if site_code:
            site = selectors.site_named(site_code)
            items, next_cursor = paginate(selectors.items_with_balance_at(site, skus),
                                          cursor=cursor, limit=PAGE_SIZE, newest_first=False)
            rows = [selectors.stock_row(site, item) for item in items]
        else:
            balances, next_cursor = paginate(selectors.balances_everywhere(skus), cursor=cursor,
                                             limit=PAGE_SIZE, newest_first=False)
            rows = [selectors.balance_row(balance) for balance in balances]
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return render(request, "inventory/stock.html", {
        "rows": rows,
        "next_cursor": next_cursor,
        "sites": Site.objects.order_by("code"),
        "site": site_code,
        "sku": sku_text,
        "documents": [selectors.stock_document_resource(document)
                      for document in selectors.recent_stock_documents()],
        "entered": entered or {},
        "skus": item_skus(),
        "empty_rows": range(EMPTY_LINE_ROWS),
    }, status=status)


@operation_required("stock_view")
def stock(request: HttpRequest) -> HttpResponse:
    return _stock_page(request)


def _lines_of(payload: ReceiptIn | AdjustmentIn) -> list[services.DocumentLine]:
    return [services.DocumentLine(line.sku, line.quantity) for line in payload.lines]


def _entered(request: HttpRequest, form: str) -> dict[str, Any]:
    """What the user typed, to show again after a refusal."""
    return {"form": form, "site": request.POST.get("site", ""),
            "text": request.POST.get("text", ""), "lines": form_lines(request)}


@require_POST
@operation_required("stock_receive")
def receipt_create(request: HttpRequest) -> HttpResponse:
    try:
        payload = validate_as(ReceiptIn, {"site": request.POST.get("site", ""),
                                          "reference": request.POST.get("text", ""),
                                          "lines": form_lines(request)})
        document = services.stock_receipt_create(
            user=request.user, site=payload.site,  # type: ignore[arg-type]
            reference=payload.reference, lines=_lines_of(payload))
    except ApplicationError as exc:
        messages.error(request, f"Receipt not saved: {exc.message}")
        return _stock_page(request, status=exc.status, entered=_entered(request, "receipt"))
    messages.success(request, f"Receipt {document.number} added to {payload.site}.")
    return HttpResponseRedirect(f"{reverse('inventory:stock')}?site={payload.site}")


@require_POST
@operation_required("stock_adjust")
def adjustment_create(request: HttpRequest) -> HttpResponse:
    try:
        payload = validate_as(AdjustmentIn, {"site": request.POST.get("site", ""),
                                             "reason": request.POST.get("text", ""),
                                             "lines": form_lines(request)})
        document = services.stock_adjustment_create(
            user=request.user, site=payload.site,  # type: ignore[arg-type]
            reason=payload.reason, lines=_lines_of(payload))
    except ApplicationError as exc:
        messages.error(request, f"Adjustment not saved: {exc.message}")
        return _stock_page(request, status=exc.status, entered=_entered(request, "adjustment"))
    messages.success(request, f"Adjustment {document.number} applied at {payload.site}.")
    return HttpResponseRedirect(f"{reverse('inventory:stock')}?site={payload.site}")
