"""The gst module against invoices worked out by hand, and its sums as a property."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omslink.fulfilment.gst import (
    COD,
    ITEM,
    SHIPPING,
    SaleLine,
    invoice_tax,
    is_intra_state,
    tax_line,
)
from omslink.masters.schemas import GST_RATES

D = Decimal


def sale(
    quantity: int, unit_price: str, rate: str, discount: str = "0.00", hsn: str = "6109"
) -> SaleLine:
    return SaleLine(
        description="x",
        hsn_code=hsn,
        quantity=quantity,
        unit_price=D(unit_price),
        discount=D(discount),
        gst_rate=D(rate),
    )


def split(line: SaleLine, intra: bool) -> tuple[str, str, str, str]:
    taxed = tax_line(line, intra_state=intra)
    return (f"{taxed.taxable_value}", f"{taxed.cgst}", f"{taxed.sgst}", f"{taxed.igst}")


@pytest.mark.parametrize(
    ("line", "intra", "expected"),
    [
        # 2 x 499.00 at 5%: 998 / 1.05 = 950.476… -> 950.48; tax 47.52 split evenly.
        (sale(2, "499.00", "5.00"), True, ("950.48", "23.76", "23.76", "0.00")),
        (sale(2, "499.00", "5.00"), False, ("950.48", "0.00", "0.00", "47.52")),
        # 2999 - 100 discount at 12%: 2899 / 1.12 = 2588.392… -> 2588.39; tax 310.61 is odd:
        # CGST takes the rounded-up half.
        (sale(1, "2999.00", "12.00", "100.00"), True, ("2588.39", "155.31", "155.30", "0.00")),
        # 3 x 299 at 18%: 897 / 1.18 = 760.169… -> 760.17; tax 136.83.
        (sale(3, "299.00", "18.00"), True, ("760.17", "68.42", "68.41", "0.00")),
        (sale(3, "299.00", "18.00"), False, ("760.17", "0.00", "0.00", "136.83")),
        # 140.14 at 12%: 125.125 exactly, rounded half up to 125.13.
        (sale(1, "140.14", "12.00"), True, ("125.13", "7.51", "7.50", "0.00")),
        # Exempt goods carry no tax.
        (sale(4, "25.00", "0.00"), True, ("100.00", "0.00", "0.00", "0.00")),
        # 0.25% (rough diamonds): 10000 / 1.0025 = 9975.062… -> 9975.06; tax 24.94.
        (sale(1, "10000.00", "0.25"), False, ("9975.06", "0.00", "0.00", "24.94")),
        # A discount of the whole price leaves nothing to tax.
        (sale(1, "499.00", "5.00", "499.00"), True, ("0.00", "0.00", "0.00", "0.00")),
    ],
)
def test_line_split_matches_hand_computation(
    line: SaleLine, intra: bool, expected: tuple[str, str, str, str]
) -> None:
    assert split(line, intra) == expected


def test_charges_are_taxed_at_the_highest_line_rate_with_its_hsn() -> None:
    invoice = invoice_tax(
        lines=[
            sale(2, "499.00", "5.00"),
            sale(3, "299.00", "18.00", hsn="6505"),
            sale(1, "2999.00", "12.00", "100.00", hsn="6201"),
        ],
        shipping_charge=D("50.00"),
        cod_charge=D("30.00"),
        intra_state=True,
    )
    assert [line.sale.kind for line in invoice.lines] == [ITEM, ITEM, ITEM, SHIPPING, COD]
    shipping, cod = invoice.lines[3], invoice.lines[4]
    assert shipping.sale.gst_rate == D("18.00") and shipping.sale.hsn_code == "6505"
    # 50 / 1.18 = 42.372… -> 42.37; tax 7.63 -> 3.82 + 3.81.
    assert (shipping.taxable_value, shipping.cgst, shipping.sgst) == (
        D("42.37"),
        D("3.82"),
        D("3.81"),
    )
    # 30 / 1.18 = 25.423… -> 25.42; tax 4.58 -> 2.29 + 2.29.
    assert (cod.taxable_value, cod.cgst, cod.sgst) == (D("25.42"), D("2.29"), D("2.29"))
    assert invoice.taxable_value == D("950.48") + D("760.17") + D("2588.39") + D("42.37") + D(
        "25.42"
    )
    assert invoice.cgst == D("23.76") + D("68.42") + D("155.31") + D("3.82") + D("2.29")
    assert invoice.sgst == D("23.76") + D("68.41") + D("155.30") + D("3.81") + D("2.29")
    assert invoice.igst == D("0.00")
    assert invoice.total == D("998.00") + D("897.00") + D("2899.00") + D("80.00")


def test_inter_state_charges_are_igst_and_zero_charges_print_no_line() -> None:
    invoice = invoice_tax(
        lines=[sale(1, "499.00", "5.00")],
        shipping_charge=D("40.00"),
        cod_charge=D("0.00"),
        intra_state=False,
    )
    assert [line.sale.kind for line in invoice.lines] == [ITEM, SHIPPING]
    # 40 / 1.05 = 38.095… -> 38.10; tax 1.90.
    assert (invoice.lines[1].taxable_value, invoice.lines[1].igst) == (D("38.10"), D("1.90"))
    assert (invoice.cgst, invoice.sgst, invoice.igst) == (D("0.00"), D("0.00"), D("25.66"))
    assert invoice.total == D("539.00")


def test_equal_rates_take_the_first_lines_hsn_for_charges() -> None:
    invoice = invoice_tax(
        lines=[sale(1, "100.00", "12.00", hsn="6205"), sale(1, "100.00", "12.00", hsn="6201")],
        shipping_charge=D("10.00"),
        cod_charge=D("0"),
        intra_state=True,
    )
    assert invoice.lines[-1].sale.hsn_code == "6205"


@pytest.mark.parametrize(
    ("supplier", "destination", "intra"),
    [
        ("KA", "KA", True),
        ("KA", "MH", False),
        ("CT", "CG", True),
        ("ka", "KA", True),
        ("TG", "TS", True),
        ("UT", "UK", True),
        ("DH", "DD", True),
        ("OR", "OD", True),
    ],
)
def test_intra_state_compares_canonical_codes(supplier: str, destination: str, intra: bool) -> None:
    assert is_intra_state(supplier, destination) is intra


@pytest.mark.parametrize(
    "line",
    [
        sale(0, "1.00", "5.00"),
        sale(1, "-1.00", "5.00"),
        sale(1, "1.00", "5.00", "-0.01"),
        sale(1, "1.00", "5.00", "1.01"),
        sale(1, "1.00", "101"),
    ],
)
def test_impossible_lines_are_refused(line: SaleLine) -> None:
    with pytest.raises(ValueError, match=r"."):
        tax_line(line, intra_state=True)


def test_an_invoice_needs_a_line() -> None:
    with pytest.raises(ValueError, match="at least one line"):
        invoice_tax(lines=[], shipping_charge=D(0), cod_charge=D(0), intra_state=True)


paise = st.integers(min_value=0, max_value=99_999_99).map(lambda p: D(p) / 100)


@st.composite
def sale_lines(draw: st.DrawFn) -> SaleLine:
    quantity = draw(st.integers(min_value=1, max_value=10_000))
    unit_price = draw(paise)
    discount = draw(st.integers(min_value=0, max_value=int(unit_price * quantity * 100)))
    return SaleLine(
        description="x",
        hsn_code="6109",
        quantity=quantity,
        unit_price=unit_price,
        discount=D(discount) / 100,
        gst_rate=draw(st.sampled_from(sorted(GST_RATES))),
    )


@given(
    lines=st.lists(sale_lines(), min_size=1, max_size=8),
    shipping=paise,
    cod=paise,
    intra=st.booleans(),
)
def test_taxable_value_plus_taxes_is_the_total_to_the_paisa(
    lines: list[SaleLine], shipping: Decimal, cod: Decimal, intra: bool
) -> None:
    invoice = invoice_tax(lines=lines, shipping_charge=shipping, cod_charge=cod, intra_state=intra)
    paid = sum((line.unit_price * line.quantity - line.discount for line in lines), D(0))
    assert invoice.total == paid + shipping + cod
    assert invoice.taxable_value + invoice.cgst + invoice.sgst + invoice.igst == invoice.total
    for line in invoice.lines:
        assert line.taxable_value + line.tax == line.total
        assert 0 <= line.taxable_value <= line.total
        for amount in (line.taxable_value, line.cgst, line.sgst, line.igst):
            assert amount == amount.quantize(D("0.01"))
        if intra:
            assert line.igst == 0 and line.cgst - line.sgst in (D("0.00"), D("0.01"))
        else:
            assert line.cgst == line.sgst == 0
