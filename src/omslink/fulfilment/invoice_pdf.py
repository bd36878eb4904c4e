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

from django.http import HttpResponse
from django.utils import timezone
from fpdf.fonts import FontFace

from omslink.core.money import format_money
from omslink.core.pdf_fonts import TEXT_FAMILY
from omslink.fulfilment.amount_words import rupees_in_words
from omslink.fulfilment.gst_document_pdf import (
    NUMERIC,
    GstDocumentPdf,
    buyer_box,
    date_text,
    place_text,
    supplier_box,
    tax_text,
)
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


def _invoice_box(invoice: Invoice) -> str:
    return "\n".join(
        [
            f"Invoice number: {invoice.number}",
            f"Invoice date: {date_text(invoice.date)}",
            f"Place of supply: {place_text(invoice.place_of_supply)}",
            "Tax payable on reverse charge: No",
        ]
    )


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


def _line_table(pdf: GstDocumentPdf, invoice: Invoice, lines: list[InvoiceLine]) -> None:
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
                tax_text(
                    rate=line.gst_rate,
                    cgst=line.cgst,
                    sgst=line.sgst,
                    igst=line.igst,
                    intra_state=invoice.intra_state,
                ),
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


def _totals(pdf: GstDocumentPdf, invoice: Invoice) -> None:
    rows = [("Taxable value", invoice.taxable_value)]
    if invoice.intra_state:
        rows += [("CGST", invoice.cgst), ("SGST", invoice.sgst)]
    else:
        rows.append(("IGST", invoice.igst))
    rows.append(("Invoice total (INR)", invoice.total))
    pdf.amounts_table(rows)


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes; a character no bundled font can draw is logged as replaced."""
    lines = list(invoice.lines.all())
    pdf = GstDocumentPdf()
    pdf.set_title(f"Tax Invoice {invoice.number}")
    pdf.set_author(invoice.org_unit.name)
    pdf.set_creator("omslink")
    pdf.add_page()
    pdf.line_of_text("Tax Invoice", size=16, bold=True, align="C", height=8)
    pdf.line_of_text("Original for recipient", size=7.5, align="C")
    pdf.ln(2)
    pdf.boxes((supplier_box(invoice), _invoice_box(invoice)))
    pdf.boxes((buyer_box(invoice), _order_box(invoice)))
    _line_table(pdf, invoice, lines)
    _totals(pdf, invoice)
    pdf.line_of_text(f"Amount in words: {rupees_in_words(invoice.total)}", bold=True)
    pdf.line_of_text(
        "Prices include GST. Shipping and cash on delivery charges are taxed at "
        "the rate of the goods they go with.",
        size=7,
    )
    pdf.sign_off(invoice.org_unit.name, "invoice")
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
