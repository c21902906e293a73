"""The CJK font certificate PDFs embed: a TrueType face found through fontconfig.

reportlab embeds TrueType outlines only; Noto Sans CJK (the UI font) is CFF-flavoured
OpenType and cannot be embedded. So we ask fontconfig for TrueType faces covering Simplified
Chinese and take the first of the families we have checked on paper (Debian's
fonts-wqy-zenhei, then fonts-arphic-*), else any. reportlab subsets the face per document:
the PDF carries only the glyphs it shows and prints the same on any printer.
"""

from __future__ import annotations

import functools
import logging

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from drivers.escpos.fonts import fontconfig

log = logging.getLogger(__name__)

FONT_NAME = "KioskCJK"
_PREFERRED = ("WenQuanYi Zen Hei", "AR PL UMing CN", "AR PL UKai CN")
_PATTERN = ":lang=zh-cn:fontformat=TrueType"


class FontMissing(RuntimeError):
    """No embeddable CJK font is installed (install fonts-wqy-zenhei)."""


def _candidates() -> list[tuple[str, int, str]]:
    out = fontconfig("fc-list", "--format", "%{file}|%{index}|%{family[0]}\n", _PATTERN)
    found = []
    for line in out.splitlines():
        path, index, family = (line.split("|") + ["", "", ""])[:3]
        if path and index.isdigit():
            found.append((path, int(index), family))
    rank = {family: i for i, family in enumerate(_PREFERRED)}
    return sorted(found, key=lambda f: (rank.get(f[2], len(rank)), f[0], f[1]))


@functools.cache
def cjk_font() -> TTFont:
    """Register (once) and return the embeddable CJK font, named ``FONT_NAME``."""
    for path, index, family in _candidates():
        try:
            font = TTFont(FONT_NAME, path, subfontIndex=index)
        except TTFError as exc:  # e.g. a face reportlab cannot subset
            log.debug("font %s (%s) not usable: %s", family, path, exc)
            continue
        pdfmetrics.registerFont(font)
        log.debug("certificate font: %s (%s #%d)", family, path, index)
        return font
    raise FontMissing("no TrueType font for Simplified Chinese found via fontconfig "
                      "(install fonts-wqy-zenhei)")


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` the font cannot draw (a rare name character, for instance)."""
    covered = cjk_font().face.charToGlyph
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in covered})
