"""What a GST tax invoice and a GST credit note draw alike: the A4 page with its bundled fonts,
the supplier's and buyer's boxes, the tax of a line and the totals table.

Both documents are read side by side by buyers and auditors, so they share one look and one
wording; a credit note states the invoice's facts (supplier, buyer, place of supply) exactly
as the invoice printed them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fpdf import FPDF
from fpdf.fonts import FontFace

from omslink.core.money import format_money
from omslink.core.pdf_fonts import TEXT_FAMILY, DocumentFonts
from omslink.core.states import state
from omslink.fulfilment.models import Invoice

NUMERIC = "R"


def percent_text(rate: Decimal) -> str:
    """A GST rate as printed: `18%`, `2.5%`."""
    return f"{rate.normalize():f}%"


def place_text(state_code: str) -> str:
    """A state as GST documents name it: its name and its two-digit GST code."""
    known = state(state_code)
    return f"{known.name} (state code {known.gst_code})"


def date_text(day: date) -> str:
    return f"{day:%d %b %Y}"


def tax_text(
    *, rate: Decimal, cgst: Decimal, sgst: Decimal, igst: Decimal, intra_state: bool
) -> str:
    """A line's tax: CGST and SGST at half the rate each within a state, IGST across states."""
    if intra_state:
        half = percent_text(rate / 2)
        return f"CGST {half}: {format_money(cgst)}\nSGST {half}: {format_money(sgst)}"
    return f"IGST {percent_text(rate)}: {format_money(igst)}"


class GstDocumentPdf(FPDF):
    """An A4 page drawn in the bundled fonts, which notes every character they cannot draw."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(auto=True, margin=14)
        self.document_fonts = DocumentFonts(self)

    def text_of(self, text: str) -> str:
        """Text the bundled fonts can draw, noting what had to be replaced."""
        return self.document_fonts.drawable(text)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(TEXT_FAMILY, "", 7)
        self.cell(0, 4, f"Page {self.page_no()}/{{nb}}", align="C")

    def line_of_text(
        self,
        text: str,
        *,
        size: float = 8,
        bold: bool = False,
        align: str = "L",
        height: float = 4.5,
    ) -> None:
        self.set_font(TEXT_FAMILY, "B" if bold else "", size)
        self.multi_cell(0, height, self.text_of(text), align=align, new_x="LMARGIN", new_y="NEXT")

    def boxes(self, texts: tuple[str, str], widths: tuple[int, int] = (110, 76)) -> None:
        """Two bordered boxes side by side, each a title line then details."""
        self.set_font(TEXT_FAMILY, "", 8)
        with self.table(
            col_widths=widths,
            first_row_as_headings=False,
            line_height=4.2,
            text_align="LEFT",
            v_align="TOP",
            padding=1.5,
        ) as table:
            row = table.row()
            for text in texts:
                row.cell(self.text_of(text))
        self.ln(2)

    def amounts_table(self, rows: list[tuple[str, Decimal]]) -> None:
        """Totals, right-aligned; the last row (the total) in bold."""
        self.set_font(TEXT_FAMILY, "", 8.5)
        with self.table(
            col_widths=(50, 26),
            width=76,
            align="RIGHT",
            first_row_as_headings=False,
            text_align=("L", NUMERIC),
            line_height=5,
            padding=1,
        ) as table:
            for index, (label, amount) in enumerate(rows):
                row = table.row()
                style = FontFace(emphasis="BOLD") if index == len(rows) - 1 else None
                row.cell(label, style=style)
                row.cell(format_money(amount), style=style)
        self.ln(2)

    def sign_off(self, supplier_name: str, document: str) -> None:
        """The supplier's signature block and that no hand signed it."""
        self.ln(8)
        self.line_of_text(f"For {supplier_name}", align="R")
        self.ln(6)
        self.line_of_text("Authorised signatory", align="R")
        self.line_of_text(f"This is a computer-generated {document}.", size=7, align="C")


def supplier_box(invoice: Invoice) -> str:
    """The invoicing org unit: name, address (the dispatching site's if it has none), GSTIN."""
    org_unit = invoice.org_unit
    supplier_state = state(org_unit.state_code)
    lines = [f"Supplier: {org_unit.name}"]
    address = org_unit.address or invoice.order.site.address
    if address:
        lines.append(address)
    lines += [
        f"GSTIN: {org_unit.gstin}",
        f"State: {supplier_state.name}, state code {supplier_state.gst_code}",
    ]
    return "\n".join(lines)


def buyer_box(invoice: Invoice) -> str:
    """The order's buyer and shipping address, with the buyer's GSTIN when there is one."""
    order = invoice.order
    customer, address = order.customer, order.shipping_address
    lines = [f"Bill to / ship to: {customer.get('name', '')}", str(address.get("line1", ""))]
    if address.get("line2"):
        lines.append(str(address["line2"]))
    lines.append(f"{address.get('city', '')} {address.get('pincode', '')}".strip())
    lines.append(f"State: {place_text(str(address.get('state_code', invoice.place_of_supply)))}")
    if order.billing_gstin:
        lines.append(f"GSTIN: {order.billing_gstin}")
    if customer.get("phone"):
        lines.append(f"Phone: {customer['phone']}")
    return "\n".join(lines)
