"""Render a GST credit note as a PDF a buyer or an auditor would accept.

It carries what GST rule 53 asks of a credit note: the supplier's name, address, GSTIN and
state; the credit note's number and date; the buyer's name, address and GSTIN (or that the
buyer is unregistered); the original invoice's number and date; per line the description, HSN
code, quantity, taxable value and the tax reversed per tax; the totals and the amount in words.
It is drawn with the invoice's document, bundled fonts and boxes, so both read alike and a
buyer's name in any Indian script prints as written.
"""

from __future__ import annotations

import logging

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
from omslink.returns.models import CreditNote, CreditNoteLine, ReturnType

logger = logging.getLogger(__name__)

LINE_COLUMNS = ("#", "Description", "HSN", "Qty", "Taxable value", "Tax reversed", "Total")
LINE_WIDTHS = (7, 64, 16, 12, 26, 38, 23)
REASONS = {
    ReturnType.RTO: "Goods returned to origin undelivered (RTO): the whole invoice is reversed",
    ReturnType.CUSTOMER_RETURN: "Goods returned by the buyer",
}


def _credit_note_box(note: CreditNote) -> str:
    invoice = note.invoice
    return "\n".join(
        [
            f"Credit note number: {note.number}",
            f"Credit note date: {date_text(note.date)}",
            f"Against invoice: {invoice.number} dated {date_text(invoice.date)}",
            f"Place of supply: {place_text(invoice.place_of_supply)}",
            f"Return: {note.ret.number}",
        ]
    )


def _buyer(note: CreditNote) -> str:
    text = buyer_box(note.invoice)
    if not note.invoice.order.billing_gstin:
        text += "\nGSTIN: unregistered buyer"
    return text


def _line_table(pdf: GstDocumentPdf, note: CreditNote, lines: list[CreditNoteLine]) -> None:
    intra_state = note.invoice.intra_state
    pdf.set_font(TEXT_FAMILY, "", 7.5)
    heading = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    with pdf.table(
        col_widths=LINE_WIDTHS,
        text_align=("L", "L", "L", NUMERIC, NUMERIC, NUMERIC, NUMERIC),
        line_height=4,
        padding=1,
        headings_style=heading,
        v_align="TOP",
    ) as table:
        header = table.row()
        for title in LINE_COLUMNS:
            header.cell(title)
        for index, line in enumerate(lines, start=1):
            charged = line.invoice_line
            description = charged.description + (f"\nSKU {charged.sku}" if charged.sku else "")
            row = table.row()
            for text in (
                str(index),
                description,
                charged.hsn_code,
                str(line.quantity),
                format_money(line.taxable_value),
                tax_text(
                    rate=charged.gst_rate,
                    cgst=line.cgst,
                    sgst=line.sgst,
                    igst=line.igst,
                    intra_state=intra_state,
                ),
                format_money(line.total),
            ):
                row.cell(pdf.text_of(text))
        total = table.row()
        bold = FontFace(emphasis="BOLD")
        total.cell("Total", colspan=4, style=bold)
        total.cell(format_money(note.taxable_value), style=bold)
        total.cell(format_money(note.cgst + note.sgst + note.igst), style=bold)
        total.cell(format_money(note.total), style=bold)
    pdf.ln(2)


def _totals(pdf: GstDocumentPdf, note: CreditNote) -> None:
    rows = [("Taxable value reversed", note.taxable_value)]
    if note.invoice.intra_state:
        rows += [("CGST reversed", note.cgst), ("SGST reversed", note.sgst)]
    else:
        rows.append(("IGST reversed", note.igst))
    rows.append(("Credit note total (INR)", note.total))
    pdf.amounts_table(rows)


def render_credit_note_pdf(note: CreditNote) -> bytes:
    """The credit note as PDF bytes, in the invoice's bundled fonts (every Indian script); a
    character none of them can draw is logged as replaced."""
    lines = list(note.lines.all())
    pdf = GstDocumentPdf()
    pdf.set_title(f"Credit Note {note.number}")
    pdf.set_author(note.org_unit.name)
    pdf.set_creator("omslink")
    pdf.add_page()
    pdf.line_of_text("Credit Note", size=16, bold=True, align="C", height=8)
    pdf.line_of_text("Original for recipient", size=7.5, align="C")
    pdf.ln(2)
    pdf.boxes((supplier_box(note.invoice), _credit_note_box(note)))
    pdf.boxes((_buyer(note), REASONS[ReturnType(note.ret.type)]))
    _line_table(pdf, note, lines)
    _totals(pdf, note)
    pdf.line_of_text(f"Amount in words: {rupees_in_words(note.total)}", bold=True)
    pdf.line_of_text(
        "The tax shown is reversed from the original invoice, line by line, for the units "
        "returned.",
        size=7,
    )
    pdf.sign_off(note.org_unit.name, "credit note")
    if replaced := pdf.document_fonts.replaced:
        logger.warning(
            "credit note %s of order %s: no bundled font draws %s; printed as U+FFFD instead",
            note.number,
            note.invoice.order.number,
            ", ".join(f"U+{ord(char):04X}" for char in sorted(replaced)),
        )
    return bytes(pdf.output())


def credit_note_filename(number: str) -> str:
    return f"credit-note-{number.replace('/', '-')}.pdf"
