"""Find the page in a camera frame as a quadrilateral (numpy / OpenCV).

A small segmentation network (``drivers/camera/page_net.py``) says how much of each cell of
a 64×48 grid over the frame the page covers; it tells what edge cues alone could not: a
white page on a white desk, a cast shadow's edge from a page's, a desk's grain running on
from a page's side, a table printed on the page from the page. The largest nearly convex
region it covers is the page, less what hangs on it by a neck. Each of the four sides of
its outline is fitted as a line to its boundary (so a corner hidden by a finger or a dent
is found where its sides meet), and on a still re-fitted in the full frame to the
strongest edge across it, with sub-pixel peaks and a robust line fit.

The frame's edge closes the region of a page running off the frame, so its fitted sides
meet on the frame's edge or beyond: such a page is reported as cut off (with the part
seen), not guessed at. Where the region reaches the frame's edge, a second network reads
the band along that edge finer than the grid (``drivers/camera/edge_band.py``): a page
lying just inside with something pale or a shadow between it and the edge ends inside
the band, and is found whole. Figures: ``bench/bench_camera.py``; the network was trained on
rendered desks only (``scripts/train_page_net.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from drivers.camera import edge_band
from drivers.camera.geometry import is_convex, order_corners
from drivers.camera.page_net import page_cover

MIN_AREA = 0.008  # of the frame: an ID card on an A3 field is ~0.04
_UP = 4  # the cover is read at this many times its grid (its 0.5 line falls between cells)
_COVERED = 0.5  # a cell at least this much page is the page's
_ON_EDGE = 1.5  # cells of the frame's edge a region without four sides runs off along
_EDGE_MARGIN = 0.004  # of the frame size: a corner this close to the edge may be beyond it
_REACH = 0.014  # of the long side: how far across a side the full frame is searched
_OPEN = 0.15  # of a region's size: the disc that cuts off what hangs on it by a neck
_RUNS_OFF = 0.3  # the edge-band network's chance a page runs off a column: more is cut off
_SOLID = 0.8  # a page's region fills at least this much of its convex hull (seen: ≥ 0.9)


@dataclass(frozen=True)
class PageDetection:
    """``quad`` is TL, TR, BR, BL in the frame's pixels, or None when there is no usable
    page. ``outline`` is what was seen even when the page runs off the frame (``cut_off``)."""

    quad: np.ndarray | None
    confidence: float
    cut_off: bool = False
    outline: np.ndarray | None = None

    @property
    def found(self) -> bool:
        return self.quad is not None


NO_PAGE = PageDetection(None, 0.0)


def detect_page(image: np.ndarray, refine: bool = True) -> PageDetection:
    """Find the page in a BGR (or grey) frame. ``refine=False`` is the fast preview path
    (no re-fit in the full frame)."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    h, w = image.shape[:2]
    fine = fine_cover(image)
    found = _page_region(fine)
    if found is None:
        return NO_PAGE
    region, conf, contour, hull = found
    # Grid pixel (i, j) spans [i, i + 1) × scale in the frame.
    scale = np.array([w / fine.shape[1], h / fine.shape[0]])
    on_edge = int(region[0].sum() + region[-1].sum() + region[:, 0].sum() + region[:, -1].sum())
    seen = cv2.approxPolyDP(hull, 0.01 * fine.shape[1], True)
    cut_off = PageDetection(None, conf, cut_off=True,
                            outline=((seen.reshape(-1, 2) + 0.5) * scale).astype(np.float32))
    q = _quad_of(contour, hull)
    if q is None:
        return cut_off if on_edge >= _ON_EDGE * _UP else NO_PAGE
    quad = (q + 0.5) * scale
    # The frame's edge closes the region of a page running off it: the four sides fitted
    # put a corner on the frame's edge or beyond. A region clear of the frame's edge is
    # the page's whole outline even when its sides, as drawn on the grid, come within a
    # few pixels of the edge or meet beyond it: the re-fit in the full frame tells.
    if on_edge and _touches_frame(quad, w, h):
        q = _ends_inside(image, region, contour, scale)
        if q is None:
            return cut_off
        quad = (q + 0.5) * scale
        if _touches_frame(quad, w, h):
            return cut_off
    if refine:
        quad, _ = refine_quad(image, quad)
    quad = quad.astype(np.float32)
    if _touches_frame(quad, w, h):
        return PageDetection(None, conf, cut_off=True, outline=quad)
    return PageDetection(quad, conf, outline=quad)


def fine_cover(image: np.ndarray) -> np.ndarray:
    """The page network's cover read at _UP times its grid (its 0.5 line between cells)."""
    cover = page_cover(image)
    ch, cw = cover.shape
    return cv2.resize(cover, (cw * _UP, ch * _UP), interpolation=cv2.INTER_LINEAR)


