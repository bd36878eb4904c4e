"""The operations a role can be given (CONTRACT §8), as Django permission codenames.

Each feature lists its operations in the order the Roles matrix shows them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    codename: str
    feature: str
    label: str


OPERATIONS: tuple[Operation, ...] = (
    Operation("oms_apps_view", "OMS Apps", "View"),
    Operation("oms_apps_add", "OMS Apps", "Add app"),
    Operation("oms_apps_edit", "OMS Apps", "Edit application"),
    Operation("api_keys_manage", "API keys", "Manage"),
    Operation("masters_view", "Masters", "View"),
    Operation("masters_edit", "Masters", "Edit"),
    Operation("stock_view", "Stock", "View"),
    Operation("stock_receive", "Stock", "Receive"),
    Operation("stock_adjust", "Stock", "Adjust"),
    Operation("wholesale_view", "Wholesale orders", "View"),
    Operation("wholesale_create", "Wholesale orders", "Create"),
    Operation("wholesale_dispatch", "Wholesale orders", "Dispatch"),
    Operation("wholesale_cancel", "Wholesale orders", "Cancel"),
    Operation("orders_view", "Online orders", "View"),
    Operation("orders_create_picklist", "Online orders", "Create pick list"),
    Operation("orders_confirm_picking", "Online orders", "Confirm picking"),
    Operation("orders_pack", "Online orders", "Pack & invoice"),
    Operation("orders_ship", "Online orders", "Ship"),
    Operation("orders_cancel", "Online orders", "Cancel"),
    Operation("webhooks_view", "Webhook deliveries", "View"),
    Operation("webhooks_retry", "Webhook deliveries", "Retry"),
    Operation("returns_view", "Returns", "View"),
    Operation("returns_receive", "Returns", "Receive"),
    Operation("roles_manage", "Roles and users", "Manage"),
)
CODENAMES = frozenset(operation.codename for operation in OPERATIONS)

ADMINISTRATOR = "Administrator"
WAREHOUSE = "Warehouse"
VIEWER = "Viewer"

BUILT_IN_ROLES: dict[str, frozenset[str]] = {
    ADMINISTRATOR: CODENAMES,
    WAREHOUSE: frozenset(
        op.codename
        for op in OPERATIONS
        if op.feature in {"Stock", "Wholesale orders", "Online orders", "Returns"}
    ),
    VIEWER: frozenset(op.codename for op in OPERATIONS if op.label == "View"),
}


def permission_name(codename: str) -> str:
    """The name Django's `user.has_perm` expects for one of our operations."""
    return f"accounts.{codename}"
