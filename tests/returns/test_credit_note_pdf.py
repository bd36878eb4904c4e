"""The credit note PDF: opened with pypdf, it holds what a GST credit note must; kept 0600."""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from typing import Any

import pytest

from omslink.core.pdf_fonts import REPLACEMENT
from tests.conftest import ApiClient, ConnectedApp, Masters, Push, assert_error
from tests.fulfilment.test_invoice_pdf import BUYER_GSTIN, pdf_text
from tests.fulfilment.test_invoice_scripts import BUYERS, buyer, characters
from tests.fulfilment.test_pack_ship import TWO_RATES
from tests.returns.conftest import deliver, external_id, push_return, receive, walk_to


@pytest.fixture
def credited(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> dict[str, Any]:
    """A buyer with a GSTIN returned one tee of two and the jacket (intra-state)."""
    order = push(priced=TWO_RATES, billing_gstin=BUYER_GSTIN)
    walk_to("shipped", order, warehouse)
    deliver(oms, warehouse, order)
    ret = push_return(oms, warehouse, order, [("1", 1), ("2", 1)])
    received = receive(warehouse, ret["number"], {"TEE-RED-M": (1, 0), "JKT-BLK-M": (0, 1)})
    return {"order": warehouse.get(f"/orders/{order}").body, "return": received}


def test_pdf_holds_what_a_credit_note_must(credited: dict[str, Any], warehouse: ApiClient) -> None:
    note = credited["return"]["credit_note"]
    invoice = credited["order"]["invoice"]
    answer = warehouse.get(note["pdf_url"].removeprefix("/api/v1"))
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert "credit-note-CN-OU1-" in answer.headers["Content-Disposition"]
    text = pdf_text(answer.body)
    for expected in (
        "Credit Note",
        "Indigo Threads Pvt Ltd",
        "GSTIN: 29ABCDE1234F1Z5",
        "Karnataka, state code 29",
        "Asha Rao",
        f"GSTIN: {BUYER_GSTIN}",
        f"Credit note number: {note['number']}",
        f"Against invoice: {invoice['number']} dated",
        f"Return: {credited['return']['number']}",
        "Goods returned by the buyer",
        "6109",
        "6201",
        "SKU TEE-RED-M",
        "SKU JKT-BLK-M",
        # Half the tees: 475.24 taxable, 11.88 + 11.88; the whole jacket: 2588.39,
        # 155.31 + 155.30.
        "475.24",
        "CGST 2.5%: 11.88",
        "CGST 6%: 155.31",
        "SGST 6%: 155.30",
        "3063.63",
        "167.19",
        "167.18",
        "3398.00",
        "Rupees Three Thousand Three Hundred Ninety Eight Only",
    ):
        assert expected in text, expected
    assert "IGST" not in text
    assert "Shipping charges" not in text
    assert (note["taxable_value"], note["cgst"], note["sgst"], note["total"]) == (
        "3063.63",
        "167.19",
        "167.18",
        "3398.00",
    )


def test_rto_credit_note_reverses_the_charges_too(
    stocked: Masters, push: Push, warehouse: ApiClient, oms: ConnectedApp
) -> None:
    order = push([("TEE-RED-M", 1)], shipping_charge="40.00", cod_charge="30.00")
    walk_to("shipped", order, warehouse)
    rto = oms.client().post(f"/orders/{external_id(warehouse, order)}/rto", {"reason": "Refused"})
    received = receive(warehouse, rto.body["returns"][0], {"TEE-RED-M": (0, 0)})
    text = pdf_text(warehouse.get(received["credit_note"]["pdf_url"][7:]).body)
    assert "GSTIN: unregistered buyer" in text
    assert "returned to origin undelivered (RTO)" in text
    assert "Shipping charges" in text and "Cash on delivery charges" in text
    assert received["credit_note"]["total"] == "569.00"
    assert "Rupees Five Hundred Sixty Nine Only" in text


def test_pdf_is_kept_private_and_served_as_kept(
    credited: dict[str, Any], warehouse: ApiClient, invoice_dir: Path
) -> None:
    path = credited["return"]["credit_note"]["pdf_url"].removeprefix("/api/v1")
    first = warehouse.get(path).body
    [kept] = [entry for entry in invoice_dir.iterdir() if entry.name.startswith("CN_")]
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(invoice_dir.stat().st_mode) == 0o700
    assert kept.read_bytes() == first
    kept.write_bytes(first + b"%kept")
    assert warehouse.get(path).body == first + b"%kept"


@pytest.mark.parametrize(
    "path",
    [
        "/credit-notes/CN/OU1/2627/9999.pdf",
        "/credit-notes/.pdf",
        "/credit-notes/../../../etc/passwd.pdf",
        "/credit-notes/%2e%2e/%2e%2e/settings.pdf",
        "/credit-notes/" + "A" * 300 + ".pdf",
        "/credit-notes/OU1/2627/000001.pdf",
    ],
)
def test_unknown_or_hostile_credit_note_paths_are_404(
    credited: dict[str, Any], warehouse: ApiClient, path: str
) -> None:
    assert_error(warehouse.get(path), 404, "not_found")


@pytest.mark.parametrize("script", ["devanagari", "tamil", "mixed"])
def test_the_buyer_reads_back_in_their_script(
    script: str,
    stocked: Masters,
    push: Push,
    warehouse: ApiClient,
    oms: ConnectedApp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    fields = BUYERS[script]
    order = push([("TEE-RED-M", 1)], **buyer(*fields))
    walk_to("shipped", order, warehouse)
    rto = oms.client().post(f"/orders/{external_id(warehouse, order)}/rto", {"reason": "Refused"})
    note = receive(warehouse, rto.body["returns"][0], {"TEE-RED-M": (1, 0)})["credit_note"]
    text = pdf_text(warehouse.get(note["pdf_url"].removeprefix("/api/v1")).body)
    missing = characters("".join(fields)) - characters(text)
    assert not missing, f"{script}: lost {sorted(missing)}"
    assert REPLACEMENT not in text
    assert not [r for r in caplog.records if r.name.startswith("omslink")]
