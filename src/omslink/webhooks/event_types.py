"""Every event type an OMS can receive (CONTRACT §7), named once.

Each domain publishes its own types through its `events.py` (orders, inventory, returns); the
deliveries page and the deliveries API offer exactly these as filters. A new type of event is
added here first, then published by its domain.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    PING = "ping"
    ORDER_RESERVED = "order.reserved"
    ORDER_PICKLIST_CREATED = "order.picklist_created"
    ORDER_PICKED = "order.picked"
    ORDER_PACKED = "order.packed"
    ORDER_INVOICED = "order.invoiced"
    ORDER_SHIPPED = "order.shipped"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_DELIVERED = "order.delivered"
    ORDER_RTO_INITIATED = "order.rto_initiated"
    ORDER_RTO_RECEIVED = "order.rto_received"
    RETURN_CREATED = "return.created"
    RETURN_RECEIVED = "return.received"
    CREDIT_NOTE_ISSUED = "credit_note.issued"
    INVENTORY_UPDATED = "inventory.updated"
