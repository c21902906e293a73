"""What a scan produces: a JPEG per page (with its true resolution), one multi-page PDF, and
the 身份证复印件 page (front and back of an ID card at true size on one A4 sheet)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import cv2
import numpy as np
from PIL import Image
from reportlab import rl_config
from reportlab.lib.pagesizes import A4 as A4_POINTS
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from drivers.camera.formats import A4, ID_CARD

_POINTS_PER_INCH = 72.0

# reportlab wraps each stream in ASCII85 by default, and without its C accelerator (not on
# PyPI for every platform) in pure Python: ~30 ms a scanned page holding the GIL, which
# stalls the screen, for a file 25% larger. Binary streams are as valid a PDF (1.4+).
rl_config.useA85 = 0


class _JpegReader(ImageReader):
    """A JPEG for reportlab to embed as it is (DCTDecode). reportlab names each image by a
    digest of its decoded pixels (``getRGBData``), which for a 300-dpi A4 scan decodes 25 MB
    only to hash them: ~80 ms a page, much of it holding the GIL. The compressed bytes name
    the image as surely; the embedding itself reads them through ``jpeg_fh``."""

    def getRGBData(self) -> bytes:  # noqa: N802 - reportlab's API
        self._dataA = None  # no soft mask: a JPEG has no alpha
        return self.fp.getvalue()


def encode_jpeg(image: np.ndarray, dpi: int, quality: int = 85) -> bytes:
    """JPEG with its resolution recorded, so the PDF page comes out at the paper's size."""
    rgb = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=quality, dpi=(dpi, dpi), optimize=False)
    return buf.getvalue()


def _jpeg_size_inches(jpeg: bytes) -> tuple[float, float]:
    with Image.open(io.BytesIO(jpeg)) as im:
        dpi = im.info.get("dpi", (A4.dpi, A4.dpi))[0] or A4.dpi
        return im.width / dpi, im.height / dpi


def pages_pdf(jpegs: Sequence[bytes | bytearray], title: str = "") -> bytes:
    """One PDF page per JPEG, at true size: a page smaller than A4 (an ID card) sits in the
    middle of an A4 sheet, as on a photocopy; A4 and larger fill their own page."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4_POINTS, pageCompression=1)
    pdf.setTitle(title)
    for jpeg in jpegs:
        wi, hi = _jpeg_size_inches(bytes(jpeg))
        w, h = wi * _POINTS_PER_INCH, hi * _POINTS_PER_INCH
        page_w, page_h = A4_POINTS
        if w > h and w > page_w * 1.05:
            page_w, page_h = page_h, page_w  # a landscape sheet: turn the page
        page_w, page_h = max(page_w, w), max(page_h, h)
        pdf.setPageSize((page_w, page_h))
        # reportlab embeds a JPEG as it is (DCTDecode): no second lossy compression.
        pdf.drawImage(_JpegReader(io.BytesIO(bytes(jpeg))), (page_w - w) / 2, (page_h - h) / 2,
                      width=w, height=h)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def id_copy_page(front: np.ndarray, back: np.ndarray) -> np.ndarray:
    """The classic 身份证复印件: both sides at true size, front above back, on white A4."""
    pw, ph = A4.pixels(landscape=False)
    sheet = np.full((ph, pw, 3), 255, np.uint8)
    cw, ch = round(ID_CARD.long_mm / 25.4 * A4.dpi), round(ID_CARD.short_mm / 25.4 * A4.dpi)
    for side, centre_y in ((front, ph * 0.3), (back, ph * 0.62)):
        if side.shape[0] > side.shape[1]:
            side = cv2.rotate(side, cv2.ROTATE_90_CLOCKWISE)  # a card is read landscape
        card = cv2.resize(side, (cw, ch), interpolation=cv2.INTER_AREA)
        x, y = (pw - cw) // 2, round(centre_y - ch / 2)
        sheet[y:y + ch, x:x + cw] = card
        cv2.rectangle(sheet, (x - 1, y - 1), (x + cw, y + ch), (160, 160, 160), 1)
    return sheet
