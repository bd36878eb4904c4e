"""The site's destinations, declared once: the menu and the home page's tiles both read this.

A page added here appears in the menu and as a tile for every role that may open it, so the
two can never disagree about what exists or who may go there.
"""

from __future__ import annotations

from dataclasses import dataclass

from omslink.core.operations import CODENAMES


@dataclass(frozen=True)
class Destination:
    label: str
    url: str
    # Shown to a role with any one of these operations (each page checks again on the server).
    operations: tuple[str, ...]
    # The menu's group: "" for the top bar, else the heading it sits under in Admin.
    group: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.operations) - CODENAMES
        if unknown:
            raise ValueError(f"unknown operations {sorted(unknown)} for {self.label}")


CONNECTED_APPS_URL = "/admin/utilities/connected-apps/"
CONNECTED_APPS_GROUP = "Utilities \u203a Connected Apps"

DESTINATIONS: tuple[Destination, ...] = (
    Destination("Orders", "/orders/", ("orders_view",), description="Online orders from the OMS"),
    Destination("Pick lists", "/picklists/", ("orders_view",), description="Pick, pack and ship"),
    Destination("Stock", "/stock/", ("stock_view",), description="Balances, receipts, adjustments"),
    Destination("Returns", "/returns/", ("returns_view",), description="RTO and customer returns"),
    Destination("Wholesale", "/wholesale/", ("wholesale_view",), description="Wholesale orders"),
    Destination(
        "Webhook deliveries",
        "/webhooks/deliveries/",
        ("webhooks_view",),
        description="Events sent to the OMS",
    ),
    Destination("Masters", "/masters/", ("masters_view",), description="Org units, sites, items"),
    Destination(
        "Imports", "/imports/", ("masters_view", "stock_view"), description="CSV and XLSX files"
    ),
    Destination(
        "OMS Apps",
        f"{CONNECTED_APPS_URL}oms/",
        ("oms_apps_view",),
        group=CONNECTED_APPS_GROUP,
        description="The OMS connected to each org unit",
    ),
    Destination(
        "API keys",
        f"{CONNECTED_APPS_URL}api-keys/",
        ("oms_apps_view",),
        group=CONNECTED_APPS_GROUP,
        description="Keys the OMS calls the ERP with",
    ),
    Destination(
        "Roles",
        "/admin/security/roles/",
        ("roles_manage",),
        group="Security",
        description="What each role may do",
    ),
    Destination(
        "Users",
        "/admin/security/users/",
        ("roles_manage",),
        group="Security",
        description="Who may sign in, and their tokens",
    ),
)


def destinations_for(can: dict[str, bool]) -> list[Destination]:
    """The destinations a role with these operations may open, in menu order."""
    return [d for d in DESTINATIONS if any(can.get(op) for op in d.operations)]


def menu(can: dict[str, bool]) -> dict[str, object]:
    """The top bar's entries and Admin's groups, as the templates draw them."""
    allowed = destinations_for(can)
    groups: dict[str, list[Destination]] = {}
    for destination in allowed:
        if destination.group:
            groups.setdefault(destination.group, []).append(destination)
    return {
        "top": [d for d in allowed if not d.group],
        "admin": list(groups.items()),
        "all": allowed,
    }