def _page_region(fine: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray] | None:
    """The region the page covers, the network's mean cover over it, its outline and the
    outline's convex hull; None when nothing covered is big enough. The largest covered
    part that is nearly convex (a page's outline is a quadrilateral, even cut off by the
    frame) wins over a larger ragged one (a patch of pale desk between shadows that the
    network took for paper); when none is, the largest."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(
        (fine > _COVERED).astype(np.uint8), connectivity=4)
    first = None
    for k in 1 + np.argsort(-stats[1:, cv2.CC_STAT_AREA], kind="stable"):
        area = int(stats[k, cv2.CC_STAT_AREA])
        if area < MIN_AREA * fine.size:
            break
        part = (labels == k).astype(np.uint8)
        conf = float(fine[part > 0].mean())
        region = _trimmed(part, area)
        contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        contour = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float32)
        hull = cv2.convexHull(contour)
        found = (region, conf, contour.astype(np.float64), hull)
        if cv2.contourArea(contour) >= _SOLID * cv2.contourArea(hull):
            return found
        first = first or found
    return first


def _ends_inside(image: np.ndarray, region: np.ndarray, contour: np.ndarray,
                 scale: np.ndarray) -> np.ndarray | None:
    """A second look where the region reaches the frame's edge: the edge-band network reads
    the band along each such edge finer than the grid. When it sees the page end inside
    every band, the region's outline there is replaced by the page's end it saw and four
    sides are fitted again (grid pixels); None when the page runs off (or no four sides)."""
    spans = edges_touched(region, image.shape)
    if not spans:
        return None
    depths, off = edge_band.page_ends(np.array([edge_band.band(image, e, lo, hi)
                                               for e, lo, hi in spans]))
    h, w = image.shape[:2]
    points = contour
    for (edge, lo, hi), depth, risk in zip(spans, depths, off, strict=True):
        if risk.max() > _RUNS_OFF:
            return None
        cols = np.flatnonzero((depth > 0.03) & (depth < 0.97))
        if len(cols) < 4:
            return None
        inward = edge_band.band_depth(image.shape) / (scale[1] if edge in (
            edge_band.TOP, edge_band.BOTTOM) else scale[0])
        gx, gy = points[:, 0] + 0.5, points[:, 1] + 0.5  # grid pixel edges, like the frame's
        keep = {edge_band.TOP: gy > inward, edge_band.BOTTOM: gy < h / scale[1] - inward,
                edge_band.LEFT: gx > inward, edge_band.RIGHT: gx < w / scale[0] - inward}[edge]
        ends = edge_band.to_frame(edge, lo, hi, image.shape, cols.astype(np.float64),
                                  depth[cols].astype(np.float64)) / scale - 0.5
        points = np.concatenate([points[keep], ends])
    hull = cv2.convexHull(points.astype(np.float32))
    return _quad_of(points, hull)


def edges_touched(region: np.ndarray, shape: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """The frame's edges a region on the grid reaches, each with the span along it (pixels
    of a frame of ``shape``) the region covers within a band's depth of that edge, widened
    by a little (the band network's columns beyond the page read as desk)."""
    h, w = shape[:2]
    gh, gw = region.shape
    near_r = max(1, round(edge_band.DEPTH * min(h, w) / h * gh))
    near_c = max(1, round(edge_band.DEPTH * min(h, w) / w * gw))
    strips = {edge_band.TOP: (region[0], region[:near_r].any(axis=0), w / gw, w),
              edge_band.BOTTOM: (region[-1], region[-near_r:].any(axis=0), w / gw, w),
              edge_band.LEFT: (region[:, 0], region[:, :near_c].any(axis=1), h / gh, h),
              edge_band.RIGHT: (region[:, -1], region[:, -near_c:].any(axis=1), h / gh, h)}
    out = []
    for edge, (line, near, step, length) in strips.items():
        if not line.any():
            continue
        idx = np.flatnonzero(near)
        pad = 0.03 * length
        out.append((edge, max(0, int(idx[0] * step - pad)),
                    min(length, int((idx[-1] + 1) * step + pad))))
    return out


def _trimmed(region: np.ndarray, area: int) -> np.ndarray:
    """The region without what hangs on it by a neck (a receipt or a shadow beside a page
    on a desk as white as itself): opened with a disc, the largest part left."""
    size = round(_OPEN * np.sqrt(area)) | 1  # odd: centred on each pixel
    if size < 3:
        return region
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    part, left = _largest(cv2.morphologyEx(region, cv2.MORPH_OPEN, disc))
    return part if left else region


def _largest(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """The largest 4-connected part of a 0/1 mask, and its area (0 when there is none)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    if count < 2:
        return mask, 0
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return (labels == k).astype(np.uint8), int(stats[k, cv2.CC_STAT_AREA])


def _quad_of(contour: np.ndarray, hull: np.ndarray) -> np.ndarray | None:
    """Four sides fitted to a region's outline: its hull simplified to four corners, then
    each side a robust line through the outline's points along it (away from the corners,
    which the grid rounds)."""
    around = cv2.arcLength(hull, True)
    for eps in np.linspace(0.01, 0.12, 23):
        corners = cv2.approxPolyDP(hull, eps * around, True)
        if len(corners) <= 4:
            break
    if len(corners) != 4:
        return None
    corners = order_corners(corners.reshape(4, 2)).astype(np.float64)
    lines = []
    for k in range(4):
        p0, p1 = corners[k], corners[(k + 1) % 4]
        length = float(np.hypot(*(p1 - p0)))
        u = (p1 - p0) / max(length, 1e-6)
        rel = contour - p0
        along, off = rel @ u, rel @ np.array([-u[1], u[0]])
        near = ((along > 0.12 * length) & (along < 0.88 * length)
                & (np.abs(off) < max(2.0, 0.04 * length)))
        if near.sum() < 5:
            lines.append((p0, u))
            continue
        vx, vy, x0, y0 = cv2.fitLine(contour[near].astype(np.float32), cv2.DIST_HUBER, 0,
                                     0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    q = np.array([_meet(lines[k - 1], lines[k]) for k in range(4)])
    if not np.all(np.isfinite(q)) or not is_convex(q) or np.abs(q - corners).max() > 0.1 * around:
        return corners
    return q


def _touches_frame(quad: np.ndarray, w: int, h: int) -> bool:
    m = _EDGE_MARGIN * max(w, h)
    return bool((quad < m).any() or (quad[:, 0] > w - 1 - m).any()
                or (quad[:, 1] > h - 1 - m).any())


def refine_quad(image: np.ndarray, quad: np.ndarray, passes: int = 2) -> tuple[np.ndarray, float]:
    """Re-fit each side to the strongest edge across it, sampled in the full frame; returns
    the quad and the share of its sides that ran along a clear edge."""
    q = order_corners(quad).astype(np.float64)
    reach = max(3.0, _REACH * max(image.shape[:2]))
    support: tuple[float, ...] = ()
    for i in range(passes):
        lines, support = zip(*(_fit_side(image, q[k], q[(k + 1) % 4], reach / (1 + i))
                               for k in range(4)), strict=True)
        new = np.array([_meet(lines[k - 1], lines[k]) for k in range(4)])
        if not np.all(np.isfinite(new)) or not is_convex(new):
            break
        q = new
    return q.astype(np.float32), float(np.mean(support))


def _fit_side(image: np.ndarray, p0: np.ndarray, p1: np.ndarray, reach: float):
    """Line (point, direction) through the edge across the side p0→p1, and its support."""
    d = p1 - p0
    u = d / float(np.hypot(*d))
    normal = np.array([-u[1], u[0]])
    step = max(0.5, reach / 24)
    t = np.linspace(0.06, 0.94, 48)[:, None]
    steps = np.arange(-reach, reach + step / 2, step)
    pts = (p0 + t * d)[:, None, :] + steps[None, :, None] * normal
    prof = cv2.remap(image, pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    if prof.ndim == 2:
        prof = prof[..., None]
    prof = cv2.GaussianBlur(prof, (0, 0), sigmaX=max(0.7, 1.0 / step), sigmaY=0.01)
    deriv = np.abs(np.diff(prof.reshape(len(t), len(steps), -1), axis=1)).max(axis=2) / step
    peak = deriv.argmax(axis=1)
    strength = deriv[np.arange(len(peak)), peak]
    inner = (peak > 0) & (peak < deriv.shape[1] - 1)
    off = np.zeros(len(peak))
    k = np.where(inner)[0]
    a, b, c = deriv[k, peak[k] - 1], deriv[k, peak[k]], deriv[k, peak[k] + 1]
    curv = a - 2 * b + c
    off[k] = 0.5 * (a - c) / np.where(np.abs(curv) > 1e-6, curv, -1e-6)
    pos = steps[0] + (peak + 0.5 + np.clip(off, -0.5, 0.5)) * step
    good = inner & (strength > max(2.0, 0.4 * float(np.median(strength))))
    if good.sum() < 8:
        return (p0, u), 0.0
    edge = (p0 + t * d)[good] + pos[good, None] * normal
    vx, vy, x0, y0 = cv2.fitLine(edge.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return (np.array([x0, y0]), np.array([vx, vy])), float(good.mean())


def _meet(a, b) -> np.ndarray:
    (p, r), (q, s) = a, b
    cross = r[0] * s[1] - r[1] * s[0]
    if abs(cross) < 1e-9:
        return np.array([np.nan, np.nan])
    t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / cross
    return p + t * r
