"""The invoice PDF: opened with pypdf, it holds what a tax invoice must; who may fetch it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from omslink.fulfilment.invoice_pdf import render_invoice_pdf
from omslink.fulfilment.models import Invoice
from omslink.fulfilment.selectors import invoice_by_number
from tests.conftest import ApiAnswer, ApiClient, ConnectedApp, Masters, Push, assert_error
from tests.fulfilment.conftest import to_invoiced
from tests.fulfilment.test_pack_ship import MAHARASHTRA, TWO_RATES

BUYER_GSTIN = "29AAACR5055K1Z5"


def pdf_text(document: bytes) -> str:
    reader = PdfReader(io.BytesIO(document))
    assert reader.pages, "the PDF has no page"
    return "\n".join(page.extract_text() for page in reader.pages)


def fetch(client: ApiClient, invoice: dict[str, str]) -> ApiAnswer:
    return client.get(invoice["pdf_url"].removeprefix("/api/v1"))


@pytest.fixture
def invoiced_order(stocked: Masters, push: Push, warehouse: ApiClient) -> dict[str, Any]:
    """An invoiced COD order with two GST rates, charges and a buyer GSTIN (intra-state)."""
    order = push(
        priced=TWO_RATES, shipping_charge="50.00", cod_charge="30.00", billing_gstin=BUYER_GSTIN
    )
    return to_invoiced(warehouse, order)


@pytest.fixture
def invoiced(invoiced_order: dict[str, Any]) -> dict[str, str]:
    return dict(invoiced_order["invoice"])


def test_pdf_holds_what_a_tax_invoice_must(
    invoiced_order: dict[str, Any], warehouse: ApiClient
) -> None:
    invoiced = invoiced_order["invoice"]
    answer = fetch(warehouse, invoiced)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert isinstance(answer.body, bytes) and answer.body.startswith(b"%PDF-")
    text = pdf_text(answer.body)
    for expected in (
        "Tax Invoice",
        "Indigo Threads Pvt Ltd",
        "12 Residency Road, Bengaluru 560025",
        "GSTIN: 29ABCDE1234F1Z5",
        "Karnataka, state code 29",
        "Asha Rao",
        "12 MG Road",
        f"GSTIN: {BUYER_GSTIN}",
        "Place of supply: Karnataka (state code 29)",
        f"Invoice number: {invoiced['number']}",
        f"Order: {invoiced_order['id']}",
        f"OMS order: {invoiced_order['external_order_id']}",
        "AMAZON 402-1234567-1234567",
        "6109",
        "6201",
        "SKU TEE-RED-M",
        "SKU JKT-BLK-M",
        "CGST 2.5%: 23.76",
        "SGST 2.5%: 23.76",
        "CGST 6%: 155.31",
        "SGST 6%: 155.30",
        "Shipping charges",
        "Cash on delivery charges",
        "3610.30",
        "183.36",
        "183.34",
        "3977.00",
        "Rupees Three Thousand Nine Hundred Seventy Seven Only",
    ):
        assert expected in text, expected
    assert "IGST" not in text


def test_inter_state_pdf_shows_igst(stocked: Masters, push: Push, warehouse: ApiClient) -> None:
    order = push(priced=TWO_RATES, shipping_address=MAHARASHTRA)
    invoice = to_invoiced(warehouse, order)["invoice"]
    text = pdf_text(fetch(warehouse, invoice).body)
    assert "Place of supply: Maharashtra (state code 27)" in text
    assert "IGST 5%: 47.52" in text and "IGST 12%: 310.61" in text
    assert "CGST" not in text


def test_pdf_is_rendered_once_and_kept(
    invoiced: dict[str, str], warehouse: ApiClient, invoice_dir: Path
) -> None:
    first = fetch(warehouse, invoiced)
    kept = list(invoice_dir.iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == first.body
    assert kept[0].name.startswith(invoiced["number"].replace("/", "_") + ".")
    # What is served afterwards is the kept document, byte for byte.
    kept[0].write_bytes(first.body + b"%kept")
    assert fetch(warehouse, invoiced).body == first.body + b"%kept"


def test_who_may_fetch_the_pdf(
    invoiced: dict[str, str],
    role_clients: dict[str, ApiClient],
    oms: ConnectedApp,
    other_oms: ConnectedApp,
) -> None:
    for role in ("Administrator", "Warehouse", "Viewer"):
        assert fetch(role_clients[role], invoiced).status == 200, role
    assert fetch(oms.client(), invoiced).status == 200
    assert_error(fetch(other_oms.client(), invoiced), 404, "not_found")
    assert_error(fetch(ApiClient(None), invoiced), 401, "unauthenticated")
    assert_error(fetch(ApiClient("omsu_not-a-token"), invoiced), 401, "unauthenticated")
    oms.app.enabled = False
    oms.app.save()
    assert_error(fetch(oms.client(), invoiced), 403, "app_disabled")


@pytest.mark.parametrize(
    "path",
    [
        "/invoices/OU1/2627/999999.pdf",
        "/invoices/OU1/2627/000001",
        "/invoices/.pdf",
        "/invoices/../../../etc/passwd.pdf",
        "/invoices/%2e%2e/%2e%2e/settings.pdf",
        "/invoices/" + "A" * 300 + ".pdf",
        "/invoices/OU1_2627_000001.pdf",
        "/invoices/OU1/2627/000001.pdf/x",
    ],
)
def test_unknown_or_hostile_invoice_paths_are_404(
    invoiced: dict[str, str], warehouse: ApiClient, path: str
) -> None:
    assert_error(warehouse.get(path), 404, "not_found")


def test_long_names_and_accents_never_break_the_pdf(
    stocked: Masters, push: Push, warehouse: ApiClient
) -> None:
    customer = {"name": "Āśā Rāo आशा " + "W" * 150, "phone": "+919800000000"}
    address = {
        **MAHARASHTRA,
        "line1": "Flat 4, \u2018Sai Kṛpā\u2019 " + "x" * 150,
        "line2": "ü" * 200,
    }
    order = push([("TEE-RED-M", 1)], customer=customer, shipping_address=address)
    invoice = to_invoiced(warehouse, order)["invoice"]
    text = pdf_text(fetch(warehouse, invoice).body)
    assert "Āśā Rāo आशा" in text and "\u2018Sai Kṛpā\u2019" in text
    assert "ü" * 20 in text.replace("\n", "")
    assert "Rupees Four Hundred Ninety Nine Only" in text


def test_a_long_order_runs_onto_more_pages(
    stocked: Masters, push: Push, warehouse: ApiClient
) -> None:
    lines = [
        {
            "line_id": str(n),
            "sku": "TEE-RED-M",
            "quantity": 1,
            "unit_price": "10.00",
            "discount": "0.00",
        }
        for n in range(1, 10)
    ]
    order = push(priced=lines)
    number = to_invoiced(warehouse, order)["invoice"]["number"]
    invoice = Invoice.objects.get(number=number)
    invoice.lines.update(description="A very long description " * 8)
    reader = PdfReader(io.BytesIO(render_invoice_pdf(invoice_by_number(number))))
    assert len(reader.pages) >= 2
    assert "Rupees Ninety Only" in "".join(page.extract_text() for page in reader.pages)
