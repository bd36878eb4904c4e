"""Fulfilment API: pick lists, picking, pack & invoice, ship, invoice PDFs (CONTRACT §3)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Body, Query, Router, Status

from omslink.api_auth import caller_app, caller_user, is_staff, staff, staff_or_partner
from omslink.core.pagination import Page, page_of
from omslink.fulfilment import services
from omslink.fulfilment.invoice_pdf import invoice_pdf_response
from omslink.fulfilment.schemas import (
    PackIn,
    PickListConfirmIn,
    PickListIn,
    PickListOut,
    PickListQuery,
    ShipIn,
)
from omslink.fulfilment.selectors import (
    invoice_by_number,
    picklist_by_number,
    picklists_list,
)
from omslink.orders.schemas import OrderOut
from omslink.orders.selectors import order_by_number

router = Router(tags=["fulfilment"])


@router.post("/picklists", response={201: PickListOut}, auth=staff("orders_create_picklist"))
def create_picklist(request: HttpRequest, payload: PickListIn) -> Status:
    """Put the given reserved orders, or the oldest `max_orders` of the site, on a pick list."""
    user = caller_user(request)
    picklist = services.picklist_create(user=user, payload=payload)
    return Status(201, PickListOut.of(picklist))


@router.get("/picklists", response=Page[PickListOut], auth=staff("orders_view"))
def list_picklists(request: HttpRequest, query: Query[PickListQuery]) -> dict[str, Any]:
    """Newest first, optionally only open or confirmed ones, or one site's."""
    picklists = picklists_list(status=query.status, site=query.site)
    return page_of(picklists, query, newest_first=True, render=PickListOut.of)


@router.get("/picklists/{number}", response=PickListOut, auth=staff("orders_view"))
def get_picklist(request: HttpRequest, number: str) -> PickListOut:
    return PickListOut.of(picklist_by_number(number))


@router.post(
    "/picklists/{number}/confirm", response=PickListOut, auth=staff("orders_confirm_picking")
)
def confirm_picklist(request: HttpRequest, number: str, payload: PickListConfirmIn) -> PickListOut:
    """Picking done: complete orders move to picked, short ones are cancelled (out_of_stock)."""
    user = caller_user(request)
    picklist = services.picklist_confirm(
        user=user,
        picklist=picklist_by_number(number),
        payload=payload,
    )
    return PickListOut.of(picklist)


@router.post("/orders/{order_id}/pack", response=OrderOut, auth=staff("orders_pack"))
def pack_order(request: HttpRequest, order_id: str, payload: PackIn) -> OrderOut:
    """Packing and invoicing in one step: the order moves to invoiced with its invoice."""
    order = services.order_pack(order=order_by_number(order_id), payload=payload)
    return OrderOut.of(order)


@router.post("/orders/{order_id}/ship", response=OrderOut, auth=staff("orders_ship"))
def ship_order(
    request: HttpRequest, order_id: str, payload: Body[ShipIn | None] = None
) -> OrderOut:
    """Hand the order to its courier; courier and AWB come from here or the OMS.

    The body may be left out when the OMS assigned both.
    """
    given = payload or ShipIn()
    order = services.order_ship(
        order=order_by_number(order_id), courier=given.courier, awb=given.awb
    )
    return OrderOut.of(order)


@router.get(
    "/invoices/{path:number}.pdf",
    auth=staff_or_partner("orders_view"),
    openapi_extra={
        "responses": {200: {"description": "The tax invoice", "content": {"application/pdf": {}}}}
    },
)
def invoice_document(request: HttpRequest, number: str) -> HttpResponse:
    """The tax invoice as a PDF, for staff who may view orders or the order's own OMS app.

    The OMS receives this address in `order.invoiced`, so its API key may fetch the
    invoices of its own orders; another app's invoice is as unknown as a missing one.
    """
    if is_staff(request):
        invoice = invoice_by_number(number)
    else:
        invoice = invoice_by_number(number, app=caller_app(request))
    return invoice_pdf_response(invoice.number, services.invoice_pdf(invoice=invoice))
