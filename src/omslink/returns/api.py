"""Delivery, RTO and returns API (CONTRACT §9).

The OMS reports deliveries and RTOs of its orders and pushes its buyers' returns with its
API key; staff list, receive and enter returns with personal tokens. A path that serves both
kinds of caller looks at who is calling and scopes the lookup to them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Body, Query, Router, Status
from pydantic import BaseModel

from omslink.api_auth import (
    Allow,
    caller_app,
    caller_user,
    is_staff,
    partner,
    staff,
    staff_or_partner,
)
from omslink.core.pagination import Page, page_of
from omslink.core.validation import validate_as
from omslink.orders.schemas import OrderOut
from omslink.orders.selectors import order_of_app
from omslink.returns import services
from omslink.returns.credit_note_pdf import credit_note_filename
from omslink.returns.models import Return
from omslink.returns.schemas import (
    DeliveredIn,
    ReceiveIn,
    ReturnCreateIn,
    ReturnListQuery,
    ReturnOut,
    ReturnPushIn,
    RtoIn,
)
from omslink.returns.selectors import (
    credit_note_by_number,
    return_by_number,
    return_of_app,
    returns_filtered,
)

router = Router(tags=["returns"])


def _inlined(shape: type[BaseModel]) -> dict[str, Any]:
    """A body's JSON schema with its nested models written in place, for the OpenAPI document."""
    schema = shape.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            if reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return dict(resolve(schema))


# Who calls decides the body: the OMS pushes a buyer's return, staff enter an unannounced one.
RETURN_BODIES = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [_inlined(ReturnPushIn), _inlined(ReturnCreateIn)]}
            }
        },
    }
}


@router.post("/orders/{order_id}/delivered", response=OrderOut, auth=partner())
def order_delivered(request: HttpRequest, order_id: str, payload: DeliveredIn) -> OrderOut:
    """The courier delivered the order: `shipped → delivered`; a repeat changes nothing."""
    order = order_of_app(caller_app(request), order_id)
    return OrderOut.of(services.order_deliver(order=order, delivered_at=payload.delivered_at))


@router.post("/orders/{order_id}/rto", response=OrderOut, auth=partner())
def order_rto(request: HttpRequest, order_id: str, payload: RtoIn) -> OrderOut:
    """The parcel is coming back undelivered: `shipped → rto_initiated`, its return expected."""
    order = order_of_app(caller_app(request), order_id)
    return OrderOut.of(services.order_rto(order=order, reason=payload.reason))


@router.post(
    "/returns",
    response={200: ReturnOut, 201: ReturnOut},
    auth=Allow(staff="returns_receive", partner="app"),
    openapi_extra=RETURN_BODIES,
)
def create_return(request: HttpRequest, payload: Body[dict[str, Any]]) -> Status:
    """The OMS pushes a buyer's return (`ReturnPushIn`: 201 new, 200 the same again); staff
    enter a parcel that came with no notice (`ReturnCreateIn`: 201)."""
    if is_staff(request):
        created = services.return_create(
            user=caller_user(request), payload=validate_as(ReturnCreateIn, payload)
        )
        return Status(201, ReturnOut.of(created))
    answer = services.return_push(
        app=caller_app(request), payload=validate_as(ReturnPushIn, payload)
    )
    return Status(201 if answer.created else 200, ReturnOut.of(answer.ret))


@router.get("/returns", response=Page[ReturnOut], auth=staff("returns_view"))
def list_returns(request: HttpRequest, query: Query[ReturnListQuery]) -> dict[str, Any]:
    """Newest first, filtered by status, site and type."""
    rows = returns_filtered(status=query.status, site=query.site, type=query.type)
    return page_of(rows, query, newest_first=True, render=ReturnOut.of)


def _return_for_caller(request: HttpRequest, reference: str) -> Return:
    if is_staff(request):
        return return_by_number(reference)
    return return_of_app(caller_app(request), reference)


@router.get("/returns/{reference}", response=ReturnOut, auth=staff_or_partner("returns_view"))
def get_return(request: HttpRequest, reference: str) -> ReturnOut:
    """Staff by number (`RT-000001`); the OMS by its external_return_id or the number."""
    return ReturnOut.of(_return_for_caller(request, reference))


@router.post("/returns/{number}/receive", response=ReturnOut, auth=staff("returns_receive"))
def receive_return(request: HttpRequest, number: str, payload: ReceiveIn) -> ReturnOut:
    """The parcel arrived and was checked: good units back to stock, a credit note issued."""
    received = services.return_receive(
        ret=return_by_number(number), user=caller_user(request), payload=payload
    )
    return ReturnOut.of(received)


@router.get(
    "/credit-notes/{path:number}.pdf",
    auth=staff_or_partner("returns_view"),
    openapi_extra={
        "responses": {200: {"description": "The credit note", "content": {"application/pdf": {}}}}
    },
)
def credit_note_document(request: HttpRequest, number: str) -> HttpResponse:
    """The GST credit note as a PDF, for staff who may view returns or the order's OMS app."""
    note = credit_note_by_number(number, app=None if is_staff(request) else caller_app(request))
    response = HttpResponse(services.credit_note_pdf(note=note), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{credit_note_filename(note.number)}"'
    return response
