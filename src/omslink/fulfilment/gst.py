"""GST on an online order's tax-inclusive prices (CONTRACT §6.5). Pure: no database.

Each line is taxed on its own and rounded to the paisa, so the invoice shows, for every line,
numbers that add up: taxable value + tax = what the customer paid for that line. The invoice
totals are the sums of the lines, never re-derived from the grand total, so the printed columns
always add up too.

Shipping and COD charges are ancillary to the goods (a composite supply under GST), so they are
taxed at the rate of the principal supply: the order's highest line rate, and printed with
that line's HSN code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from omslink.core.money import to_paisa
from omslink.core.states import canonical_state_code

ITEM = "item"
SHIPPING = "shipping"
COD = "cod"
CHARGE_DESCRIPTIONS = {SHIPPING: "Shipping charges", COD: "Cash on delivery charges"}
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class SaleLine:
    """What was sold on one line, as the OMS priced it (unit price includes GST)."""

    description: str
    hsn_code: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    gst_rate: Decimal
    sku: str = ""
    kind: str = ITEM

    @property
    def gross(self) -> Decimal:
        """What the customer pays for this line, tax included."""
        return to_paisa(self.unit_price * self.quantity - self.discount)


@dataclass(frozen=True)
class TaxedLine:
    """One line of the invoice with its tax split."""

    sale: SaleLine
    taxable_value: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def total(self) -> Decimal:
        return self.sale.gross

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst


@dataclass(frozen=True)
class TaxedInvoice:
    """Every line taxed, and the totals of the columns."""

    intra_state: bool
    lines: tuple[TaxedLine, ...]

    @property
    def taxable_value(self) -> Decimal:
        return sum((line.taxable_value for line in self.lines), ZERO)

    @property
    def cgst(self) -> Decimal:
        return sum((line.cgst for line in self.lines), ZERO)

    @property
    def sgst(self) -> Decimal:
        return sum((line.sgst for line in self.lines), ZERO)

    @property
    def igst(self) -> Decimal:
        return sum((line.igst for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)


def is_intra_state(supplier_state: str, place_of_supply: str) -> bool:
    """CGST+SGST when goods stay in the supplier's state; state codes compared canonically."""
    return canonical_state_code(supplier_state.upper()) == canonical_state_code(
        place_of_supply.upper()
    )


def tax_line(sale: SaleLine, *, intra_state: bool) -> TaxedLine:
    """Split a tax-inclusive line into taxable value and tax, each rounded to the paisa.

    CGST is half the tax rounded half up and SGST the rest, so the halves always add up to
    the tax exactly (an odd paisa goes to CGST).
    """
    if sale.quantity < 1:
        raise ValueError(f"quantity must be positive, got {sale.quantity}")
    if sale.unit_price < 0 or sale.discount < 0:
        raise ValueError("unit price and discount must not be negative")
    if not ZERO <= sale.gst_rate <= HUNDRED:
        raise ValueError(f"GST rate must be a percentage, got {sale.gst_rate}")
    gross = sale.gross
    if gross < 0:
        raise ValueError(f"discount {sale.discount} exceeds the line's price")
    taxable = to_paisa(gross * HUNDRED / (HUNDRED + sale.gst_rate))
    tax = gross - taxable
    if not intra_state:
        return TaxedLine(sale, taxable, ZERO, ZERO, tax)
    cgst = to_paisa(tax / 2)
    return TaxedLine(sale, taxable, cgst, tax - cgst, ZERO)


def _principal_line(lines: Sequence[SaleLine]) -> SaleLine:
    """The line with the highest rate (the first of equals): it decides the charges' rate."""
    return max(lines, key=lambda line: line.gst_rate)


def invoice_tax(
    *,
    lines: Sequence[SaleLine],
    shipping_charge: Decimal,
    cod_charge: Decimal,
    intra_state: bool,
) -> TaxedInvoice:
    """Tax an order's lines and its shipping and COD charges (a zero charge prints no line)."""
    if not lines:
        raise ValueError("an invoice needs at least one line")
    principal = _principal_line(lines)
    charges = [
        SaleLine(
            description=CHARGE_DESCRIPTIONS[kind],
            hsn_code=principal.hsn_code,
            quantity=1,
            unit_price=amount,
            discount=ZERO,
            gst_rate=principal.gst_rate,
            kind=kind,
        )
        for kind, amount in ((SHIPPING, shipping_charge), (COD, cod_charge))
        if amount != 0
    ]
    return TaxedInvoice(
        intra_state=intra_state,
        lines=tuple(tax_line(sale, intra_state=intra_state) for sale in [*lines, *charges]),
    )
