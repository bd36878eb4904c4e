"""Buyers write their names and addresses in their own script: the invoice PDF keeps every
character (pypdf reads it back), and one it cannot draw is replaced visibly and logged."""

from __future__ import annotations

import io
import logging
from collections import Counter
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from fpdf import FPDF
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from omslink.core.pdf_fonts import REPLACEMENT, DocumentFonts, undrawable
from tests.conftest import ApiClient, Masters, Push
from tests.fulfilment.conftest import to_invoiced
from tests.fulfilment.test_invoice_pdf import fetch, pdf_text
from tests.fulfilment.test_pack_ship import KARNATAKA

# (buyer name, address line 1, address line 2, city): conjuncts, vowel signs placed before
# their consonant, and each script's own digits.
BUYERS = {
    "devanagari": ("आशा राव", "१२ एमजी रोड, इंदिरानगर", "क्षितिज अपार्टमेंट्स, द्वितीय तल", "बेंगलुरु"),
    "bengali": ("সুমিতা দাস", "১২ এমজি রোড, ইন্দিরানগর", "লক্ষ্মী নিবাস, দ্বিতীয় তলা", "কলকাতা"),
    "gurmukhi": ("ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ", "੧੨ ਮਾਲ ਰੋਡ", "ਕ੍ਰਿਸ਼ਨਾ ਨਗਰ", "ਅੰਮ੍ਰਿਤਸਰ"),
    "gujarati": ("પ્રિયા પટેલ", "૧૨ સી.જી. રોડ, નવરંગપુરા", "શ્રીજી કૃપા ફ્લેટ્સ", "અમદાવાદ"),
    "odia": ("ସୁଭଶ୍ରୀ ମହାନ୍ତି", "୧୨ ଜନପଥ, ସହିଦ ନଗର", "ଲକ୍ଷ୍ମୀ ନିବାସ", "ଭୁବନେଶ୍ୱର"),
    "tamil": ("மீனா சுந்தரம்", "௧௨ அண்ணா சாலை, தி. நகர்", "ஸ்ரீ லக்ஷ்மி இல்லம்", "சென்னை"),
    "telugu": ("శ్రీనివాస్ రెడ్డి", "౧౨ ఎంజీ రోడ్, బంజారా హిల్స్", "లక్ష్మీ నిలయం", "హైదరాబాద్"),
    "kannada": ("ಶ್ರೀನಿವಾಸ ಗೌಡ", "೧೨ ಎಂಜಿ ರಸ್ತೆ, ಇಂದಿರಾನಗರ", "ಲಕ್ಷ್ಮೀ ನಿಲಯ", "ಬೆಂಗಳೂರು"),
    "malayalam": ("ലക്ഷ്മി നായർ", "൧൨ എം.ജി. റോഡ്, കലൂർ", "ശ്രീ കൃഷ്ണ ഭവൻ", "കൊച്ചി"),
    "latin": (
        "Zoë Fernandes-Kṛṣṇan",
        "Flat 4B, 12th Cross, Ōm Plaza",
        "Nguyễn Đức Tower",
        "Bengaluru",
    ),
    "mixed": (
        "Asha आशा Rao 42",
        "Plot 7, সুমিতা ভবন, MG Road 560001",
        "ਗਲੀ 3, ગલી 4",
        "Chennai சென்னை",
    ),
    "chinese": ("王小明", "建国路88号 2单元", "朝阳区", "北京市"),
    # Santali is written in Ol Chiki.
    "ol chiki": ("ᱥᱩᱢᱤᱛᱨᱟ ᱢᱟᱨᱰᱤ", "᱑᱒ ᱢᱮᱱ ᱨᱚᱰ", "", "ᱡᱟᱢᱥᱮᱫᱯᱩᱨ"),
}
# A one-page invoice stays this small because fonts are embedded as subsets (Hind alone is
# 300 KB, the CJK font 18 MB); these invoices weigh 23-34 KB.
MOST_BYTES = 60_000


def characters(text: str) -> Counter[str]:
    """The characters of `text` with their counts; layout (spaces, breaks) is not compared."""
    return Counter(char for char in text if not char.isspace())


