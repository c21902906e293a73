"""Quality gates for a captured page, each with a stable code (messages: ``[error.camera]``).

Every gate measures something a person would see: the page missing or off the edge, too
small to read, a lamp's reflection burning out part of it, motion or focus blur, nothing on
it, or the same sheet as one already taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from drivers.camera.detect import PageDetection
from drivers.camera.enhance import shrink
from drivers.camera.geometry import quad_area

NO_PAGE = "camera.no_page"
CUT_OFF = "camera.page_cut_off"
TOO_SMALL = "camera.page_too_small"
GLARE = "camera.glare"
BLURRED = "camera.blurred"
BLANK = "camera.blank_page"
SAME_PAGE = "camera.same_page"

MIN_SHORT_SIDE = 0.12  # of the frame's short side; an ID card on an A3 field is ~0.18
GLARE_SHARE = 0.004  # of the page burnt out (all channels ≥ 250)
BLUR_MAX = 3.0  # edge sigma in half-resolution pixels, see ``edge_width`` (UNCERTAIN: set
# on synthetic frames only, where a good capture measures 1.3–2.3)
BLANK_INK = 0.0015  # share of the page that is ink
SAME_PAGE_BITS = 24  # of 255 hash bits that may differ for "the same page"


@dataclass(frozen=True)
class Verdict:
    code: str = ""  # empty: the page passed
    detail: str = ""  # for technicians and logs; no personal data

    @property
    def ok(self) -> bool:
        return not self.code


PASS = Verdict()


def check_detection(det: PageDetection, size: tuple[int, int]) -> Verdict:
    if det.cut_off:
        return Verdict(CUT_OFF, "page runs off the frame")
    if det.quad is None:
        return Verdict(NO_PAGE, "no page outline found")
    q = det.quad
    sides = np.linalg.norm(q - np.roll(q, -1, axis=0), axis=1)
    short = float(min(sides[0] + sides[2], sides[1] + sides[3]) / 2)
    if short < MIN_SHORT_SIDE * min(size):
        return Verdict(TOO_SMALL, f"page short side {short:.0f}px of {min(size)}px frame")
    return PASS


def check_glare(frame: np.ndarray, quad: np.ndarray) -> Verdict:
    step = max(1, max(frame.shape[:2]) // 640)
    scale = 1 / step  # a burnt-out spot is large: every step-th pixel will do
    small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    mask = np.zeros(small.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad * scale).astype(np.int32), 1)
    burnt = (small.min(axis=2) >= 250) & (mask > 0)
    share = burnt.sum() / max(1.0, quad_area(quad) * scale * scale)
    if share > GLARE_SHARE:
        return Verdict(GLARE, f"{share:.2%} of the page saturated")
    return PASS


def edge_width(page: np.ndarray) -> float:
    """Blur as the width (Gaussian sigma, in pixels at half the page resolution) of the page's
    strongest edges: a blurred step of height C has a steepest slope of C / (sigma·√2π).

    Measured at the crispest edges only, so neither bare paper (noise) nor how much ink a
    page carries moves it, which a plain Laplacian variance cannot say.
    """
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    # The middle of the page, where the writing is: margins only cost time.
    grey = grey[h // 8: h - h // 8, w // 10: w - w // 10]
    h, w = grey.shape
    grey = cv2.resize(grey[: h - h % 2, : w - w % 2], None, fx=0.5, fy=0.5,
                      interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    slope = cv2.magnitude(gx, gy)
    box = np.ones((15, 15), np.uint8)
    step = (cv2.dilate(grey, box) - cv2.erode(grey, box)).astype(np.float32)
    # Motion smears only the edges across its direction: judge upright and lying edges
    # apart, each by its own crispest ones, and keep the worse.
    upright = np.abs(gx) > np.abs(gy)
    widths = []
    for group in (upright, ~upright):
        if group.sum() < 100:
            continue  # a page of only vertical lines has no lying edges to judge
        sample = slope[::3, ::3][group[::3, ::3]]  # a sample's percentile will do
        edges = group & (slope > max(4.0, float(np.percentile(sample, 99.5))))
        if edges.sum() >= 30:
            widths.append(float(np.median(step[edges] / (slope[edges] * 2.5066))))
    return max(widths, default=0.0)  # no edges at all: the blank gate speaks


def check_blur(page: np.ndarray) -> Verdict:
    width = edge_width(page)
    if width > BLUR_MAX:
        return Verdict(BLURRED, f"edge width {width:.2f}px > {BLUR_MAX}")
    return PASS


def small_grey(page: np.ndarray, long_side: int = 560) -> np.ndarray:
    """The page grey and small: enough for the blank and same-page gates."""
    return shrink(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if page.ndim == 3 else page,
                  long_side)


def check_blank(small: np.ndarray) -> Verdict:
    """``small``: the enhanced page from ``small_grey``."""
    inner = small[8:-8, 8:-8]  # the sheet's own edge is not content
    ink = float((inner < 150).mean())
    if ink < BLANK_INK and float(inner.std()) < 12:
        return Verdict(BLANK, f"ink {ink:.3%}")
    return PASS


def page_hash(small: np.ndarray) -> int:
    """255-bit perceptual hash of a grey page: its 16×16 lowest DCT frequencies but DC,
    each above or below their median."""
    small = cv2.resize(small, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:16, :16].ravel()[1:]
    bits = low > np.median(low)
    return int("".join("1" if b else "0" for b in bits), 2)


def check_same(hash_: int, earlier: list[int]) -> tuple[Verdict, int]:
    """The page's verdict and, for a repeat, the 1-based number of the page it repeats."""
    for i, other in enumerate(earlier):
        if (hash_ ^ other).bit_count() <= SAME_PAGE_BITS:
            return Verdict(SAME_PAGE, f"matches page {i + 1}"), i + 1
    return PASS, 0
