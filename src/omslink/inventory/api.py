"""Stock API: receipts, adjustments and the stock query for staff; inventory for the OMS."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from omslink.api_auth import caller_app, caller_user, partner, staff
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


@router.post("/stock/receipts", response={201: ReceiptOut}, auth=staff("stock_receive"))
def create_receipt(request: HttpRequest, payload: ReceiptIn) -> Status:
    user = caller_user(request)
    document = services.stock_receipt_create(user=user, payload=payload)
    return Status(201, ReceiptOut.of(document))


@router.post("/stock/adjustments", response={201: AdjustmentOut}, auth=staff("stock_adjust"))
def create_adjustment(request: HttpRequest, payload: AdjustmentIn) -> Status:
    user = caller_user(request)
    document = services.stock_adjustment_create(user=user, payload=payload)
    return Status(201, AdjustmentOut.of(document))


@router.get("/stock", response=Page[StockRowOut], auth=staff("stock_view"))
def list_stock(request: HttpRequest, query: Query[StockQuery]) -> dict[str, Any]:
    """One site: every item, zeros included. No site: every (site, SKU) that holds a row."""
    if query.site is None:
        return page_of(
            selectors.balances_everywhere(query.sku),
            query,
            newest_first=False,
            render=StockRowOut.of,
        )
    site = selectors.site_named(query.site)
    return page_of(
        selectors.items_with_balance_at(site, query.sku),
        query,
        newest_first=False,
        render=lambda item: StockRowOut.at(site, item),
    )


@router.get("/inventory", response=Page[InventoryRowOut], auth=partner())
def partner_inventory(request: HttpRequest, query: Query[InventoryQuery]) -> dict[str, Any]:
    """Available units at the OU's online fulfilment site, as the OMS lists them for sale."""
    app = caller_app(request)
    site = selectors.online_site_of(app.org_unit)
    return page_of(
        selectors.items_with_balance_at(site, query.sku),
        query,
        newest_first=False,
        render=InventoryRowOut.of,
    )
