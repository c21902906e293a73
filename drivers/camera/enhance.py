"""Straighten a found page to its own proportions and make it read well.

Document mode gives white paper and dark, crisp text: the light falling across the sheet
(and a shadow on it) is estimated from the paper itself and divided out; near-grey colours
become grey, but a red seal or blue ink keeps its colour; text printed up to 3° askew is
turned straight, and a page placed upside down is turned the right way up (``upside_down``:
from where the punctuation sits in the lines and which side the lines are flush on). Photo
mode keeps every colour and only evens out exposure and white balance, and keeps the page as
it lies (a photo has no text to tell its top by).
"""

from __future__ import annotations

import cv2
import numpy as np

from drivers.camera.formats import PageFormat, free_format, match_format
from drivers.camera.geometry import aspect_ratio, order_corners

MODES = ("document", "photo")
# Paper (≥ 215 after flattening) goes white, print (≤ 60) black, a gamma darkens strokes.
_DOCUMENT_LUT = (np.clip((np.arange(256) - 60) / (215 - 60), 0, 1) ** 1.4 * 255).astype(np.uint8)
_EDGE_TRIM = 0.004  # of the page's long side
_MAX_SKEW = 3.0  # degrees of text skew corrected; more is a page placed crooked on purpose


def straighten(frame: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, PageFormat]:
    """The page seen as ``quad`` in ``frame``, warped flat at its format's resolution."""
    q = order_corners(quad)
    h, w = frame.shape[:2]
    ratio = aspect_ratio(q, (w, h))
    landscape = ratio > 1
    long_ratio = max(ratio, 1 / ratio)
    long_px = max(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[3] - q[0]))
    fmt = match_format(long_ratio) or free_format(long_ratio, float(long_px))
    out_w, out_h = fmt.pixels(landscape)
    # Cut a hair inside the found edge, so no sliver of desk frames the page.
    m = _EDGE_TRIM * max(out_w, out_h)
    dst = np.array([[-m, -m], [out_w + m, -m], [out_w + m, out_h + m], [-m, out_h + m]],
                   np.float32)
    hom = cv2.getPerspectiveTransform(q, dst)
    flat = cv2.warpPerspective(frame, hom, (out_w, out_h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
    return flat, fmt


def enhance(page: np.ndarray, mode: str) -> np.ndarray:
    if mode == "document":
        page = _document(page)
        if upside_down(page):
            page = cv2.rotate(page, cv2.ROTATE_180)
        return deskew(page)
    if mode == "photo":
        return _photo(page)
    raise ValueError(f"unknown mode {mode!r}; allowed: {', '.join(MODES)}")


def _document(page: np.ndarray) -> np.ndarray:
    h, w = page.shape[:2]
    # The paper's own brightness, text removed: a max filter swallows strokes, a median
    # smooths what is left. Done small, because light changes slowly across a sheet.
    k = 8  # cropped to a multiple of k first: OpenCV's fast path for whole factors
    small = cv2.resize(page[: h - h % k, : w - w % k], None, fx=1 / k, fy=1 / k,
                       interpolation=cv2.INTER_AREA)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    paper = cv2.medianBlur(paper, 15)
    paper = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(page, paper, scale=235)
    out = cv2.LUT(flat, _DOCUMENT_LUT)
    # Near-grey becomes grey (no colour cast on paper or print); a seal stays red. Which
    # is which is judged at half size: colour does not change from pixel to pixel.
    b, g, r = cv2.split(shrink(out, max(h, w) // 2))
    spread = cv2.subtract(cv2.max(cv2.max(b, g), r), cv2.min(cv2.min(b, g), r))
    neutral = cv2.resize((spread < 40).astype(np.uint8), (w, h),
                         interpolation=cv2.INTER_NEAREST)
    grey = cv2.cvtColor(cv2.cvtColor(out, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    cv2.copyTo(grey, neutral, out)
    soft = cv2.GaussianBlur(out, (5, 5), 1.2)
    return cv2.addWeighted(out, 1.6, soft, -0.6, 0)


def _photo(page: np.ndarray) -> np.ndarray:
    small = cv2.resize(page, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    lo = np.percentile(small.reshape(-1, 3), 0.5, axis=0)
    hi = np.percentile(small.reshape(-1, 3), 99.5, axis=0)
    # One gain per channel from the bright end balances white; a shared black point keeps
    # the shadows' colour.
    gain = 250.0 / np.maximum(hi - lo.min(), 1)
    lut = np.stack([np.clip((np.arange(256) - lo.min()) * g, 0, 255) for g in gain], axis=1)
    out = cv2.LUT(page, lut.astype(np.uint8).reshape(256, 1, 3))
    soft = cv2.GaussianBlur(out, (0, 0), 1.0)
    return cv2.addWeighted(out, 1.3, soft, -0.3, 0)


def shrink(image: np.ndarray, long_side: int) -> np.ndarray:
    """``image`` scaled down to ``long_side`` (area-averaged): halved while it is twice as
    big, which is OpenCV's fast path, then resized the rest of the way."""
    while max(image.shape[:2]) >= 2 * long_side:
        h, w = image.shape[:2]
        image = cv2.resize(image[: h - h % 2, : w - w % 2], None, fx=0.5, fy=0.5,
                           interpolation=cv2.INTER_AREA)
    s = long_side / max(image.shape[:2])
    return cv2.resize(image, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else image


def skew_angle(page: np.ndarray) -> float:
    """Angle (degrees) of the text lines, from the sharpest row profile of the ink."""
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    small = shrink(grey, 600)
    ys, xs = np.nonzero(small < 128)
    if len(xs) < 200:
        return 0.0
    take = np.linspace(0, len(xs) - 1, min(len(xs), 20000)).astype(int)
    xs, ys = xs[take].astype(np.float32), ys[take].astype(np.float32)
    angles = np.arange(-_MAX_SKEW, _MAX_SKEW + 1e-6, 0.2)
    rad = np.radians(angles)[:, None]
    rows = np.round(ys[None, :] * np.cos(rad) - xs[None, :] * np.sin(rad)).astype(int)
    rows -= rows.min()
    sharp = [np.square(np.bincount(r)).sum() for r in rows]
    best = int(np.argmax(sharp))
    zero = int(np.argmin(np.abs(angles)))
    # Only a clearly sharper profile is skew; a flat gain is noise or a page without lines.
    return float(angles[best]) if sharp[best] > 1.05 * sharp[zero] else 0.0


def deskew(page: np.ndarray) -> np.ndarray:
    angle = skew_angle(page)
    if abs(angle) < 0.3:
        return page
    h, w = page.shape[:2]
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(page, rot, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))


def upside_down(page: np.ndarray) -> bool:
    """Whether the text on a (straightened, document-mode) page stands on its head.

    Two cues any horizontal Chinese page gives, read from the ink once ruled lines are
    taken out: the comma and full stop sit at the foot of their line, so small marks low
    in the lines mean upright and high in the lines upside down; and lines start flush at
    the left (labels of a form or a card, the body of a letter) while they end ragged. A
    page with too little text to tell is left as it lies.
    """
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    small = shrink(grey, 1400)
    ink = (small < 140).astype(np.uint8)
    h, w = ink.shape
    ink[: max(1, h // 60)], ink[h - max(1, h // 60):] = 0, 0  # the sheet's own edge
    ink[:, : max(1, w // 60)], ink[:, w - max(1, w // 60):] = 0, 0
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, w // 12), np.uint8))
    rules |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((h // 12, 1), np.uint8))
    ink &= 1 - cv2.dilate(rules, np.ones((3, 3), np.uint8))
    lines = _text_lines(ink)
    if len(lines) < 2:
        return False
    return _punctuation_vote(ink, lines) + _alignment_vote(ink, lines) < 0


def _text_lines(ink: np.ndarray) -> list[tuple[int, int]]:
    """Rows of text: runs of rows with ink, as (top, bottom), at least a few pixels high."""
    rows = (ink.sum(axis=1) > 0).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.r_[0, rows, 0]))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= 6]


def _punctuation_vote(ink: np.ndarray, lines: list[tuple[int, int]]) -> float:
    """+1 when the small marks of the lines sit at their foot, -1 at their head."""
    low = high = 0
    for top, bottom in lines:
        band = ink[top:bottom]
        height = bottom - top
        n, _, stats, centres = cv2.connectedComponentsWithStats(band, connectivity=8)
        for i in range(1, n):
            x, y, cw, ch, area = stats[i]
            # A mark alone in its columns (a stroke of a character has others above or
            # below it), small against the line.
            alone = int(band[:, max(0, x - 1):x + cw + 1].sum()) == area
            if ch <= 0.35 * height and cw <= 0.35 * height and area >= 3 and alone:
                if centres[i][1] > 0.65 * height:
                    low += 1
                elif centres[i][1] < 0.35 * height:
                    high += 1
    if low + high < 4:
        return 0.0
    return (low - high) / (low + high)


def _alignment_vote(ink: np.ndarray, lines: list[tuple[int, int]]) -> float:
    """+1 when the lines' left ends agree and their right ends do not, -1 the other way
    (lines centred on the page left out)."""
    lefts, rights, heights = [], [], []
    w = ink.shape[1]
    for top, bottom in lines:
        cols = np.flatnonzero(ink[top:bottom].any(axis=0))
        if abs(cols[0] + cols[-1] - w) < 0.06 * w:
            continue  # a centred title says nothing either way
        lefts.append(cols[0])
        rights.append(cols[-1])
        heights.append(bottom - top)
    if len(lefts) < 2:
        return 0.0
    tol = max(2.0, 0.5 * float(np.median(heights)))
    ends = [np.asarray(v, float) for v in (lefts, rights)]
    agree = [max(float(np.mean(np.abs(e - e[i]) <= tol)) for i in range(len(e))) for e in ends]
    return agree[0] - agree[1]
