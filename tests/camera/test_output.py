"""The PDF at true paper size, and the 身份证复印件 page."""

from __future__ import annotations

import re

import numpy as np

from drivers.camera.formats import A4
from drivers.camera.output import encode_jpeg, id_copy_page, pages_pdf

A4_POINTS = (595.28, 841.89)


def _media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def _jpeg(w: int, h: int, dpi: int, shade: int = 200) -> bytes:
    return encode_jpeg(np.full((h, w, 3), shade, np.uint8), dpi)


def test_one_pdf_page_per_jpeg_at_true_size():
    a4 = _jpeg(*A4.pixels(landscape=False), A4.dpi)
    card = _jpeg(1011, 638, 300)
    pdf = pages_pdf([bytearray(a4), card])
    assert pdf.startswith(b"%PDF")
    boxes = _media_boxes(pdf)
    assert len(boxes) == 2
    for w, h in boxes:  # the card sits on an A4 sheet, as on a photocopy
        assert abs(w - A4_POINTS[0]) < 2 and abs(h - A4_POINTS[1]) < 2
    # JPEG pages go in as they are, byte for byte: no second lossy compression, no
    # ASCII85 wrapping.
    assert pdf.count(b"/DCTDecode") == 2 and len(pdf) < 1.05 * (len(a4) + len(card)) + 4000
    assert bytes(a4) in pdf and card in pdf


def test_pages_alike_but_not_the_same_are_each_kept():
    """Each page is its own image in the PDF, named by its own bytes: two scans that differ
    in one corner are not taken for one."""
    first = np.full((1754, 1240, 3), 250, np.uint8)
    second = first.copy()
    second[:40, :40] = 0
    a, b = encode_jpeg(first, 150), encode_jpeg(second, 150)
    pdf = pages_pdf([a, b, a])
    assert a in pdf and b in pdf
    assert pdf.count(b"/Subtype /Image") == 2  # the third page shows the first's image again


def test_a_landscape_sheet_gets_a_landscape_page():
    pdf = pages_pdf([_jpeg(*A4.pixels(landscape=True), A4.dpi)])
    (w, h), = _media_boxes(pdf)
    assert w > h and abs(h - A4_POINTS[0]) < 2


def test_id_copy_puts_front_above_back_at_true_size():
    front = np.full((638, 1011, 3), 60, np.uint8)
    back = np.full((638, 1011, 3), 120, np.uint8)
    sheet = id_copy_page(front, back)
    assert sheet.shape[:2] == (2339, 1654)
    dark_rows = np.where(sheet[:, 827, 0] == 60)[0]
    grey_rows = np.where(sheet[:, 827, 0] == 120)[0]
    card_h = round(54 / 25.4 * 200)  # 54 mm at 200 dpi
    assert abs(len(dark_rows) - card_h) <= 2 and abs(len(grey_rows) - card_h) <= 2
    assert dark_rows.max() < grey_rows.min()  # the front is on top
    card_w = round(85.6 / 25.4 * 200)
    assert abs(int((sheet[dark_rows[0] + 5, :, 0] == 60).sum()) - card_w) <= 2
