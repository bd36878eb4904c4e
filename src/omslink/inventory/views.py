"""The Stock page: query balances, enter receipts and adjustments.

The forms are parsed into the API's request models and handed to the same services, so the
page refuses exactly what the API refuses; each form shows only for roles with its operation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from omslink.core.errors import ApplicationError
from omslink.core.pagination import paginate
from omslink.core.validation import validate_as
from omslink.inventory import selectors, services
from omslink.inventory.models import StockDocument
from omslink.inventory.schemas import AdjustmentIn, ReceiptIn, StockRowOut, stock_document_out
from omslink.masters.models import Site
from omslink.spreadsheets.exports import export_format, spreadsheet_response
from omslink.spreadsheets.kinds import KINDS as IMPORT_KINDS
from omslink.web.access import operation_required, signed_in_user
from omslink.web.page_inputs import EMPTY_LINE_ROWS, PAGE_SIZE, form_lines, item_skus


def _skus(text: str) -> list[str] | None:
    skus = [part for part in text.replace(",", " ").split() if part]
    return skus or None


def _stock_page(
    request: HttpRequest, *, status: int = 200, entered: dict[str, Any] | None = None
) -> HttpResponse:
    site_code = request.GET.get("site", "")
    sku_text = request.GET.get("sku", "")
    rows: list[StockRowOut] = []
    next_cursor = None
    try:
        skus = _skus(sku_text)
        cursor = request.GET.get("cursor")
        if site_code:
            site = selectors.site_named(site_code)
            items, next_cursor = paginate(
                selectors.items_with_balance_at(site, skus),
                cursor=cursor,
                limit=PAGE_SIZE,
                newest_first=False,
            )
            rows = [StockRowOut.at(site, item) for item in items]
        else:
            balances, next_cursor = paginate(
                selectors.balances_everywhere(skus),
                cursor=cursor,
                limit=PAGE_SIZE,
                newest_first=False,
            )
            rows = [StockRowOut.of(balance) for balance in balances]
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return render(
        request,
        "inventory/stock.html",
        {
            "rows": rows,
            "next_cursor": next_cursor,
            "sites": Site.objects.order_by("code"),
            "site": site_code,
            "sku": sku_text,
            "documents": [
                stock_document_out(document).model_dump()
                for document in selectors.recent_stock_documents()
            ],
            "entered": entered or {},
            "skus": item_skus(),
            "empty_rows": range(EMPTY_LINE_ROWS),
            "import_kind": IMPORT_KINDS["stock"],
        },
        status=status,
    )


@operation_required("stock_view")
def stock(request: HttpRequest) -> HttpResponseBase:
    """The balances; `?export=csv|xlsx` downloads every row the query selects."""
    fmt = export_format(request)
    if fmt is not None:
        try:
            rows = selectors.stock_export_rows(
                site=request.GET.get("site") or None, skus=_skus(request.GET.get("sku", ""))
            )
            return spreadsheet_response(
                fmt, name="stock", header=selectors.STOCK_EXPORT_COLUMNS, rows=rows
            )
        except ApplicationError as exc:
            messages.error(request, f"Nothing exported: {exc.message}")
    return _stock_page(request)


def _save_document(request: HttpRequest, kind: StockDocument.Kind) -> HttpResponse:
    """Validate a receipt or adjustment form as the API would, then call its service."""
    receipt = kind == StockDocument.Kind.RECEIPT
    label = "Receipt" if receipt else "Adjustment"
    fields = {
        "site": request.POST.get("site", ""),
        "lines": form_lines(request),
        "reference" if receipt else "reason": request.POST.get("text", ""),
    }
    try:
        if receipt:
            document = services.stock_receipt_create(
                user=signed_in_user(request), payload=validate_as(ReceiptIn, fields)
            )
        else:
            document = services.stock_adjustment_create(
                user=signed_in_user(request), payload=validate_as(AdjustmentIn, fields)
            )
    except ApplicationError as exc:
        messages.error(request, f"{label} not saved: {exc.message}")
        entered = {
            "form": kind.value,
            "site": fields["site"],
            "text": request.POST.get("text", ""),
            "lines": fields["lines"],
        }
        return _stock_page(request, status=exc.status, entered=entered)
    messages.success(request, f"{label} {document.number} saved at {document.site.code}.")
    return HttpResponseRedirect(f"{reverse('inventory:stock')}?site={document.site.code}")


@require_POST
@operation_required("stock_receive")
def receipt_create(request: HttpRequest) -> HttpResponse:
    return _save_document(request, StockDocument.Kind.RECEIPT)


@require_POST
@operation_required("stock_adjust")
def adjustment_create(request: HttpRequest) -> HttpResponse:
    return _save_document(request, StockDocument.Kind.ADJUSTMENT)
