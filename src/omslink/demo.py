"""The demo data set `omslink up` loads into an empty database.

Two org units in different states (so invoices show both CGST+SGST and IGST), their sites,
a dozen items with bins and GST rates, wholesale customers, an administrator and a warehouse
user, and opening stock received at every site. Loaded through the same services the API
uses, so the demo obeys every rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User

from omslink.accounts.services import user_create
from omslink.core.operations import ADMINISTRATOR, WAREHOUSE
from omslink.core.transactions import composite_transaction
from omslink.inventory.schemas import ReceiptIn, StockLineIn
from omslink.inventory.services import stock_receipt_create
from omslink.masters.models import OrgUnit
from omslink.masters.schemas import CustomerIn, ItemIn, OrgUnitIn, SiteIn
from omslink.masters.services import customer_create, items_create, org_unit_create, site_create

DEMO_PASSWORD = "omslink-demo"  # noqa: S105 - printed by `omslink up`; the demo binds to loopback


@dataclass(frozen=True)
class DemoLogin:
    admin: str
    warehouse: str
    password: str


DEMO_LOGIN = DemoLogin(admin="admin", warehouse="warehouse", password=DEMO_PASSWORD)

_ITEMS = [
    ("TEE-RED-M", "Cotton tee, red, M", "6109", "5.00", "499.00", "A-01-01"),
    ("TEE-RED-L", "Cotton tee, red, L", "6109", "5.00", "499.00", "A-01-02"),
    ("TEE-BLU-M", "Cotton tee, blue, M", "6109", "5.00", "499.00", "A-02-01"),
    ("TEE-BLU-L", "Cotton tee, blue, L", "6109", "5.00", "499.00", "A-02-02"),
    ("SHIRT-WHT-40", "Linen shirt, white, 40", "6205", "12.00", "1899.00", "B-01-01"),
    ("SHIRT-WHT-42", "Linen shirt, white, 42", "6205", "12.00", "1899.00", "B-01-02"),
    ("JKT-BLK-M", "Denim jacket, black, M", "6201", "12.00", "3499.00", "B-03-01"),
    ("CAP-GRY", "Baseball cap, grey", "6505", "18.00", "399.00", "C-01-01"),
    ("BELT-BRN-32", "Leather belt, brown, 32", "4203", "18.00", "1299.00", "C-02-01"),
    ("SOCK-3PK", "Ankle socks, 3 pack", "6115", "5.00", "299.00", "C-03-01"),
    ("BAG-TOTE", "Canvas tote bag", "4202", "18.00", "799.00", "D-01-01"),
    ("WATCH-STL", "Steel analog watch", "9102", "18.00", "4999.00", "D-02-01"),
]


def load_demo_if_empty() -> bool:
    """Load the demo data set, whole, unless the database holds org units; say if it loaded."""
    if OrgUnit.objects.exists():
        return False
    with composite_transaction():
        _load_demo()
    return True


def _load_demo() -> None:
    org_unit_create(
        payload=OrgUnitIn(
            code="OU1",
            name="Indigo Threads Pvt Ltd",
            gstin="29AAFCI4321K1Z3",
            state_code="KA",
            address="12 Residency Road, Bengaluru, Karnataka 560025",
        )
    )
    org_unit_create(
        payload=OrgUnitIn(
            code="OU2",
            name="Indigo Threads West LLP",
            gstin="27AAFCI4321K1Z7",
            state_code="MH",
            address="4 Linking Road, Bandra West, Mumbai 400050",
        )
    )
    site_create(
        payload=SiteIn(
            code="WH1",
            name="Bengaluru online fulfilment",
            org_unit="OU1",
            online_fulfilment=True,
            address="Plot 7, Bommasandra, Bengaluru 560099",
        )
    )
    site_create(
        payload=SiteIn(
            code="WH2",
            name="Bengaluru distribution",
            org_unit="OU1",
            online_fulfilment=False,
            address="Plot 9, Bommasandra, Bengaluru 560099",
        )
    )
    site_create(
        payload=SiteIn(
            code="WH3",
            name="Bhiwandi online fulfilment",
            org_unit="OU2",
            online_fulfilment=True,
            address="Gala 14, Bhiwandi, Thane 421302",
        )
    )
    items_create(
        items=[
            ItemIn(sku=sku, name=name, hsn_code=hsn, gst_rate=rate, mrp=mrp, bin=bin_)
            for sku, name, hsn, rate, mrp, bin_ in _ITEMS
        ]
    )
    customer_create(
        payload=CustomerIn(
            code="RAO-RETAIL",
            name="Rao Retail Stores",
            state_code="KA",
            gstin="29AAHCR1234L1Z2",
            address="88 Commercial Street, Bengaluru 560001",
        )
    )
    customer_create(
        payload=CustomerIn(
            code="SHAH-TEXT",
            name="Shah Textiles",
            state_code="GJ",
            gstin="24AAJCS5678M1Z4",
            address="21 Ring Road, Surat 395002",
        )
    )
    admin = user_create(username=DEMO_LOGIN.admin, password=DEMO_PASSWORD, role=ADMINISTRATOR)
    user_create(username=DEMO_LOGIN.warehouse, password=DEMO_PASSWORD, role=WAREHOUSE)
    _receive_demo_stock(admin)


# Opening stock per site: the online sites carry every SKU, the distribution site the
# fast movers in bulk; a few SKUs are kept low so the demo can show insufficient_stock.
_OPENING_STOCK = {
    "WH1": {sku: 40 for sku, *_ in _ITEMS} | {"WATCH-STL": 3, "JKT-BLK-M": 5},
    "WH2": {
        "TEE-RED-M": 200,
        "TEE-RED-L": 200,
        "TEE-BLU-M": 150,
        "TEE-BLU-L": 150,
        "SOCK-3PK": 300,
    },
    "WH3": {sku: 25 for sku, *_ in _ITEMS} | {"WATCH-STL": 2},
}


def _receive_demo_stock(user: User) -> None:
    for site, quantities in _OPENING_STOCK.items():
        stock_receipt_create(
            user=user,
            payload=ReceiptIn(
                site=site,
                reference=f"OPENING-{site}",
                lines=[
                    StockLineIn(sku=sku, quantity=quantity) for sku, quantity in quantities.items()
                ],
            ),
        )
