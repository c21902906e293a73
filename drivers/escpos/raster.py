"""Raster drawing shared by the byte builder and the renderer, so both draw the same dots."""

from __future__ import annotations

import segno
from PIL import Image


def qr_image(payload: bytes, module_dots: int, ecc: str) -> Image.Image:
    """The symbol a printer draws for GS ( k: model 2, no quiet zone, square modules, 1-bit.

    Raises ``segno.DataOverflowError`` (a ValueError) when the data does not fit a QR code.
    """
    qr = segno.make(payload, error=ecc, micro=False, boost_error=False)
    n = len(qr.matrix)
    dots = bytes(0 if dark else 255 for row in qr.matrix for dark in row)
    img = Image.frombytes("L", (n, n), dots).convert("1")
    return img.resize((n * module_dots, n * module_dots), Image.Resampling.NEAREST)
