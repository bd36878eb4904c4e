"""Fonts for the PDFs omslink issues: every script a buyer in India writes, alike on every machine.

Buyers' names and addresses arrive in their own script, so a document needs more than one
font: text is set in Hind (Latin, Devanagari and the rupee sign, regular and bold), and any
character Hind lacks is drawn from the first fallback that has it: Noto Sans (Latin
extended, Greek, Cyrillic, U+FFFD), Noto Sans for Devanagari digits, Bengali, Gurmukhi,
Gujarati, Odia, Tamil, Telugu, Kannada, Malayalam, Ol Chiki and Meetei Mayek, and Noto Sans
CJK SC (Chinese, Japanese, Korean). HarfBuzz shapes the text, so conjuncts form and vowel
signs sit where a reader expects them. Right-to-left scripts (Urdu) are left out on purpose:
fpdf2 misplaces their words in a multi-line cell, and a visible replacement is safer than a
name in the wrong order.

Every font comes from a Python package installed with omslink (all under the SIL Open Font
License 1.1), never from the machine, so a document looks the same wherever it is made.
The font files are only read, so no package's code is imported: `dynamic-font` is a text
renderer for pygame that happens to be the one package on PyPI bundling the Noto fonts of
every Indian script. A document embeds subsets of the fonts it uses, with the mapping from
glyphs back to characters, so text copied out of it is the text that went in.

A character no bundled font has would otherwise vanish from the page: `DocumentFonts.drawable()`
puts U+FFFD in its place and notes it, and `undrawable()` names such characters.
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
    # The code points this font is used for (first, last); None for all it has.
    ranges: tuple[tuple[int, int], ...] | None = None

    def draws(self, codepoint: int) -> bool:
        return self.ranges is None or any(first <= codepoint <= last for first, last in self.ranges)

    def file(self) -> Path:
        """The font file, found inside its package without importing the package."""
        spec = find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the font package {self.package} is not installed")
        return Path(next(iter(spec.submodule_search_locations))) / self.path


_NOTO_INDIC = "dynamic_font"
_NOTO_INDIC_DIR = "assets/fonts/fallback"

# Hind draws the Devanagari digits exactly like 0-9: a buyer who wrote १२ would read 12, so
# they are left to Noto Sans Devanagari.
_HIND_RANGES = ((0x0000, 0x0965), (0x0970, 0xFFFF))
TEXT_FONTS = (
    _Font(TEXT_FAMILY, "fontpkg_hind", "files/Hind-Regular.ttf", ranges=_HIND_RANGES),
    _Font(TEXT_FAMILY, "fontpkg_hind", "files/Hind-Bold.ttf", style="B", ranges=_HIND_RANGES),
)
# Tried in this order for each character the text font lacks (fpdf2 tries them in the same
# order), so a character several of them have, such as a zero-width joiner, has one home.
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
    # Face 2 of the collection is Simplified Chinese; like the others it has kana and Hangul.
    _Font("noto-cjk", _NOTO_INDIC, f"{_NOTO_INDIC_DIR}/NotoSansCJK-Regular.ttc", face=2),
)


@functools.cache
def _coverage(font: _Font) -> frozenset[int]:
    """The code points `font` is used for (its cmap is read once per process)."""
    cmap = TTFont(font.file(), fontNumber=font.face, lazy=True).getBestCmap()
    return frozenset(codepoint for codepoint in cmap if font.draws(codepoint))


@functools.lru_cache(maxsize=8192)
def _font_for(char: str) -> _Font | None:
    """The font that draws `char`: the text font, else the first fallback that has it."""
    return next(
        (font for font in (TEXT_FONTS[0], *FALLBACK_FONTS) if ord(char) in _coverage(font)),
        None,
    )


def undrawable(text: str) -> frozenset[str]:
    """The characters of `text` that no bundled font can draw."""
    return frozenset(
        char for char in set(text) if char not in LAYOUT_CHARACTERS and _font_for(char) is None
    )


def _add(pdf: FPDF, font: _Font) -> None:
    pdf.add_font(
        font.family,
        font.style,
        font.file(),
        unicode_range=list(font.ranges) if font.ranges else None,
        collection_font_number=font.face,
    )


class DocumentFonts:
    """The bundled fonts on one document, with HarfBuzz shaping; `TEXT_FAMILY` is selected.

    Pass every text that did not come from the code through `drawable()` before drawing it:
    it registers the fallback fonts the text needs (a document of Latin text loads no Indic
    or CJK font at all) and replaces what no font can draw, noting it in `replaced` for the
    caller to log with the document's name.
    """

    def __init__(self, pdf: FPDF) -> None:
        self._pdf = pdf
        self._fallbacks: set[_Font] = set()
        self.replaced: set[str] = set()
        for font in TEXT_FONTS:
            _add(pdf, font)
        pdf.set_text_shaping(True)
        pdf.set_font(TEXT_FAMILY, "", 10)

    def drawable(self, text: str) -> str:
        """`text` with each character no bundled font can draw replaced by a visible U+FFFD."""
        missing = undrawable(text)
        if missing:
            self.replaced |= missing
            text = "".join(REPLACEMENT if char in missing else char for char in text)
        needed = {_font_for(char) for char in set(text) if char not in LAYOUT_CHARACTERS}
        new = {font for font in needed if font in FALLBACK_FONTS} - self._fallbacks
        if new:
            for font in new:
                _add(self._pdf, font)
            self._fallbacks |= new
            # A bold line falls back to a regular face: only the text font has a bold one.
            self._pdf.set_fallback_fonts(
                [font.family for font in FALLBACK_FONTS if font in self._fallbacks],
                exact_match=False,
            )
        return text
