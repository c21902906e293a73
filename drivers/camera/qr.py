"""QR codes in a camera frame: the case QR on a 受理回执, an 电子社保卡 or 预约码 shown on a phone.

The decoding is zxing-cpp's (a real decoder: finder patterns, perspective sampling, error
correction). What is added here is what a document camera's frames need: the frame is read
grey at a size where a code of a few centimetres still has 3+ pixels a module, and when that
finds nothing, twice more with the light evened out first — a lamp's reflection on glossy
paper or on a phone's glass leaves one part of the code far brighter than another, which a
single threshold cannot split. Pure numpy / OpenCV, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

_MAX_SIDE = 2600  # a 5 MP frame is read at full size: a receipt's code is small in it
_FORMATS = zxingcpp.BarcodeFormat.QRCode  # 回执, 社保卡 and 预约码 codes are full QR


@dataclass(frozen=True)
class QrCode:
    """One decoded code: its text and its corners in the frame's pixels (TL, TR, BR, BL
    of the code itself, so a code seen upside down has its TL at the bottom right)."""

    text: str
    corners: np.ndarray


def decode_qr(frame: np.ndarray) -> list[QrCode]:
    """Every QR code readable in a BGR (or grey) frame; none is an empty list."""
    grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, _MAX_SIDE / max(grey.shape[:2]))
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    found: dict[str, QrCode] = {}
    for view in _views(grey):
        for code in zxingcpp.read_barcodes(view, formats=_FORMATS, try_rotate=True,
                                           try_downscale=True, try_invert=True):
            if code.valid and code.text and code.text not in found:
                p = code.position
                corners = np.array([[p.top_left.x, p.top_left.y],
                                    [p.top_right.x, p.top_right.y],
                                    [p.bottom_right.x, p.bottom_right.y],
                                    [p.bottom_left.x, p.bottom_left.y]], np.float32) / scale
                found[code.text] = QrCode(code.text, corners)
        if found:
            break
    return list(found.values())


def _views(grey: np.ndarray):
    """The frame as it is, then with glare and uneven light taken out (lazily: the usual
    frame is read by the first view)."""
    yield grey
    # Stretch each neighbourhood between its own darkest and brightest (found small, where
    # a module is under a pixel): modules half washed out by a glare patch come back dark.
    h, w = grey.shape
    k = 8
    small = cv2.resize(grey, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA)
    box = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    lo, hi = (cv2.resize(cv2.GaussianBlur(m.astype(np.float32), (0, 0), 2), (w, h),
                         interpolation=cv2.INTER_LINEAR)
              for m in (cv2.erode(small, box), cv2.dilate(small, box)))
    spread = np.maximum(hi - lo, 12.0)
    yield np.clip((grey.astype(np.float32) - lo) * (255 / spread), 0, 255).astype(np.uint8)
    yield cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(grey)
