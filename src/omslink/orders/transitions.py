"""The order statuses and the only moves between them (CONTRACT §5). Pure: no database."""

from __future__ import annotations

from omslink.orders.models import OrderStatus

ALLOWED_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.RESERVED: frozenset({OrderStatus.PICKLIST_CREATED, OrderStatus.CANCELLED}),
    OrderStatus.PICKLIST_CREATED: frozenset({OrderStatus.PICKED, OrderStatus.CANCELLED}),
    OrderStatus.PICKED: frozenset({OrderStatus.INVOICED, OrderStatus.CANCELLED}),
    OrderStatus.INVOICED: frozenset({OrderStatus.SHIPPED}),
    OrderStatus.SHIPPED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def sources_of(target: OrderStatus) -> frozenset[OrderStatus]:
    """Every status from which `target` may be reached: the filter of a conditional update."""
    return frozenset(status for status, targets in ALLOWED_MOVES.items() if target in targets)


def still_to_ship() -> frozenset[OrderStatus]:
    """Statuses from which the order can still be shipped: when a courier may be assigned."""
    reaching: set[OrderStatus] = set()
    frontier = {OrderStatus.SHIPPED}
    while frontier:
        frontier = {source for target in frontier for source in sources_of(target)} - reaching
        reaching |= frontier
    return frozenset(reaching)
