"""Paper formats a page can be straightened to, and which one a found page is.

A page's own proportions come from its physical format: the crop of an A4 sheet is 210×297,
an ID card 85.6×54 (ISO/IEC 7810 ID-1). The format also fixes the output resolution, so a
PDF page comes out at the paper's true size.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageFormat:
    name: str
    short_mm: float
    long_mm: float
    dpi: int

    @property
    def aspect(self) -> float:
        """Long side over short side."""
        return self.long_mm / self.short_mm

    def pixels(self, landscape: bool) -> tuple[int, int]:
        """(width, height) of the straightened page at this format's resolution."""
        s = round(self.short_mm / 25.4 * self.dpi)
        lg = round(self.long_mm / 25.4 * self.dpi)
        return (lg, s) if landscape else (s, lg)


# 200 dpi keeps A4 text legible and matches what a 5 MP camera resolves over an A4 field;
# the card is small in the frame but its print is fine, so it gets 300 dpi.
A4 = PageFormat("a4", 210.0, 297.0, 200)
ID_CARD = PageFormat("idcard", 54.0, 85.6, 300)
FORMATS = (A4, ID_CARD)
_TOLERANCE = 0.045  # relative aspect error still taken as the format (A4 1.414, card 1.585)


def match_format(aspect: float) -> PageFormat | None:
    """The known format whose long/short ratio is within tolerance of ``aspect``, if any."""
    best = min(FORMATS, key=lambda f: abs(f.aspect - aspect))
    return best if abs(best.aspect - aspect) / best.aspect <= _TOLERANCE else None


def free_format(aspect: float, long_px: float) -> PageFormat:
    """A page of no known format: its measured proportions at the resolution it was seen."""
    dpi = 200
    long_mm = long_px / dpi * 25.4
    return PageFormat("other", long_mm / aspect, long_mm, dpi)
