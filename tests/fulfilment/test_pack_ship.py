"""Packing with the GST invoice, and shipping: moves, numbers, stock, events, refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from omslink.fulfilment.invoice_numbers import financial_year
from omslink.fulfilment.models import Invoice
from omslink.inventory.models import StockMove
from omslink.masters.schemas import OrgUnitIn, SiteIn
from omslink.masters.services import org_unit_create, site_create
from omslink.orders.models import Order
from tests.conftest import ApiClient, ConnectedApp, Masters, Push, assert_error, connect_app
from tests.fulfilment.conftest import (
    BOX,
    event_types,
    fulfilment_snapshot,
    last_event,
    to_invoiced,
    to_picked,
    walk_to,
)
from tests.inventory.state import assert_stock_consistent, balance, receive
from tests.orders.bodies import order_body

TWO_RATES = [
    {"line_id": "1", "sku": "TEE-RED-M", "quantity": 2, "unit_price": "499.00", "discount": "0.00"},
    {
        "line_id": "2",
        "sku": "JKT-BLK-M",
        "quantity": 1,
        "unit_price": "2999.00",
        "discount": "100.00",
    },
]
KARNATAKA = order_body()["shipping_address"]
MAHARASHTRA = {**KARNATAKA, "city": "Pune", "state_code": "MH", "pincode": "411001"}


def year() -> str:
    return financial_year(timezone.localdate())


def external_id(order: str) -> str:
    return Order.objects.get(pk=int(order[3:])).external_order_id


class TestPack:
    def test_intra_state_invoice_splits_cgst_and_sgst(
        self, stocked: Masters, push: Push, warehouse: ApiClient
    ) -> None:
        order = push(priced=TWO_RATES, shipping_charge="50.00", cod_charge="30.00")
        to_picked(warehouse, [order])
        answer = warehouse.post(
            f"/orders/{order}/pack",
            {
                "packages": [
                    BOX,
                    {"weight_grams": 1200, "length_mm": 400, "breadth_mm": 300, "height_mm": 120},
                ]
            },
        )
        assert answer.status == 200, answer.body
        resource = answer.body
        assert resource["status"] == "invoiced"
        assert resource["packages"] == [
            BOX,
            {"weight_grams": 1200, "length_mm": 400, "breadth_mm": 300, "height_mm": 120},
        ]
        number = f"OU1/{year()}/000001"
        # By hand: tees 998.00 at 5% -> 950.48 + 23.76 + 23.76; jacket 2899.00 at 12% ->
        # 2588.39 + 155.31 + 155.30; shipping 50 and COD 30 at the highest rate, 12% ->
        # 44.64 + 2.68 + 2.68 and 26.79 + 1.61 + 1.60.
        assert resource["invoice"] == {
            "number": number,
            "date": timezone.localdate().isoformat(),
            "taxable_value": "3610.30",
            "cgst": "183.36",
            "sgst": "183.34",
            "igst": "0.00",
            "total": "3977.00",
            "pdf_url": f"/api/v1/invoices/{number}.pdf",
        }
        invoice = Invoice.objects.get(number=number)
        assert (invoice.place_of_supply, invoice.intra_state) == ("KA", True)
        assert list(invoice.lines.values_list("kind", "hsn_code", "gst_rate", "taxable_value")) == [
            ("item", "6109", Decimal("5.00"), Decimal("950.48")),
            ("item", "6201", Decimal("12.00"), Decimal("2588.39")),
            ("shipping", "6201", Decimal("12.00"), Decimal("44.64")),
            ("cod", "6201", Decimal("12.00"), Decimal("26.79")),
        ]

    def test_inter_state_invoice_is_igst(
        self, stocked: Masters, push: Push, warehouse: ApiClient
    ) -> None:
        order = push(
            priced=TWO_RATES,
            shipping_address=MAHARASHTRA,
            shipping_charge="50.00",
            cod_charge="30.00",
        )
        invoice = to_invoiced(warehouse, order)["invoice"]
        assert (
            invoice["taxable_value"],
            invoice["cgst"],
            invoice["sgst"],
            invoice["igst"],
            invoice["total"],
        ) == ("3610.30", "0.00", "0.00", "366.70", "3977.00")
        assert Invoice.objects.get().place_of_supply == "MH"

    def test_plate_letters_are_the_same_state(
        self, stocked: Masters, warehouse: ApiClient, admin: tuple[Any, str]
    ) -> None:
        chhattisgarh = org_unit_create(
            payload=OrgUnitIn(
                code="CG1",
                name="Raipur Traders",
                gstin="22ABCDE1234F1Z5",
                state_code="CG",
                address="Raipur",
            )
        )
        site_create(
            payload=SiteIn(code="WH7", name="Raipur", org_unit="CG1", online_fulfilment=True)
        )
        receive(admin[0], "WH7", {"TEE-RED-M": 5})
        app = connect_app(chhattisgarh, admin[0])
        address = {**KARNATAKA, "city": "Bilaspur", "state_code": "CT", "pincode": "495001"}
        pushed = app.client().post("/orders", order_body("CG-1", shipping_address=address))
        assert pushed.status == 201, pushed.body
        order = pushed.body["id"]
        invoice = to_invoiced(warehouse, order, site="WH7")["invoice"]
        assert invoice["number"] == f"CG1/{year()}/000001"
        assert invoice["igst"] == "0.00" and invoice["cgst"] != "0.00"

    def test_numbers_run_per_org_unit(
        self, stocked: Masters, push: Push, warehouse: ApiClient, other_oms: ConnectedApp
    ) -> None:
        first, second = push([("TEE-RED-M", 1)]), push([("CAP-GRY", 1)])
        elsewhere = other_oms.client().post("/orders", order_body("MH-1")).body["id"]
        assert to_invoiced(warehouse, first)["invoice"]["number"] == f"OU1/{year()}/000001"
        other = to_invoiced(warehouse, elsewhere, site="WH3")["invoice"]
        assert other["number"] == f"OU2/{year()}/000001"
        # OU2 ships from Maharashtra to Karnataka: inter-state.
        assert other["igst"] != "0.00"
        assert to_invoiced(warehouse, second)["invoice"]["number"] == f"OU1/{year()}/000002"

    def test_oms_hears_packed_then_invoiced(
        self, stocked: Masters, push: Push, warehouse: ApiClient
    ) -> None:
        order = push([("TEE-RED-M", 2)])
        resource = to_invoiced(warehouse, order)
        assert event_types(order) == [
            "order.reserved",
            "order.picklist_created",
            "order.picked",
            "order.packed",
            "order.invoiced",
        ]
        assert last_event(order).data == resource
        assert balance("WH1", "TEE-RED-M") == (10, 2, 0)

    def test_amounts_past_a_trillion_fit_the_invoice(
        self, stocked: Masters, push: Push, warehouse: ApiClient, admin: tuple[Any, str]
    ) -> None:
        receive(admin[0], "WH1", {"JKT-BLK-M": 200})
        order = push(
            priced=[
                {
                    "line_id": "1",
                    "sku": "JKT-BLK-M",
                    "quantity": 200,
                    "unit_price": "9999999999.99",
                    "discount": "0.00",
                }
            ]
        )
        invoice = to_invoiced(warehouse, order)["invoice"]
        # 1,999,999,999,998.00 at 12%: 1,785,714,285,712.50 taxable, 214,285,714,285.50 tax.
        assert (invoice["total"], invoice["taxable_value"], invoice["cgst"], invoice["sgst"]) == (
            "1999999999998.00",
            "1785714285712.50",
            "107142857142.75",
            "107142857142.75",
        )

    @pytest.mark.parametrize("status", ["reserved", "picklist_created", "invoiced", "cancelled"])
    def test_only_picked_orders_can_be_packed(
        self, stocked: Masters, push: Push, api: ApiClient, warehouse: ApiClient, status: str
    ) -> None:
        order = push([("TEE-RED-M", 1)])
        walk_to(status, order, api)
        before = fulfilment_snapshot()
        error = assert_error(
            warehouse.post(f"/orders/{order}/pack", {"packages": [BOX]}), 409, "invalid_transition"
        )
        assert error["details"] == [{"order": order, "status": status}]
        assert fulfilment_snapshot() == before

    @pytest.mark.parametrize(
        "order", ["SO-999999999", "SO-1", "BT-000001", "SO-" + "9" * 30, "SO-000001%20", "%00"]
    )
    def test_unknown_orders_are_404(
        self, stocked: Masters, push: Push, warehouse: ApiClient, order: str
    ) -> None:
        to_picked(warehouse, [push([("TEE-RED-M", 1)])])
        before = fulfilment_snapshot()
        answer = warehouse.post(f"/orders/{order}/pack", {"packages": [BOX]})
        expected = ("validation_error", 422) if order == "%00" else ("not_found", 404)
        assert_error(answer, expected[1], expected[0])
        assert fulfilment_snapshot() == before

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "packages"),
            ({"packages": []}, "packages"),
            ({"packages": BOX}, "packages"),
            ({"packages": [BOX] * 51}, "packages"),
            ({"packages": [{**BOX, "weight_grams": 0}]}, "packages[0].weight_grams"),
            ({"packages": [{**BOX, "weight_grams": -5}]}, "packages[0].weight_grams"),
            ({"packages": [{**BOX, "weight_grams": 1_000_001}]}, "packages[0].weight_grams"),
            ({"packages": [{**BOX, "weight_grams": "450"}]}, "packages[0].weight_grams"),
            ({"packages": [{**BOX, "weight_grams": 450.5}]}, "packages[0].weight_grams"),
            ({"packages": [{**BOX, "weight_grams": True}]}, "packages[0].weight_grams"),
            ({"packages": [{**BOX, "weight_grams": None}]}, "packages[0].weight_grams"),
            ({"packages": [{**BOX, "length_mm": 10_001}]}, "packages[0].length_mm"),
            ({"packages": [BOX, {**BOX, "breadth_mm": 0}]}, "packages[1].breadth_mm"),
            (
                {"packages": [{k: v for k, v in BOX.items() if k != "height_mm"}]},
                "packages[0].height_mm",
            ),
            ({"packages": [{**BOX, "height_mm": 10**40}]}, "packages[0].height_mm"),
            ({"packages": ["box"]}, "packages[0]"),
        ],
    )
    def test_bad_packages_name_the_field_and_change_nothing(
        self, stocked: Masters, push: Push, warehouse: ApiClient, body: dict[str, Any], field: str
    ) -> None:
        order = push([("TEE-RED-M", 1)])
        to_picked(warehouse, [order])
        before = fulfilment_snapshot()
        error = assert_error(warehouse.post(f"/orders/{order}/pack", body), 422, "validation_error")
        assert field in [detail["field"] for detail in error["details"]], error
        assert fulfilment_snapshot() == before

    def test_malformed_pack_body(self, stocked: Masters, push: Push, warehouse: ApiClient) -> None:
        order = push([("TEE-RED-M", 1)])
        to_picked(warehouse, [order])
        before = fulfilment_snapshot()
        assert_error(
            warehouse.post(f"/orders/{order}/pack", raw=b'{"packages": ['), 400, "malformed_json"
        )
        assert_error(
            warehouse.post(f"/orders/{order}/pack", raw=b"{}", content_type="application/xml"),
            415,
            "unsupported_media_type",
        )
        assert fulfilment_snapshot() == before


class TestShip:
    def test_ship_with_the_oms_courier_takes_the_units_out(
        self, stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
    ) -> None:
        order = push([("TEE-RED-M", 2), ("CAP-GRY", 1), ("TEE-RED-M", 1)])
        to_invoiced(warehouse, order)
        assigned = oms.client().post(
            f"/orders/{external_id(order)}/awb", {"courier": "Delhivery", "awb": "DLV123456"}
        )
        assert assigned.status == 200, assigned.body
        answer = warehouse.post(f"/orders/{order}/ship")
        assert answer.status == 200, answer.body
        shipment = answer.body["shipment"]
        assert (shipment["courier"], shipment["awb"]) == ("Delhivery", "DLV123456")
        assert shipment["shipped_at"] is not None and answer.body["status"] == "shipped"
        assert balance("WH1", "TEE-RED-M") == (7, 0, 0)
        assert balance("WH1", "CAP-GRY") == (9, 0, 0)
        moves = sorted(
            StockMove.objects.filter(reference=order, kind="ship").values_list(
                "item__sku", "on_hand_delta", "reserved_delta"
            )
        )
        assert moves == [("CAP-GRY", -1, -1), ("TEE-RED-M", -3, -3)]
        assert event_types(order)[-1] == "order.shipped"
        assert last_event(order).data == answer.body
        assert_stock_consistent()

    def test_courier_given_here_replaces_the_oms_one(
        self, stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
    ) -> None:
        order = push([("TEE-RED-M", 1)])
        to_invoiced(warehouse, order)
        oms.client().post(
            f"/orders/{external_id(order)}/awb", {"courier": "Delhivery", "awb": "DLV1"}
        )
        answer = warehouse.post(f"/orders/{order}/ship", {"courier": "BlueDart", "awb": "BD-77"})
        assert answer.body["shipment"]["courier"] == "BlueDart"
        assert answer.body["shipment"]["awb"] == "BD-77"

    @pytest.mark.parametrize(
        ("body", "missing"),
        [
            ({}, ["courier", "awb"]),
            ({"courier": "BlueDart"}, ["awb"]),
            ({"awb": "BD-77"}, ["courier"]),
            ({"courier": None, "awb": None}, ["courier", "awb"]),
        ],
    )
    def test_missing_courier_or_awb_is_named(
        self,
        stocked: Masters,
        push: Push,
        warehouse: ApiClient,
        body: dict[str, Any],
        missing: list[str],
    ) -> None:
        order = push([("TEE-RED-M", 1)])
        to_invoiced(warehouse, order)
        before = fulfilment_snapshot()
        error = assert_error(warehouse.post(f"/orders/{order}/ship", body), 422, "validation_error")
        assert [detail["field"] for detail in error["details"]] == missing
        assert fulfilment_snapshot() == before

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"courier": "", "awb": "A1"}, "courier"),
            ({"courier": "X" * 65, "awb": "A1"}, "courier"),
            ({"courier": "BlueDart", "awb": 12345}, "awb"),
            ({"courier": " Blue", "awb": "A1"}, "courier"),
            ({"courier": "Blue\nDart", "awb": "A1"}, "courier"),
            ({"courier": "BlueDart", "awb": "A1/2"}, "awb"),
            ({"courier": ["BlueDart"], "awb": "A1"}, "courier"),
            ([], "body"),
            ("BlueDart", "body"),
        ],
    )
    def test_bad_ship_bodies_change_nothing(
        self, stocked: Masters, push: Push, warehouse: ApiClient, body: Any, field: str
    ) -> None:
        order = push([("TEE-RED-M", 1)])
        to_invoiced(warehouse, order)
        before = fulfilment_snapshot()
        error = assert_error(warehouse.post(f"/orders/{order}/ship", body), 422, "validation_error")
        assert field in [detail["field"] for detail in error["details"]]
        assert fulfilment_snapshot() == before

    @pytest.mark.parametrize("status", ["reserved", "picked", "shipped", "cancelled"])
    def test_only_invoiced_orders_ship(
        self, stocked: Masters, push: Push, api: ApiClient, warehouse: ApiClient, status: str
    ) -> None:
        order = push([("TEE-RED-M", 1)])
        walk_to(status, order, api)
        before = fulfilment_snapshot()
        error = assert_error(
            warehouse.post(f"/orders/{order}/ship", {"courier": "BlueDart", "awb": "BD-2"}),
            409,
            "invalid_transition",
        )
        assert error["details"] == [{"order": order, "status": status}]
        assert fulfilment_snapshot() == before


@pytest.mark.parametrize("shipped", [False, True])
def test_no_cancel_once_invoiced(
    stocked: Masters,
    push: Push,
    warehouse: ApiClient,
    api: ApiClient,
    oms: ConnectedApp,
    shipped: bool,
) -> None:
    order = push([("TEE-RED-M", 1)])
    walk_to("shipped" if shipped else "invoiced", order, warehouse)
    before = fulfilment_snapshot()
    assert_error(api.post(f"/orders/{order}/cancel", {"reason": "late"}), 409, "invalid_transition")
    assert_error(
        oms.client().post(f"/orders/{external_id(order)}/cancel", {"reason": "late"}),
        409,
        "invalid_transition",
    )
    assert fulfilment_snapshot() == before
