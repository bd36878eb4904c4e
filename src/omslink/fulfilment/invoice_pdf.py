"""Render a GST tax invoice as a PDF a buyer, an auditor or a courier would accept.

It carries what GST rule 46 asks of a tax invoice: the supplier's name, address, GSTIN and
state; the invoice number and date; the buyer's name and address (and GSTIN when the order
has one); the place of supply; per line the description, HSN code, quantity, price, discount,
taxable value and the tax rate and amount per tax; the totals and the amount in words.

Names and addresses arrive from marketplaces in any script: text is drawn with the fonts
omslink bundles (`omslink.core.pdf_fonts`), shaped, so every Indian script reads as it
should. A character no bundled font has prints as U+FFFD and a warning names the invoice
and its order, so a mangled name is seen rather than silently dropped.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from fpdf import FPDF
from fpdf.fonts import FontFace

from omslink.core.money import format_money
from omslink.core.pdf_fonts import TEXT_FAMILY, DocumentFonts
from omslink.core.states import state
from omslink.fulfilment.amount_words import rupees_in_words
from omslink.fulfilment.models import Invoice, InvoiceLine

logger = logging.getLogger(__name__)

LINE_COLUMNS = (
    "#",
    "Description",
    "HSN",
    "Qty",
    "Unit price",
    "Discount",
    "Taxable value",
    "Tax",
    "Total",
)
LINE_WIDTHS = (7, 47, 14, 10, 19, 17, 21, 32, 19)
NUMERIC = "R"


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def _place(state_code: str) -> str:
    known = state(state_code)
    return f"{known.name} (state code {known.gst_code})"


def _date(day: object) -> str:
    return f"{day:%d %b %Y}"


def _tax_text(line: InvoiceLine, intra_state: bool) -> str:
    if intra_state:
        half = _percent(line.gst_rate / 2)
        return f"CGST {half}: {format_money(line.cgst)}\nSGST {half}: {format_money(line.sgst)}"
    return f"IGST {_percent(line.gst_rate)}: {format_money(line.igst)}"


class _InvoiceDocument(FPDF):
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


def _supplier_box(invoice: Invoice) -> str:
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


def _invoice_box(invoice: Invoice) -> str:
    return "\n".join(
        [
            f"Invoice number: {invoice.number}",
            f"Invoice date: {_date(invoice.date)}",
            f"Place of supply: {_place(invoice.place_of_supply)}",
            "Tax payable on reverse charge: No",
        ]
    )


def _buyer_box(invoice: Invoice) -> str:
    order = invoice.order
    customer, address = order.customer, order.shipping_address
    lines = [f"Bill to / ship to: {customer.get('name', '')}", str(address.get("line1", ""))]
    if address.get("line2"):
        lines.append(str(address["line2"]))
    lines.append(f"{address.get('city', '')} {address.get('pincode', '')}".strip())
    lines.append(f"State: {_place(str(address.get('state_code', invoice.place_of_supply)))}")
    if order.billing_gstin:
        lines.append(f"GSTIN: {order.billing_gstin}")
    if customer.get("phone"):
        lines.append(f"Phone: {customer['phone']}")
    return "\n".join(lines)


def _order_box(invoice: Invoice) -> str:
    order = invoice.order
    lines = [
        f"Order: {order.number}",
        f"OMS order: {order.external_order_id}",
        f"Marketplace: {order.marketplace} {order.marketplace_order_id}".rstrip(),
        f"Ordered on: {timezone.localtime(order.ordered_at):%d %b %Y %H:%M}",
        f"Payment: {'Cash on delivery' if order.payment_mode == 'COD' else 'Prepaid'}",
        f"Dispatched from: {order.site.code}, {order.site.name}",
    ]
    return "\n".join(lines)


def _line_table(pdf: _InvoiceDocument, invoice: Invoice, lines: list[InvoiceLine]) -> None:
    pdf.set_font(TEXT_FAMILY, "", 7.5)
    heading = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    align = ("L", "L", "L", NUMERIC, NUMERIC, NUMERIC, NUMERIC, NUMERIC, NUMERIC)
    with pdf.table(
        col_widths=LINE_WIDTHS,
        text_align=align,
        line_height=4,
        padding=1,
        headings_style=heading,
        v_align="TOP",
    ) as table:
        header = table.row()
        for title in LINE_COLUMNS:
            header.cell(title)
        for index, line in enumerate(lines, start=1):
            description = (
                line.description if not line.sku else (f"{line.description}\nSKU {line.sku}")
            )
            row = table.row()
            for text in (
                str(index),
                description,
                line.hsn_code,
                str(line.quantity),
                format_money(line.unit_price),
                format_money(line.discount),
                format_money(line.taxable_value),
                _tax_text(line, invoice.intra_state),
                format_money(line.gross),
            ):
                row.cell(pdf.text_of(text))
        total = table.row()
        bold = FontFace(emphasis="BOLD")
        total.cell("Total", colspan=3, style=bold)
        total.cell(str(sum(line.quantity for line in lines if line.kind == "item")), style=bold)
        total.cell("", colspan=2)
        total.cell(format_money(invoice.taxable_value), style=bold)
        total.cell(format_money(invoice.cgst + invoice.sgst + invoice.igst), style=bold)
        total.cell(format_money(invoice.total), style=bold)
    pdf.ln(2)


def amounts_table(pdf: _InvoiceDocument, rows: list[tuple[str, Decimal]]) -> None:
    """Totals of an invoice or credit note, right-aligned; the last row (the total) in bold."""
    pdf.set_font(TEXT_FAMILY, "", 8.5)
    with pdf.table(
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
    pdf.ln(2)


def _totals(pdf: _InvoiceDocument, invoice: Invoice) -> None:
    rows = [("Taxable value", invoice.taxable_value)]
    if invoice.intra_state:
        rows += [("CGST", invoice.cgst), ("SGST", invoice.sgst)]
    else:
        rows.append(("IGST", invoice.igst))
    rows.append(("Invoice total (INR)", invoice.total))
    amounts_table(pdf, rows)


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes; a character no bundled font can draw is logged as replaced."""
    lines = list(invoice.lines.all())
    pdf = _InvoiceDocument()
    pdf.set_title(f"Tax Invoice {invoice.number}")
    pdf.set_author(invoice.org_unit.name)
    pdf.set_creator("omslink")
    pdf.add_page()
    pdf.line_of_text("Tax Invoice", size=16, bold=True, align="C", height=8)
    pdf.line_of_text("Original for recipient", size=7.5, align="C")
    pdf.ln(2)
    pdf.boxes((_supplier_box(invoice), _invoice_box(invoice)))
    pdf.boxes((_buyer_box(invoice), _order_box(invoice)))
    _line_table(pdf, invoice, lines)
    _totals(pdf, invoice)
    pdf.line_of_text(f"Amount in words: {rupees_in_words(invoice.total)}", bold=True)
    pdf.line_of_text(
        "Prices include GST. Shipping and cash on delivery charges are taxed at "
        "the rate of the goods they go with.",
        size=7,
    )
    pdf.ln(8)
    pdf.line_of_text(f"For {invoice.org_unit.name}", align="R")
    pdf.ln(6)
    pdf.line_of_text("Authorised signatory", align="R")
    pdf.line_of_text("This is a computer-generated invoice.", size=7, align="C")
    if replaced := pdf.document_fonts.replaced:
        logger.warning(
            "invoice %s of order %s: no bundled font draws %s; printed as U+FFFD instead",
            invoice.number,
            invoice.order.number,
            ", ".join(f"U+{ord(char):04X}" for char in sorted(replaced)),
        )
    return bytes(pdf.output())


def invoice_pdf_response(number: str, document: bytes) -> HttpResponse:
    """The PDF shown in the browser, saved under a name without the number's slashes."""
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="invoice-{number.replace("/", "-")}.pdf"'
    return response
