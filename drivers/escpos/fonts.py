"""Find the CJK font the virtual printer draws with, and turn characters into printer cells.

The only place that asks fontconfig where fonts live (``fontconfig``); the virtual printer
falls back to the Debian paths of fonts-noto-cjk. Glyphs are drawn anti-aliased,
thresholded to 1 bit and squeezed into the printer's fixed cells (12x24 half width, 24x24
full width), then magnified by pixel repetition as the printer's GS ! does, so the PNG
shows the blocky truth of a thermal print.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from collections import OrderedDict
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from drivers.escpos import spec

log = logging.getLogger(__name__)

_FAMILY = "Noto Sans CJK SC"
_TTC_SC_INDEX = 2  # face order in NotoSansCJK-*.ttc: JP, KR, SC, TC, HK
_DEBIAN_PATHS = {
    False: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    True: "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
_THRESHOLD = 110  # of 255: keeps thin strokes of small CJK glyphs from vanishing


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int


def fontconfig(*args: str) -> str:
    """The output of a fontconfig tool (``fc-match``, ``fc-list``); "" if it is missing.

    The one place that asks fontconfig; the certificate PDFs find their font through it too.
    """
    if not shutil.which(args[0]):
        return ""
    try:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("%s failed: %s", args[0], exc)
        return ""


@functools.cache
def find_cjk_font(bold: bool = False) -> FontFile | None:
    """Noto Sans CJK SC (regular or bold) via fc-match, else the Debian path, else None."""
    pattern = f"{_FAMILY}:style={'Bold' if bold else 'Regular'}"
    out = fontconfig("fc-match", "-f", "%{file}|%{index}|%{family}", pattern)
    path, index, family = (out.split("|") + ["", "", ""])[:3]
    # fc-match always answers with something; only a CJK family can draw Chinese.
    if "CJK" in family and os.path.isfile(path) and index.isdigit():
        return FontFile(path, int(index))
    path = _DEBIAN_PATHS[bold]
    if os.path.isfile(path):
        return FontFile(path, _TTC_SC_INDEX)
    log.warning("no CJK font found (install fonts-noto-cjk); Chinese will render as boxes")
    return None


class GlyphCache:
    """Printer cells for characters, cached by (char, full width, bold, w, h), the most
    recently used ``limit`` of them: over months of receipts (place and service names, a
    masked name now and then) the characters printed are not a fixed set."""

    def __init__(self, limit: int = 4096) -> None:
        self._fonts: dict[bool, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
        self._cells: OrderedDict[tuple[str, bool, bool, int, int], Image.Image] = OrderedDict()
        self._baseline: dict[bool, int] = {}
        self.limit = limit

    def __len__(self) -> int:
        return len(self._cells)

    def cell(self, ch: str, full: bool, bold: bool, w: int, h: int) -> Image.Image:
        key = (ch, full, bold, w, h)
        img = self._cells.get(key)
        if img is not None:
            self._cells.move_to_end(key)
            return img
        img = self._base_cell(ch, full, bold)
        if (w, h) != (1, 1):
            img = img.resize((img.width * w, img.height * h), Image.Resampling.NEAREST)
        self._cells[key] = img
        if len(self._cells) > self.limit:
            self._cells.popitem(last=False)
        return img

    def _font(self, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if bold not in self._fonts:
            found = find_cjk_font(bold)
            if found is None:
                self._fonts[bold] = ImageFont.load_default(size=spec.FONT_A_HEIGHT)
            else:
                self._fonts[bold] = ImageFont.truetype(
                    found.path, spec.FONT_A_HEIGHT, index=found.index
                )
            # Centre an ideograph vertically in the 24-dot cell; Latin shares its baseline.
            top, bottom = self._fonts[bold].getbbox("国", anchor="ls")[1::2]
            self._baseline[bold] = round((spec.FONT_A_HEIGHT - (bottom - top)) / 2 - top)
        return self._fonts[bold]

    def _base_cell(self, ch: str, full: bool, bold: bool) -> Image.Image:
        cell_w = spec.FONT_A_FULL_WIDTH if full else spec.FONT_A_HALF_WIDTH
        height = spec.FONT_A_HEIGHT
        font = self._font(bold)
        canvas = Image.new("L", (cell_w * 3, height), 0)
        ImageDraw.Draw(canvas).text(
            (cell_w, self._baseline[bold]), ch, font=font, fill=255, anchor="ls"
        )
        # The cell is the glyph's advance box re-centred on the fixed cell width, so
        # punctuation keeps its place (，sits low-left) as in the printer's own font.
        left = round(cell_w + font.getlength(ch) / 2 - cell_w / 2)
        box = canvas.getbbox()
        if box is None or (box[0] >= left and box[2] <= left + cell_w):
            cell = canvas.crop((left, 0, left + cell_w, height))
        else:  # ink wider than the cell (M, W in a half-width cell): squeeze it in
            ink = canvas.crop((box[0], 0, box[2], height))
            cell = Image.new("L", (cell_w, height), 0)
            if ink.width > cell_w:
                ink = ink.resize((cell_w, height), Image.Resampling.LANCZOS)
            cell.paste(ink, ((cell_w - ink.width) // 2, 0))
        # Black ink on white paper, one bit per dot like the print head.
        return cell.point(lambda v: 0 if v >= _THRESHOLD else 255, mode="1")
