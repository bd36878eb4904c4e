"""Stock API: receipts, adjustments and the stock query for staff; inventory for the OMS."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from omslink.api_auth import partner_app, staff_user
from omslink.core.pagination import Page, page_of
from omslink.inventory import selectors, services
from omslink.inventory.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    InventoryQuery,
    InventoryRowOut,
    ReceiptIn,
    ReceiptOut,
    StockQuery,
    StockRowOut,
)

router = Router(tags=["stock"])


def _lines(payload: ReceiptIn | AdjustmentIn) -> list[services.DocumentLine]:
    return [services.DocumentLine(line.sku, line.quantity) for line in payload.lines]


@router.post("/stock/receipts", response={201: ReceiptOut})
def create_receipt(request: HttpRequest, payload: ReceiptIn) -> Status:
    user = staff_user(request, "stock_receive")
    document = services.stock_receipt_create(user=user, site=payload.site,
                                             reference=payload.reference, lines=_lines(payload))
    return Status(201, selectors.stock_document_resource(document))


@router.post("/stock/adjustments", response={201: AdjustmentOut})
def create_adjustment(request: HttpRequest, payload: AdjustmentIn) -> Status:
    user = staff_user(request, "stock_adjust")
    document = services.stock_adjustment_create(user=user, site=payload.site,
                                                reason=payload.reason, lines=_lines(payload))
    return Status(201, selectors.stock_document_resource(document))


@router.get("/stock", response=Page[StockRowOut])
def list_stock(request: HttpRequest, query: Query[StockQuery]) -> dict[str, Any]:
    """One site: every item, zeros included. No site: every (site, SKU) that holds a row."""
    staff_user(request, "stock_view")
    if query.site is None:
        page = page_of(selectors.balances_everywhere(query.sku), query, newest_first=False)
        page["items"] = [selectors.balance_row(balance) for balance in page["items"]]
        return page
    site = selectors.site_named(query.site)
    page = page_of(selectors.items_with_balance_at(site, query.sku), query, newest_first=False)
    page["items"] = [selectors.stock_row(site, item) for item in page["items"]]
    return page


@router.get("/inventory", response=Page[InventoryRowOut])
def partner_inventory(request: HttpRequest, query: Query[InventoryQuery]) -> dict[str, Any]:
    """Available units at the OU's online fulfilment site, as the OMS lists them for sale."""
    app = partner_app(request)
    site = selectors.online_site_of(app.org_unit)
    page = page_of(selectors.items_with_balance_at(site, query.sku), query, newest_first=False)
    page["items"] = [selectors.stock_row(site, item) for item in page["items"]]
    return page
