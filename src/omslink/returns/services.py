"""Delivery, RTO and returns: the order's last moves, returns, receiving and credit notes.

Each service is one transaction holding the change, its stock moves, its credit note and its
events (CONTRACT §6.4). Rows are locked in the order fulfilment locks them: the order, then
stock balances (inside `stock_apply`), then the credit-note counter, so returns, shipping and
cancellation queue instead of deadlocking. The order's row lock also serialises every return
of one order, so two returns racing for the same units cannot both claim them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from omslink.connected_apps.models import OmsApp
from omslink.core.errors import Conflict, DuplicateOrder, InvalidTransition, ValidationFailed
from omslink.core.private_files import document_kept
from omslink.core.serials import serial_next
from omslink.core.transactions import transactional
from omslink.fulfilment.gst import ZERO, TaxAmounts, credit_share
from omslink.fulfilment.invoice_numbers import (
    InvoiceNumbersExhausted,
    credit_note_number,
    financial_year,
    invoice_prefix,
)
from omslink.fulfilment.models import Invoice, InvoiceLine
from omslink.inventory.models import StockMove
from omslink.inventory.services import StockChange, stock_apply
from omslink.orders.events import order_event_publish
from omslink.orders.models import ORDER_NUMBERS, Order, OrderLine, OrderStatus
from omslink.orders.selectors import orders_for_resource
from omslink.orders.transitions import sources_of
from omslink.returns.credit_note_pdf import render_credit_note_pdf
from omslink.returns.events import return_event_publish
from omslink.returns.models import (
    CreditNote,
    CreditNoteCounter,
    CreditNoteLine,
    Return,
    ReturnLine,
    ReturnStatus,
    ReturnType,
)
from omslink.returns.schemas import (
    ReceivedLineIn,
    ReceiveIn,
    ReturnCreateIn,
    ReturnLineIn,
    ReturnPushIn,
)
from omslink.returns.selectors import return_by_number, units_claimed
from omslink.webhooks.event_types import EventType


@dataclass(frozen=True)
class PushAnswer:
    """A pushed return: `created` for a new one, not for the same return pushed again."""

    created: bool
    ret: Return


def _locked_order(order: Order) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("site", "org_unit", "app")
        .get(pk=order.pk)
    )


def _order_now(order: Order) -> Order:
    return orders_for_resource().get(pk=order.pk)


def _move(order: Order, target: OrderStatus, **fields: object) -> None:
    """Move the order by a conditional update, or refuse with 409 and change nothing."""
    moved = Order.objects.filter(pk=order.pk, status__in=sources_of(target)).update(
        status=target, updated_at=timezone.now(), **fields
    )
    if not moved:
        current = Order.objects.values_list("status", flat=True).get(pk=order.pk)
        allowed = " or ".join(sorted(sources_of(target)))
        raise InvalidTransition(
            f"{order.number} is {current}; only an order that is {allowed} can become {target}.",
            details=[{"order": order.number, "status": current}],
        )


@transactional
def order_deliver(*, order: Order, delivered_at: datetime) -> Order:
    """The courier delivered a shipped order; the same notice again changes nothing."""
    current = _locked_order(order)
    if current.status == OrderStatus.DELIVERED:
        if current.delivered_at != delivered_at:
            raise InvalidTransition(
                f"{current.number} was delivered at another time; nothing was changed.",
                details=[{"order": current.number, "status": current.status}],
            )
        return _order_now(current)
    _move(current, OrderStatus.DELIVERED, delivered_at=delivered_at)
    delivered = _order_now(current)
    order_event_publish(delivered, EventType.ORDER_DELIVERED)
    return delivered


def _claimable(order: Order, lines: Sequence[ReturnLineIn]) -> list[tuple[OrderLine, int]]:
    """The order lines named, each with its quantity; within shipped less earlier claims."""
    by_id = {line.line_id: line for line in order.lines.all()}
    claimed = units_claimed(order)
    details = []
    chosen = []
    for index, given in enumerate(lines):
        line = by_id.get(given.line_id)
        if line is None:
            details.append(
                {
                    "field": f"lines[{index}].line_id",
                    "message": f"{order.number} has no line {given.line_id!r}",
                }
            )
            continue
        left = line.quantity - claimed.get(line.pk, 0)
        if given.quantity > left:
            details.append(
                {
                    "field": f"lines[{index}].quantity",
                    "message": f"at most {left} units of line {line.line_id!r} can be returned: "
                    f"{line.quantity} shipped, {line.quantity - left} claimed by earlier returns",
                }
            )
        chosen.append((line, given.quantity))
    if details:
        raise ValidationFailed(
            "; ".join(f"{d['field']}: {d['message']}" for d in details[:3]), details=details
        )
    return chosen


def _return_store(
    *,
    order: Order,
    type: ReturnType,
    reason: str,
    lines: Sequence[tuple[OrderLine, int]],
    courier: str | None,
    awb: str | None,
    created_by: User | None = None,
    external_return_id: str = "",
    body_hash: str = "",
) -> Return:
    ret = Return.objects.create(
        order=order,
        app=order.app,
        site=order.site,
        type=type,
        external_return_id=external_return_id,
        body_hash=body_hash,
        reason=reason,
        courier=courier or "",
        awb=awb or "",
        created_by=created_by,
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(ret=ret, order_line=line, quantity=quantity) for line, quantity in lines
    )
    return ret


def _rto_start(
    order: Order,
    *,
    reason: str,
    user: User | None,
    courier: str | None = None,
    awb: str | None = None,
) -> Return:
    """Move a shipped order to rto_initiated with its RTO return of every shipped unit.

    The parcel comes back under the AWB it left with, unless staff entered another.
    """
    _move(order, OrderStatus.RTO_INITIATED)
    ret = _return_store(
        order=order,
        type=ReturnType.RTO,
        reason=reason,
        lines=[(line, line.quantity) for line in order.lines.all()],
        courier=courier or order.courier,
        awb=awb or order.awb,
        created_by=user,
    )
    order_event_publish(_order_now(order), EventType.ORDER_RTO_INITIATED)
    return_event_publish(ret, EventType.RETURN_CREATED)
    return ret


@transactional
def order_rto(*, order: Order, reason: str) -> Order:
    """The courier is bringing a shipped order back: RTO, with its return expected.

    The same notice again (same reason) answers with the order unchanged; another reason
    is 409, since the RTO already under way was given for the first one.
    """
    current = _locked_order(order)
    if current.status in (OrderStatus.RTO_INITIATED, OrderStatus.RTO_RECEIVED):
        rto = Return.objects.filter(order=current, type=ReturnType.RTO).first()
        if rto is None or rto.reason != reason:
            raise InvalidTransition(
                f"{current.number} is already {current.status} for another reason; "
                "nothing was changed.",
                details=[{"order": current.number, "status": current.status}],
            )
        return _order_now(current)
    _rto_start(current, reason=reason, user=None)
    return _order_now(current)


def _same_return_again(ret: Return, body_hash: str) -> PushAnswer:
    if ret.body_hash != body_hash:
        raise DuplicateOrder(
            f"Return {ret.external_return_id} exists ({ret.number}) with a different body; "
            "nothing was stored."
        )
    return PushAnswer(False, return_by_number(ret.number))


def _customer_return_lines(
    order: Order, lines: Sequence[ReturnLineIn]
) -> list[tuple[OrderLine, int]]:
    if order.status != OrderStatus.DELIVERED:
        raise InvalidTransition(
            f"{order.number} is {order.status}; only a delivered order can be returned.",
            details=[{"order": order.number, "status": order.status}],
        )
    return _claimable(order, lines)


@transactional
def return_push(*, app: OmsApp, payload: ReturnPushIn) -> PushAnswer:
    """Store a buyer's return the OMS pushed, or answer with the one it pushed before.

    The same external_return_id with the same body is the same return (no second return,
    no second event); with another body, 409 `duplicate_order`.
    """
    payload.check_lines()
    body_hash = payload.body_hash()
    pushed = Return.objects.filter(app=app, external_return_id=payload.external_return_id)
    existing = pushed.first()
    if existing is not None:
        return _same_return_again(existing, body_hash)
    order = Order.objects.filter(app=app, external_order_id=payload.order).first()
    if order is None:
        raise ValidationFailed.for_field("order", f"no order {payload.order!r} from this app")
    current = _locked_order(order)
    # A push of the same return that held the order's lock before us has committed by now.
    existing = pushed.first()
    if existing is not None:
        return _same_return_again(existing, body_hash)
    lines = _customer_return_lines(current, payload.lines)
    try:
        # The unique (app, external_return_id) index stands behind the lock above.
        with transaction.atomic():
            ret = _return_store(
                order=current,
                type=ReturnType.CUSTOMER_RETURN,
                reason=payload.reason,
                lines=lines,
                courier=payload.courier,
                awb=payload.awb,
                external_return_id=payload.external_return_id,
                body_hash=body_hash,
            )
    except IntegrityError:
        winner = pushed.first()
        if winner is None:
            raise
        return _same_return_again(winner, body_hash)
    return_event_publish(ret, EventType.RETURN_CREATED)
    return PushAnswer(True, return_by_number(ret.number))


def _whole_shipment(order: Order, lines: Sequence[ReturnLineIn] | None) -> None:
    """An RTO brings back every shipped unit; given lines must say exactly that."""
    if lines is None:
        return
    given = {line.line_id: line.quantity for line in lines}
    shipped = {line.line_id: line.quantity for line in order.lines.all()}
    if given != shipped:
        raise ValidationFailed.for_field(
            "lines",
            "an RTO return brings back the whole shipment: name every line with all its "
            "units, or leave lines out (units that did not arrive are counted missing)",
        )


@transactional
def return_create(*, user: User, payload: ReturnCreateIn) -> Return:
    """Enter a return that arrived with no notice from the OMS, under the OMS's rules.

    An `rto` needs a shipped order and moves it to rto_initiated (the OMS hears it); a
    `customer_return` needs a delivered order.
    """
    payload.check_lines()
    pk = ORDER_NUMBERS.pk_of(payload.order)
    order = Order.objects.filter(pk=pk).first() if pk is not None else None
    if order is None:
        raise ValidationFailed.for_field("order", f"no order {payload.order}")
    current = _locked_order(order)
    if payload.type == ReturnType.RTO:
        _whole_shipment(current, payload.lines)
        ret = _rto_start(
            current, reason=payload.reason, user=user, courier=payload.courier, awb=payload.awb
        )
    else:
        ret = _return_store(
            order=current,
            type=ReturnType.CUSTOMER_RETURN,
            reason=payload.reason,
            lines=_customer_return_lines(current, payload.lines or []),
            courier=payload.courier,
            awb=payload.awb,
            created_by=user,
        )
        return_event_publish(ret, EventType.RETURN_CREATED)
    return return_by_number(ret.number)


def _counted(
    lines: Sequence[ReturnLine], counts: Sequence[ReceivedLineIn]
) -> dict[int, tuple[int, int]]:
    """Good and damaged units per return line, from counts per SKU; every check names a field.

    A SKU's counts fill its lines in order, good units first; what is left is missing.
    """
    expected: dict[str, int] = defaultdict(int)
    for line in lines:
        expected[line.order_line.item.sku] += line.quantity
    details = []
    seen: set[str] = set()
    for index, count in enumerate(counts):
        if count.sku not in expected:
            details.append(
                {"field": f"lines[{index}].sku", "message": f"{count.sku} is not on this return"}
            )
        elif count.sku in seen:
            details.append(
                {"field": f"lines[{index}].sku", "message": f"{count.sku} is given more than once"}
            )
        elif count.good + count.damaged > expected[count.sku]:
            details.append(
                {
                    "field": f"lines[{index}]",
                    "message": f"{count.good} good and {count.damaged} damaged units of "
                    f"{count.sku} are more than the {expected[count.sku]} this return expects",
                }
            )
        seen.add(count.sku)
    if details:
        raise ValidationFailed(
            "; ".join(f"{d['field']}: {d['message']}" for d in details[:3]), details=details
        )
    left = {count.sku: [count.good, count.damaged] for count in counts}
    found: dict[int, tuple[int, int]] = {}
    for line in lines:
        pool = left.get(line.order_line.item.sku, [0, 0])
        good = min(pool[0], line.quantity)
        damaged = min(pool[1], line.quantity - good)
        pool[0] -= good
        pool[1] -= damaged
        found[line.pk] = (good, damaged)
    return found


def _refuse_receipt(ret: Return) -> InvalidTransition:
    return InvalidTransition(
        f"{ret.number} was received already; nothing was changed.",
        details=[{"return": ret.number, "status": ReturnStatus.RECEIVED}],
    )


@transactional
def return_receive(*, ret: Return, user: User, payload: ReceiveIn) -> Return:
    """Record what came back: good units into on-hand at the order's site, damaged and
    missing units on the return, a credit note for an invoiced order, all at once.

    The OMS hears `return.received`, then `credit_note.issued` (if one was issued), then
    `order.rto_received` for an RTO.
    """
    order = _locked_order(ret.order)
    # Read after the order's lock: a receipt that held it before us has committed by now.
    still_expected = Return.objects.filter(pk=ret.pk, status=ReturnStatus.EXPECTED).exists()
    if not still_expected:
        raise _refuse_receipt(ret)
    lines = list(ret.lines.select_related("order_line__item"))
    found = _counted(lines, payload.lines)
    if not Return.objects.filter(pk=ret.pk, status=ReturnStatus.EXPECTED).update(
        status=ReturnStatus.RECEIVED, received_at=timezone.now(), received_by=user
    ):
        raise _refuse_receipt(ret)
    good_units: dict[int, int] = defaultdict(int)
    for line in lines:
        line.good, line.damaged = found[line.pk]
        line.missing = line.quantity - line.good - line.damaged
        good_units[line.order_line.item_id] += line.good
    ReturnLine.objects.bulk_update(lines, ["good", "damaged", "missing"])
    restocked = [
        StockChange(item_id, StockMove.Kind.RETURN, on_hand=units)
        for item_id, units in sorted(good_units.items())
        if units
    ]
    if restocked:
        stock_apply(site=ret.site, changes=restocked, reference=ret.number)
    return_event_publish(ret, EventType.RETURN_RECEIVED)
    if _credit_note_issue(ret, lines) is not None:
        return_event_publish(ret, EventType.CREDIT_NOTE_ISSUED)
    if ret.type == ReturnType.RTO:
        _move(order, OrderStatus.RTO_RECEIVED)
        order_event_publish(_order_now(order), EventType.ORDER_RTO_RECEIVED)
    return return_by_number(ret.number)


def _units_to_credit(
    ret: Return,
    lines: Sequence[ReturnLine],
    invoice_lines: Sequence[InvoiceLine],
    left: dict[int, int],
) -> dict[int, int]:
    """Units to credit per invoice line id.

    An RTO reverses everything still charged, charges included: the supply never happened.
    A customer return credits the units that came back (good or damaged) on their lines; an
    invoice line carries its order line's position.
    """
    if ret.type == ReturnType.RTO:
        return {line.pk: left[line.pk] for line in invoice_lines if left[line.pk]}
    by_position = {
        line.position: line for line in invoice_lines if line.kind == InvoiceLine.Kind.ITEM
    }
    units: dict[int, int] = defaultdict(int)
    for line in lines:
        back = (line.good or 0) + (line.damaged or 0)
        if back:
            units[by_position[line.order_line.position].pk] += back
    return dict(units)


def _credit_note_number(invoice: Invoice, year: str) -> tuple[int, str]:
    org_unit = invoice.org_unit
    serial = serial_next(CreditNoteCounter, org_unit=org_unit, financial_year=year)
    try:
        prefix = invoice_prefix(org_unit.code, org_unit.pk)
        return serial, credit_note_number(prefix, year, serial)
    except InvoiceNumbersExhausted as exc:
        raise Conflict(
            f"No credit note number is left for {org_unit.code} this year: {exc}."
        ) from exc


def _credit_note_issue(ret: Return, lines: Sequence[ReturnLine]) -> CreditNote | None:
    """Reverse the returned share of the order's invoice; none for an order never invoiced,
    or a customer return of which nothing came back."""
    invoice = Invoice.objects.select_related("org_unit").filter(order_id=ret.order_id).first()
    if invoice is None:
        return None
    invoice_lines = list(invoice.lines.all())
    credited = dict(
        CreditNoteLine.objects.filter(invoice_line__invoice=invoice)
        .values("invoice_line_id")
        .annotate(units=Sum("quantity"))
        .order_by()
        .values_list("invoice_line_id", "units")
    )
    left = {line.pk: line.quantity - credited.get(line.pk, 0) for line in invoice_lines}
    units = _units_to_credit(ret, lines, invoice_lines, left)
    if not units:
        return None
    shares = [
        (
            line,
            units[line.pk],
            credit_share(
                charged=TaxAmounts(line.taxable_value, line.cgst, line.sgst, line.igst),
                quantity=line.quantity,
                credited_units=credited.get(line.pk, 0),
                units=units[line.pk],
            ),
        )
        for line in invoice_lines
        if line.pk in units
    ]
    today = timezone.localdate()
    year = financial_year(today)
    serial, number = _credit_note_number(invoice, year)
    note = CreditNote.objects.create(
        ret=ret,
        invoice=invoice,
        org_unit=invoice.org_unit,
        financial_year=year,
        serial=serial,
        number=number,
        date=today,
        taxable_value=sum((share.taxable_value for _, _, share in shares), ZERO),
        cgst=sum((share.cgst for _, _, share in shares), ZERO),
        sgst=sum((share.sgst for _, _, share in shares), ZERO),
        igst=sum((share.igst for _, _, share in shares), ZERO),
        total=sum((share.total for _, _, share in shares), ZERO),
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=note,
            invoice_line=line,
            quantity=count,
            taxable_value=share.taxable_value,
            cgst=share.cgst,
            sgst=share.sgst,
            igst=share.igst,
            total=share.total,
        )
        for line, count, share in shares
    )
    return note


def credit_note_pdf(*, note: CreditNote) -> bytes:
    """The credit note as a PDF: rendered on first request, then kept beside the invoices.

    Its name carries the moment it was issued, so a data dir that outlived its database never
    serves another credit note of the same number.
    """
    name = f"{note.number.replace('/', '_')}.{note.created_at:%Y%m%dT%H%M%S%f}.pdf"
    return document_kept(
        Path(settings.OMSLINK_INVOICE_DIR) / name, lambda: render_credit_note_pdf(note)
    )
