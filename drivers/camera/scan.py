"""The page pipeline for one still: find, check, straighten, enhance, check again, encode.

Pure functions of the frame; nothing is kept. A rejected page carries the gate's code, so the
citizen is told what to change (``[error.camera]``); a page that passes comes back as the
JPEG that goes into the session, its perceptual hash (to catch the same page twice) and a
small thumbnail for the screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from drivers.camera import quality
from drivers.camera.detect import PageDetection, detect_page
from drivers.camera.enhance import enhance, shrink, straighten
from drivers.camera.output import encode_jpeg

THUMB_LONG_SIDE = 320


@dataclass(frozen=True)
class ScannedPage:
    jpeg: bytes
    format: str  # "a4", "idcard" or "other"
    size: tuple[int, int]  # pixels (w, h)
    dpi: int
    phash: int
    thumbnail: np.ndarray  # BGR, long side THUMB_LONG_SIDE
    image: np.ndarray  # the enhanced page (for an ID-card copy page)


@dataclass(frozen=True)
class ScanResult:
    page: ScannedPage | None
    verdict: quality.Verdict
    detection: PageDetection
    repeats: int = 0  # for SAME_PAGE: the 1-based number of the earlier page

    @property
    def ok(self) -> bool:
        return self.page is not None


def scan_frame(frame: np.ndarray, mode: str = "document",
               earlier: Sequence[int] = (), detection: PageDetection | None = None) -> ScanResult:
    """Run every gate on a full-resolution still; ``earlier``: hashes of pages already taken."""
    det = detection or detect_page(frame)
    h, w = frame.shape[:2]
    verdict = quality.check_detection(det, (w, h))
    if verdict.ok:
        assert det.quad is not None
        verdict = quality.check_glare(frame, det.quad)
    if not verdict.ok:
        return ScanResult(None, verdict, det)
    assert det.quad is not None
    flat, fmt = straighten(frame, det.quad)
    verdict = quality.check_blur(flat)
    if not verdict.ok:
        return ScanResult(None, verdict, det)
    page = enhance(flat, mode)
    grey = quality.small_grey(page)
    verdict = quality.check_blank(grey)
    if not verdict.ok:
        return ScanResult(None, verdict, det)
    phash = quality.page_hash(grey)
    verdict, repeats = quality.check_same(phash, list(earlier))
    if not verdict.ok:
        return ScanResult(None, verdict, det, repeats)
    jpeg = encode_jpeg(page, fmt.dpi)
    thumb = shrink(page, THUMB_LONG_SIDE)
    scanned = ScannedPage(jpeg, fmt.name, (page.shape[1], page.shape[0]), fmt.dpi, phash,
                          thumb, page)
    return ScanResult(scanned, quality.PASS, det)
