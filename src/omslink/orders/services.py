"""Online orders: intake from the OMS, cancellation, courier assignment (CONTRACT §4, §5).

Each service is one transaction holding the change, its stock moves and its events, so the
OMS hears of exactly what committed (CONTRACT §6.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import Conflict, DuplicateOrder, InvalidTransition
from omslink.core.ids import unique_row
from omslink.core.json_format import as_stored_json
from omslink.core.transactions import transactional
from omslink.inventory.models import StockMove
from omslink.inventory.selectors import items_by_sku, online_site_of
from omslink.inventory.services import StockChange, stock_apply
from omslink.orders.events import order_event_publish
from omslink.orders.models import IdempotencyRecord, Order, OrderLine, OrderStatus
from omslink.orders.schemas import OrderIn, OrderOut
from omslink.orders.selectors import orders_for_resource, stock_held_by
from omslink.orders.transitions import sources_of, still_to_ship
from omslink.webhooks.event_types import EventType


@dataclass(frozen=True)
class OrderIntake:
    """What a push did, and the order as its answer shows it.

    `created` is False when the order was stored already (the same order pushed again); a
    replay under an Idempotency-Key repeats the first push's outcome and resource.
    """

    created: bool
    order: OrderOut


def _claim_idempotency_key(app: OmsApp, key: str, body_hash: str) -> OrderIntake | None:
    """Take the key for this request, or return the first answer given under it.

    The insert is the lock: a concurrent request with the same key waits on the unique
    index until the first one commits, then reads its final answer.
    """
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                app=app, key=key, request_hash=body_hash, created=False, response_body={}
            )
        return None
    except IntegrityError:
        record = IdempotencyRecord.objects.get(app=app, key=key)
    if record.request_hash != body_hash:
        raise Conflict("This Idempotency-Key was used with a different body; nothing was stored.")
    return OrderIntake(record.created, OrderOut.model_validate(record.response_body))


def _same_order_again(order: Order, body_hash: str) -> OrderIntake:
    if order.body_hash != body_hash:
        raise DuplicateOrder(
            f"Order {order.external_order_id} exists ({order.number}) with a different body; "
            "nothing was stored."
        )
    return OrderIntake(False, OrderOut.of(orders_for_resource().get(pk=order.pk)))


def _store_and_reserve(app: OmsApp, payload: OrderIn, body_hash: str) -> OrderIntake:
    same_id = Order.objects.filter(app=app, external_order_id=payload.external_order_id)
    existing = unique_row(same_id)
    if existing is not None:
        return _same_order_again(existing, body_hash)
    items = items_by_sku(line.sku for line in payload.lines)
    site = online_site_of(app.org_unit)
    try:
        # The unique (app, external_order_id) index is where simultaneous pushes of one order
        # queue: the losers see the winner's order once it commits and answer as a repeat.
        with transaction.atomic():
            # Stored as a read gives them back, so the answer can be rendered from this row.
            order = Order.objects.create(
                app=app,
                org_unit=app.org_unit,
                site=site,
                external_order_id=payload.external_order_id,
                body_hash=body_hash,
                marketplace=payload.marketplace,
                marketplace_order_id=payload.marketplace_order_id,
                ordered_at=payload.ordered_at.astimezone(UTC),
                payment_mode=payload.payment_mode,
                customer=as_stored_json(payload.customer.model_dump(mode="json")),
                shipping_address=as_stored_json(payload.shipping_address.model_dump(mode="json")),
                billing_gstin=payload.billing_gstin or "",
                shipping_charge=Decimal(payload.shipping_charge),
                cod_charge=Decimal(payload.cod_charge),
            )
    except IntegrityError:
        winner = unique_row(same_id)
        if winner is None:
            raise
        return _same_order_again(winner, body_hash)
    lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=position,
            line_id=line.line_id,
            item=items[line.sku],
            quantity=line.quantity,
            unit_price=Decimal(line.unit_price),
            discount=Decimal(line.discount),
        )
        for position, line in enumerate(payload.lines, start=1)
    )
    resource = order_event_publish(
        order, EventType.ORDER_RESERVED, resource=OrderOut.of_new(order, lines)
    )
    # Last, so the stock rows are locked only from their UPDATE to the commit.
    stock_apply(
        site=site,
        changes=[
            StockChange(items[line.sku].pk, StockMove.Kind.RESERVE, reserved=line.quantity)
            for line in payload.lines
        ],
        reference=order.number,
    )
    return OrderIntake(True, resource)


@transactional
def order_intake(*, app: OmsApp, payload: OrderIn, idempotency_key: str | None) -> OrderIntake:
    """Store a pushed order and reserve all of it at the OU's online site, or change nothing.

    The same external_order_id with the same body answers 200 with the stored order (no
    second reservation, no second event); with another body, 409 `duplicate_order`. Only a
    successful answer is kept for an Idempotency-Key: a refused push stored nothing, so its
    retry is judged afresh.
    """
    payload.check_lines()
    body_hash = payload.body_hash()
    if idempotency_key is not None:
        replay = _claim_idempotency_key(app, idempotency_key, body_hash)
        if replay is not None:
            return replay
    intake = _store_and_reserve(app, payload, body_hash)
    if idempotency_key is not None:
        IdempotencyRecord.objects.filter(app=app, key=idempotency_key).update(
            created=intake.created, response_body=intake.order.data()
        )
    return intake


def order_mark_cancelled(*, order: Order, by: Order.CancelledBy, reason: str) -> Order:
    """Cancel inside the caller's transaction: release what the order holds, tell the OMS.

    For services that cancel as part of a larger change (e.g. confirming a pick list);
    returns the order as cancelled.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("order_mark_cancelled must run inside the caller's transaction")
    now = timezone.now()
    moved = Order.objects.filter(pk=order.pk, status__in=sources_of(OrderStatus.CANCELLED)).update(
        status=OrderStatus.CANCELLED,
        cancelled_by=by,
        cancel_reason=reason,
        cancelled_at=now,
        updated_at=now,
    )
    if not moved:
        current = Order.objects.values_list("status", flat=True).get(pk=order.pk)
        raise InvalidTransition(
            f"{order.number} is {current}; only a reserved, picklist_created or picked order "
            "can be cancelled."
        )
    held = stock_held_by(order)
    if held:
        stock_apply(
            site=order.site,
            changes=[
                StockChange(item_id, StockMove.Kind.RELEASE, reserved=-units)
                for item_id, units in sorted(held.items())
            ],
            reference=order.number,
        )
    cancelled = orders_for_resource().get(pk=order.pk)
    order_event_publish(cancelled, EventType.ORDER_CANCELLED)
    return cancelled


@transactional
def order_cancel(*, order: Order, by: Order.CancelledBy, reason: str) -> Order:
    """Cancel an order for the OMS or the ERP and release its reservation."""
    return order_mark_cancelled(order=order, by=by, reason=reason)


@transactional
def order_assign_awb(*, order: Order, courier: str, awb: str) -> Order:
    """Record the courier and AWB the OMS assigned, any time before the order ships.

    A re-assignment replaces the earlier one; nothing is published, since the OMS is the
    one that told us.
    """
    moved = Order.objects.filter(pk=order.pk, status__in=still_to_ship()).update(
        courier=courier, awb=awb, updated_at=timezone.now()
    )
    if not moved:
        current = Order.objects.values_list("status", flat=True).get(pk=order.pk)
        raise InvalidTransition(
            f"{order.number} is {current}; a courier can be assigned only before shipping."
        )
    return orders_for_resource().get(pk=order.pk)
