"""Credit-note amounts: the pure share rule against cases worked out by hand, the rule as a
property over any invoice and any returns, and whole orders credited through the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omslink.fulfilment.gst import TaxAmounts, TaxedInvoice, credit_share, invoice_tax
from omslink.fulfilment.invoice_numbers import InvoiceNumbersExhausted, credit_note_number
from omslink.masters.schemas import GST_RATES
from tests.conftest import ApiClient, ConnectedApp, Masters, Push
from tests.fulfilment.test_gst import sale
from tests.returns.conftest import deliver, push_return, receive, shipped

D = Decimal


def amounts(*values: str) -> TaxAmounts:
    return TaxAmounts(*(D(value) for value in values))


def test_partial_returns_of_a_line_credit_pro_rata_and_the_last_what_is_left() -> None:
    # 3 units of 333.33 at 12% within the state: taxable 892.85, CGST 53.57, SGST 53.57.
    charged = amounts("892.85", "53.57", "53.57", "0.00")
    first = credit_share(charged=charged, quantity=3, credited_units=0, units=1)
    second = credit_share(charged=charged, quantity=3, credited_units=1, units=1)
    last = credit_share(charged=charged, quantity=3, credited_units=2, units=1)
    # 892.85 / 3 = 297.6167 → 297.62; two thirds 595.2333 → 595.23, so 297.61 more; the rest.
    assert first == amounts("297.62", "17.86", "17.86", "0.00")
    assert second == amounts("297.61", "17.85", "17.85", "0.00")
    assert last == amounts("297.62", "17.86", "17.86", "0.00")
    assert first.total + second.total + last.total == charged.total


def test_rounding_never_credits_more_than_the_line_charged() -> None:
    # Four units sharing 0.02 of tax: a half-paisa each, which rounding per return alone
    # would turn into 0.01 + 0.01 + 0.01 = 0.03 after three returns.
    charged = amounts("1.98", "0.00", "0.00", "0.02")
    credited = [
        credit_share(charged=charged, quantity=4, credited_units=n, units=1) for n in range(4)
    ]
    assert [share.igst for share in credited] == [D("0.01"), D("0.00"), D("0.01"), D("0.00")]
    assert sum(share.igst for share in credited) == D("0.02")


@pytest.mark.parametrize(("credited_units", "units"), [(0, 0), (0, 4), (3, 1), (-1, 1), (2, 3)])
def test_a_credit_beyond_the_line_is_refused(credited_units: int, units: int) -> None:
    with pytest.raises(ValueError, match="units"):
        credit_share(
            charged=amounts("1.00", "0", "0", "0.05"),
            quantity=3,
            credited_units=credited_units,
            units=units,
        )


@pytest.mark.parametrize(
    ("prefix", "serial", "number"),
    [
        ("OU1", 1, "CN/OU1/2627/0001"),
        ("OU1", 9999, "CN/OU1/2627/9999"),
        ("Z1A", 12, "CN/Z1A/2627/0012"),
        ("ABCD", 7, "CN/ABCD/2627/007"),
        ("A", 42, "CN/A/2627/000042"),
    ],
)
def test_credit_note_numbers_fit_gst_sixteen_characters(
    prefix: str, serial: int, number: str
) -> None:
    assert credit_note_number(prefix, "2627", serial) == number
    assert len(number) <= 16


@pytest.mark.parametrize(("prefix", "serial"), [("OU1", 10_000), ("ABCD", 1000)])
def test_a_serial_that_no_longer_fits_is_refused(prefix: str, serial: int) -> None:
    with pytest.raises(InvoiceNumbersExhausted):
        credit_note_number(prefix, "2627", serial)


def charged_of(invoice: TaxedInvoice) -> list[tuple[int, TaxAmounts]]:
    return [
        (line.sale.quantity, TaxAmounts(line.taxable_value, line.cgst, line.sgst, line.igst))
        for line in invoice.lines
    ]


line_strategy = st.builds(
    lambda quantity, price, discount_share, rate: sale(
        quantity,
        f"{price / 100:.2f}",
        rate,
        discount=f"{price * quantity * discount_share // 100 / 100:.2f}",
    ),
    st.integers(1, 12),
    st.integers(0, 5_000_000),
    st.integers(0, 100),
    st.sampled_from(sorted(GST_RATES)),
)


@given(
    lines=st.lists(line_strategy, min_size=1, max_size=5),
    shipping=st.integers(0, 20_000),
    cod=st.integers(0, 10_000),
    intra_state=st.booleans(),
    data=st.data(),
)
def test_credit_notes_never_exceed_the_invoice_and_all_returned_reverses_it(
    lines: list[Any], shipping: int, cod: int, intra_state: bool, data: st.DataObject
) -> None:
    invoice = invoice_tax(
        lines=lines,
        shipping_charge=D(shipping) / 100,
        cod_charge=D(cod) / 100,
        intra_state=intra_state,
    )
    charged = charged_of(invoice)
    credited_units = [0] * len(charged)
    credited = [amounts("0", "0", "0", "0") for _ in charged]

    def credit(index: int, units: int) -> None:
        quantity, whole = charged[index]
        share = credit_share(
            charged=whole, quantity=quantity, credited_units=credited_units[index], units=units
        )
        assert min(share.taxable_value, share.cgst, share.sgst, share.igst) >= 0
        credited_units[index] += units
        credited[index] = TaxAmounts(
            credited[index].taxable_value + share.taxable_value,
            credited[index].cgst + share.cgst,
            credited[index].sgst + share.sgst,
            credited[index].igst + share.igst,
        )
        for part in ("taxable_value", "cgst", "sgst", "igst"):
            assert getattr(credited[index], part) <= getattr(whole, part)

    # Any returns within what was shipped, then one that brings back everything left.
    for _ in range(data.draw(st.integers(0, 4), label="returns")):
        for index, (quantity, _whole) in enumerate(charged):
            units = data.draw(st.integers(0, quantity - credited_units[index]))
            if units:
                credit(index, units)
    for index, (quantity, _whole) in enumerate(charged):
        if quantity > credited_units[index]:
            credit(index, quantity - credited_units[index])
    assert credited == [whole for _, whole in charged]
    assert sum((note.total for note in credited), D(0)) == invoice.total


def test_several_lines_rates_and_discounts_credited_across_states(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    """Shipped from Karnataka to Maharashtra: IGST only; only the returned units credited."""
    priced = [
        {
            "line_id": "1",
            "sku": "TEE-RED-M",
            "quantity": 3,
            "unit_price": "499.00",
            "discount": "50.00",
        },
        {
            "line_id": "2",
            "sku": "JKT-BLK-M",
            "quantity": 1,
            "unit_price": "2999.00",
            "discount": "0.00",
        },
        {
            "line_id": "3",
            "sku": "CAP-GRY",
            "quantity": 2,
            "unit_price": "299.00",
            "discount": "0.00",
        },
    ]
    address = {
        "line1": "4 Linking Road",
        "line2": "",
        "city": "Mumbai",
        "state_code": "MH",
        "pincode": "400050",
        "country": "IN",
    }
    order = shipped(
        lambda lines, **changes: push(priced=priced, shipping_address=address, **changes),
        warehouse,
        [],
        payment_mode="PREPAID",
        shipping_charge="60.00",
    )
    deliver(oms, warehouse, order)
    ret = push_return(oms, warehouse, order, [("1", 1), ("3", 1)])
    note = receive(warehouse, ret["number"], {"TEE-RED-M": (0, 1), "CAP-GRY": (1, 0)})[
        "credit_note"
    ]
    # Tees: 1447.00 gross, taxable 1378.10, IGST 68.90; a third is 459.37 + 22.97.
    # Caps: 598.00 gross, taxable 506.78, IGST 91.22; a half is 253.39 + 45.61.
    assert (note["taxable_value"], note["cgst"], note["sgst"], note["igst"], note["total"]) == (
        "712.76",
        "0.00",
        "0.00",
        "68.58",
        "781.34",
    )