def buyer(name: str, line1: str, line2: str, city: str) -> dict[str, Any]:
    return {
        "customer": {"name": name, "phone": "+919800000000"},
        "shipping_address": {**KARNATAKA, "line1": line1, "line2": line2, "city": city},
    }


@pytest.mark.parametrize("script", list(BUYERS))
def test_the_buyer_reads_back_in_every_script(
    script: str,
    stocked: Masters,
    push: Push,
    warehouse: ApiClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    fields = BUYERS[script]
    order = push([("TEE-RED-M", 1)], **buyer(*fields))
    document = fetch(warehouse, to_invoiced(warehouse, order)["invoice"]).body
    text = pdf_text(document)
    # Shaping may reorder what a glyph stands for; every character must still be there.
    missing = characters("".join(fields)) - characters(text)
    assert not missing, f"{script}: lost {sorted(missing)}"
    assert REPLACEMENT not in text
    assert not [r for r in caplog.records if r.name.startswith("omslink")]
    assert len(document) < MOST_BYTES, len(document)


def test_every_script_and_the_rupee_have_a_font() -> None:
    for fields in BUYERS.values():
        assert not undrawable("".join(fields))
    assert not undrawable("₹ 1,23,456.78 — “GST” ½ Ω Ж 한국 かな ꯃꯤꯇꯩ ꯃꯌꯦꯛ")


def test_a_character_no_font_has_is_replaced_visibly_and_logged(
    stocked: Masters, push: Push, warehouse: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    # An emoji and an Ethiopic letter: no bundled font draws either.
    order = push(
        [("TEE-RED-M", 1)],
        **buyer("Asha \U0001f600 राव", "12 MG Road \u1200", "", "Bengaluru"),
    )
    invoice = to_invoiced(warehouse, order)["invoice"]
    text = pdf_text(fetch(warehouse, invoice).body)
    assert "Asha \ufffd राव" in text and "12 MG Road \ufffd" in text
    assert "\U0001f600" not in text and "\u1200" not in text
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert invoice["number"] in warnings[0] and order in warnings[0]
    assert "U+1F600" in warnings[0] and "U+1200" in warnings[0]
    # The name itself stays out of the log: only the code points are named.
    assert "Asha" not in warnings[0]


def test_drawable_replaces_only_what_no_font_has() -> None:
    fonts = DocumentFonts(FPDF())
    assert fonts.drawable("आशा\n王 \U0001f600\U0010fffd") == "आशा\n王 \ufffd\ufffd"
    # Right-to-left scripts are not bundled (docs/decisions.md says why): Urdu is replaced.
    assert fonts.drawable("Asha خان") == "Asha \ufffd\ufffd\ufffd"
    assert fonts.replaced == {"\U0001f600", "\U0010fffd", *"خان"}
    assert undrawable("line\nbreak") == frozenset()


def test_the_same_document_on_every_machine(
    stocked: Masters, push: Push, warehouse: ApiClient
) -> None:
    """The bundled fonts are embedded, each as a subset of the glyphs used; no system font."""
    order = push([("TEE-RED-M", 1)], **buyer(*BUYERS["mixed"]))
    document = fetch(warehouse, to_invoiced(warehouse, order)["invoice"]).body
    resources = PdfReader(io.BytesIO(document)).pages[0]["/Resources"]
    assert isinstance(resources, DictionaryObject)
    fonts = resources["/Font"]
    assert isinstance(fonts, DictionaryObject)
    embedded = {}
    for font in fonts.values():
        font = font.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))
        embedded[str(font["/BaseFont"]).split("+", 1)[1]] = len(program.getGlyphOrder())
    assert set(embedded) == {
        "Hind",
        "HindBold",
        "NotoSansBengali",
        "NotoSansGurmukhi",
        "NotoSansGujarati",
        "NotoSansTamil",
    }
    # Hind alone has 1,006 glyphs; the page uses a few dozen of each font.
    assert max(embedded.values()) < 150, embedded
