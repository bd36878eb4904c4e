"""Fonts for the PDFs omslink issues: every script a buyer in India writes, alike on every machine.

Buyers' names and addresses arrive in their own script, so a document needs more than one
font: text is set in Hind (Latin, Devanagari and the rupee sign, regular and bold), and any
character Hind lacks is drawn from the first fallback that has it: Noto Sans (Latin
extended, Greek, Cyrillic, U+FFFD), Noto Sans for Bengali, Gurmukhi, Gujarati, Odia, Tamil,
Telugu, Kannada and Malayalam, and Noto Sans CJK SC (Chinese, Japanese, Korean). HarfBuzz
shapes the text, so conjuncts form and vowel signs sit where a reader expects them.

Every font comes from a Python package installed with omslink (all under the SIL Open Font
License 1.1), never from the machine, so a document looks the same wherever it is made.
The font files are only read, so no package's code is imported: `dynamic-font` is a text
renderer for pygame that happens to be the one package on PyPI bundling the Noto fonts of
every Indian script. A document embeds subsets of the fonts it uses, with the mapping from
glyphs back to characters, so text copied out of it is the text that went in.

A character no bundled font has would otherwise vanish from the page; `drawable()` puts
U+FFFD in its place, and `undrawable()` names such characters for the caller to log.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF

TEXT_FAMILY = "text"
REPLACEMENT = "\ufffd"
# Layout rather than glyphs: a line break in a cell's text is never drawn.
LAYOUT_CHARACTERS = frozenset("\n")


@dataclass(frozen=True)
class _Font:
    family: str
    package: str
    path: str
    style: str = ""
    face: int = 0

    def file(self) -> Path:
        """The font file, found inside its package without importing the package."""
        spec = find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the font package {self.package} is not installed")
        return Path(next(iter(spec.submodule_search_locations))) / self.path


_NOTO_INDIC = "dynamic_font"
_NOTO_INDIC_DIR = "assets/fonts/fallback"

TEXT_FONTS = (
    _Font(TEXT_FAMILY, "fontpkg_hind", "files/Hind-Regular.ttf"),
    _Font(TEXT_FAMILY, "fontpkg_hind", "files/Hind-Bold.ttf", style="B"),
)
# Tried in this order for each character the text font lacks; the order only matters for
# characters two fonts share (the danda is in Hind and in every Indic font).
FALLBACK_FONTS = (
    _Font("noto-sans", "fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf"),
    *(
        _Font(
            f"noto-{script.lower()}", _NOTO_INDIC, f"{_NOTO_INDIC_DIR}/NotoSans{script}-Regular.ttf"
        )
        for script in (
            "Devanagari",
            "Bengali",
            "Gurmukhi",
            "Gujarati",
            "Oriya",
            "Tamil",
            "Telugu",
            "Kannada",
            "Malayalam",
            "OlChiki",
            "MeeteiMayek",
        )
    ),
    _Font("noto-arabic", _NOTO_INDIC, f"{_NOTO_INDIC_DIR}/NotoNaskhArabic-Regular.ttf"),
    # Face 2 of the collection is Simplified Chinese; like the others it has kana and Hangul.
    _Font("noto-cjk", _NOTO_INDIC, f"{_NOTO_INDIC_DIR}/NotoSansCJK-Regular.ttc", face=2),
)


def document_fonts_apply(pdf: FPDF) -> None:
    """Register the bundled fonts on `pdf`, with fallbacks and shaping; select `TEXT_FAMILY`."""
    for font in (*TEXT_FONTS, *FALLBACK_FONTS):
        pdf.add_font(font.family, font.style, font.file(), collection_font_number=font.face)
    # A bold line falls back to a regular face: only the text font has a bold one.
    pdf.set_fallback_fonts([font.family for font in FALLBACK_FONTS], exact_match=False)
    pdf.set_text_shaping(True)
    pdf.set_font(TEXT_FAMILY, "", 10)


@functools.cache
def _covered() -> frozenset[int]:
    """Every code point some bundled font has a glyph for (read once per process)."""
    covered: set[int] = set()
    for font in (*TEXT_FONTS, *FALLBACK_FONTS):
        covered.update(TTFont(font.file(), fontNumber=font.face, lazy=True).getBestCmap())
    return frozenset(covered)


def undrawable(text: str) -> frozenset[str]:
    """The characters of `text` that no bundled font can draw."""
    covered = _covered()
    return frozenset(
        char for char in text if ord(char) not in covered and char not in LAYOUT_CHARACTERS
    )


def drawable(text: str) -> str:
    """`text` with each character no bundled font can draw replaced by a visible U+FFFD."""
    missing = undrawable(text)
    if not missing:
        return text
    return "".join(REPLACEMENT if char in missing else char for char in text)
