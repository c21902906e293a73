"""Find the page in a camera frame as a quadrilateral (pure numpy / OpenCV).

Candidates come from three cues at a small working size: closed outlines in a colour-aware
edge map and bright low-chroma regions (paper), each reduced to quadrilaterals on its convex
hull, and quadrilaterals bounded by four of the strongest straight lines (which survive a
page edge that touches clutter or fades out); on a desk as white as the page, also
quadrilaterals completed from two clear meeting sides, their faint far sides placed where
most edge runs along them. Every candidate is scored at once by how much
of each side runs along an edge across it with one sign all along (paper on one side, desk
on the other), by its size and by whether its inside looks like paper; a well-supported
outline enclosing the winner (a table or photo printed on the page is a quadrilateral too)
takes its place. The winner's sides are then re-fitted in the full frame to the strongest
edge across each side, with sub-pixel peaks and a robust line fit, so a corner hidden by a
finger or a dent is found where its sides meet.

A page that runs off the frame is reported as cut off (with the part seen) rather than
guessed at; on the synthetic benchmark this is caught for about two frames in three
(``bench/bench_camera.py``), the rest return the part that looked whole.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from drivers.camera.geometry import is_convex, order_corners, order_corners_many

WORK_SIZE = 640  # long side of the image the candidates are searched in
PREVIEW_WORK_SIZE = 480  # the preview only draws the outline; the still is found anew
MIN_AREA = 0.008  # of the frame: an ID card on an A3 field is ~0.04
# A small outline must look like paper (an ID card does, a phone lying there does not).
_SMALL, _SMALL_PAPER = 0.08, 0.3
# Nor may it be clearly more coloured than the desk around it (a sticky note; a card's
# tint is the light's, which the desk has too) or clearly darker (a wallet, a phone).
_SMALL_CHROMA, _SMALL_DARKER = 15.0, 30.0
_MIN_SUPPORT = 0.45  # weakest side: share of it that must run along an edge
_LOOK_INSIDE = 24  # candidates whose inside is looked at
# On the later looks, also outlines with two meeting sides among the few strongest lines
# and the other two among this many (see _line_quads).
_ANCHORS, _WIDE = 4, 60
# Outlines are also completed from two meeting sides among this many strongest lines of
# the first look (see _completed).
_CORNER_LINES = 8
_NEAR = 6  # points (2 px apart) from a corner where a side's run is not judged
_CLEAR_SIDE = 0.7  # a side that runs on to the frame's edge is at least this clear
_LONG_EDGE = 0.08  # and of the lower-threshold looks' edges this long (of the short side)
# Later looks when nothing stood out: the edge threshold scaled by these, on the frame with
# its light evened out (a page on a desk as white as itself has edges of a few grey levels,
# which a soft shadow across them breaks).
_FAINT = (0.45, 0.25)
_LIGHT_SIGMA = 0.08  # the blur that estimates the light, as a share of the long side
_FAINT_PAPER = 0.5  # on those looks, the least share of the inside that looks like paper
# A small find that is not sure (a seal, a card's photo, a block of text on a page whose
# own edges are faint) is looked at again at the lower thresholds, for an outline around it
# at least this much as paper.
_LOOK_ON, _LOOK_SURE, _OUTER_PAPER = 0.08, 0.8, 0.8
# A page running off the frame: its sides run up to the frame's edge, which closes its
# outline; the last stretch of each (this share of the frame's long side) must be edge for
# at least this share of it (of one only on a desk the page clearly stands out from: with
# one corner beyond the frame, the other side may end at a corner seen).
_END, _END_SUPPORT = 0.025, 0.8
# Its outline is clearly whiter (this many levels of whiteness) than a band outside it
# this wide (share of the long side), and around an outline found inside it, what it adds
# is at least this much as paper as that outline.
_RING, _RING_WIDTH, _AROUND_PAPER = 35.0, 0.02, 0.8
_RING_PAPER = 0.5  # a band around a find this much like paper: the page may be larger
_RING_CLEAR = 60.0  # this much whiter: one side running up to the frame's edge will do
# A side running on from a find has paper beside it: at most this less white than the
# find's inside (a page running off through shadow: down to 78 less in 75 of the 76 such
# pages of tuning seeds 2015 and 2016; wood beside a whole page's side running on: 190).
_RUN_PAPER = 100.0
_EDGE = 4.0  # least slope across a side (grey levels per pixel) that is an edge
_BORDER = 0.012  # of the frame size: a side this close to the frame's edge is the frame's
_EDGE_MARGIN = 0.004  # of the frame size: a corner this close to the edge may be beyond it


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


@dataclass
class _Candidate:
    quad: np.ndarray  # at working scale, TL TR BR BL
    sides: np.ndarray  # support per side, 0..1; NaN for a side on the frame's edge
    area: float  # fraction of the frame
    paper: float  # share of the inside that looks like paper (bright, grey)

    support: float  # of its sides, 0..1 (see _support)
    on_border: bool = False  # a side on the frame's edge (NaN in ``sides``)
    looked: bool = False  # whether ``paper`` was looked at (else 0)

    @property
    def score(self) -> float:
        return self.support * self.area ** 0.25 * (0.85 + 0.15 * self.paper)


def detect_page(image: np.ndarray, refine: bool = True) -> PageDetection:
    """Find the page in a BGR (or grey) frame. ``refine=False`` is the fast preview path."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    small, s = work_image(image, WORK_SIZE if refine else PREVIEW_WORK_SIZE)
    # A white page on a white desk has edges fainter than a usual frame's: when nothing
    # stands out at the usual threshold, look again at a lower one.
    best: _Candidate | None = None
    seen: _Candidate | None = None
    first: _Features | None = None
    evened: _Features | None = None
    for faint in (1.0, *_FAINT):
        # (The lower-threshold looks share one frame with its light evened out.)
        feats = (evened.at(faint) if evened is not None
                 else _Features(small, faint, even_light=faint != 1.0))
        if faint != 1.0:
            evened = feats
        # Sides that run up to the frame's edge are judged at the usual threshold (at the
        # lower ones desk texture and noise would do).
        first = first or feats
        # A still may take longer: more lines tried find a faint page edge among text lines.
        # (The preview only draws the outline: it has no time for outlines the frame's
        # edge closes.)
        wide = _WIDE if refine and faint != 1.0 else 0
        quads = _quads(feats, lines=20 if refine else 14, frame=refine, wide=wide)
        if wide:
            quads += _completions(first, feats)
        cands = _score_all(quads, feats)
        # At the lower thresholds desk texture and small things (a phone, a note) may line
        # up too: only clear sides count, and a small outline must be clearly paper.
        least, paper = (_MIN_SUPPORT, _SMALL_PAPER) if faint == 1.0 else (0.7, _FAINT_PAPER)
        full = [c for c in cands if not c.on_border and c.support >= least
                and (c.area >= _SMALL or (c.paper >= paper and _pale(c.quad, feats)))]
        found = _choose(full, feats)
        if best is None:
            best = found
            seen = _cut_off(cands, best, feats, first, least, paper if faint != 1.0 else 0.0)
            if seen is not None:
                break
        elif found is not None:
            # A later look at a small find (a seal, a card's photo, a block of text on a
            # page whose own edges are faint): an outline around it that is as much paper
            # is the page.
            outer = [c for c in full if c.area > 1.15 * best.area
                     and _contains(c.quad, best.quad)
                     and _paper_of(c, feats) >= _OUTER_PAPER * best.paper]
            if outer:
                best = max(outer, key=lambda c: c.score)
                break
        # What stands out may be a table or a block of text printed on a page as white
        # as its desk: when the band around it looks like paper too, the page's own faint
        # edges may lie further out.
        if (best is not None and (best.area >= _LOOK_ON or best.support >= _LOOK_SURE)
                and (not refine or _ring_paper(best.quad, first) < _RING_PAPER)):
            break
    if seen is not None:
        return PageDetection(None, seen.support, cut_off=True, outline=seen.quad / s)
    if best is None:
        return NO_PAGE
    beyond = _runs_on(best.quad, best.sides, first)
    if beyond is not None:
        return PageDetection(None, best.support, cut_off=True, outline=beyond / s)
    quad, conf = best.quad / s, best.support
    if refine:
        quad, conf = refine_quad(image, quad)
    quad = quad.astype(np.float32)
    if _touches_frame(quad, image.shape[1], image.shape[0]):
        # A corner on the frame's edge is a page running off it: what is seen is not all.
        return PageDetection(None, float(conf), cut_off=True, outline=quad)
    return PageDetection(quad, float(conf), outline=quad)


def _even_light(small: np.ndarray) -> np.ndarray:
    """The frame divided by its own light (a wide blur of it): shadows and uneven light
    go, the step of a page's edge stays."""
    f = small.astype(np.float32)
    # The light is smooth: blurred at an eighth of the size and scaled back up, it costs
    # a hundredth of the time.
    h, w = small.shape[:2]
    tiny = cv2.resize(f, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    tiny = cv2.GaussianBlur(tiny, (0, 0), _LIGHT_SIGMA * max(small.shape[:2]) / 8)
    light = cv2.resize(tiny, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(f / np.maximum(light, 1.0) * 200.0, 0, 255).astype(np.uint8)


def _touches_frame(quad: np.ndarray, w: int, h: int) -> bool:
    m = _EDGE_MARGIN * max(w, h)
    return bool((quad < m).any() or (quad[:, 0] > w - 1 - m).any()
                or (quad[:, 1] > h - 1 - m).any())


def work_image(image: np.ndarray, size: int = WORK_SIZE) -> tuple[np.ndarray, float]:
    """The frame shrunk by a whole factor to about ``size`` (OpenCV's fast area path)."""
    long_side = max(image.shape[:2])
    factor = max(1, round(long_side / size))
    if factor == 1:
        if long_side <= 1.1 * size:
            return image, 1.0
        s = size / long_side
        return cv2.resize(image, None, fx=s, fy=s, interpolation=cv2.INTER_AREA), s
    return cv2.resize(image, None, fx=1 / factor, fy=1 / factor,
                      interpolation=cv2.INTER_AREA), 1 / factor


def _choose(cands: list[_Candidate], f: _Features) -> _Candidate | None:
    """The page: the best-scored outline, unless a nearly as good one encloses it (a table
    or a photo printed on the page is a quadrilateral too, inside the page)."""
    if not cands:
        return None
    best = max(cands, key=lambda c: c.score)
    outer = [c for c in cands if c.area > best.area * 1.15 and _contains(c.quad, best.quad)
             and c.support >= 0.75 * best.support and _paper_of(c, f) >= 0.8 * best.paper]
    return max(outer, key=lambda c: c.score) if outer else best


def _cut_off(cands: list[_Candidate], best: _Candidate | None, f: _Features,
             first: _Features, least: float, paper: float) -> _Candidate | None:
    """The part seen of a page running off the frame, if there is one: an outline closed
    by the frame's edge, whose sides run right up to it, clearly whiter than the desk just
    outside it, and around the outline found inside (a table or photo on the page, or a
    block of text) adding paper, not desk."""
    for c in sorted((c for c in cands if c.on_border and c.support >= max(0.6, least)
                     and c.area > 0.02 and c.paper >= paper),
                    key=lambda c: c.score, reverse=True):
        if best is not None and not _contains(c.quad, best.quad):
            continue
        contrast = _contrast(c.quad, f)
        # One side running up to the frame's edge is enough only where the page stands
        # out clearly from its desk; on a pale desk both must.
        if contrast < _RING or not _runs_off(c, first, every=contrast < _RING_CLEAR):
            continue
        if best is None or _paper_share(c.quad, f, best.quad) >= _AROUND_PAPER * best.paper:
            return c
    return None


def _runs_off(c: _Candidate, f: _Features, every: bool = False) -> bool:
    """A page running off the frame has edges that run right up to the frame's edge; an
    outline closed by the frame's edge beyond the end of a page's sides (a page lying
    wholly inside near the edge) has a stretch of nothing there."""
    q, nan = c.quad, np.isnan(c.sides)
    if nan.sum() > 2:  # a page running off three edges of the frame: no two of its sides seen
        return False
    reach = _END * max(f.w, f.h)
    ends = []
    for k in np.flatnonzero(~nan):
        p0, p1 = q[k], q[(k + 1) % 4]
        part = min(0.5, reach / max(float(np.hypot(*(p1 - p0))), 1.0))
        if nan[(k + 1) % 4]:
            ends.append((p1 + part * (p0 - p1), p1))
        if nan[k - 1]:
            ends.append((p0 + part * (p1 - p0), p0))
    ok = [_segment_support(f, a, b) >= _END_SUPPORT for a, b in ends]
    return bool(ok) and (all(ok) if every else any(ok))


def _runs_on(q: np.ndarray, sides: np.ndarray, f: _Features) -> np.ndarray | None:
    """What is seen of a page running off the frame when what was found is a part of it
    (a table, a block of text, a fold): two sides that meet one side of the find run on
    beyond it, each an edge all the way to the frame's edge, so that side is no edge of
    the page; or one of them does, a clear side of the find with the inside not darker
    than the outside along its run (not the edge of a cast shadow) and paper on the inside
    (not a desk's grain running on from a whole page's side). Returns the outline
    closed there by the frame's edge, or None."""
    least = _END * max(f.w, f.h)
    centre = q.mean(axis=0)
    inside, _, window = _inside_and_ring(q, f)
    inside_paper = float(np.median(f.paper[window][inside > 0])) if inside.any() else 0.0
    for k in range(4):
        a, b = q[k], q[(k + 1) % 4]  # the side that may be no edge of the page
        ends, sure = [], []
        for corner, other, side in ((a, q[k - 1], sides[k - 1]),
                                    (b, q[(k + 2) % 4], sides[(k + 1) % 4])):
            u = corner - other
            u = u / max(float(np.hypot(*u)), 1e-6)
            reach = _to_frame_edge(corner, u, f)
            start = corner + min(2.0, 0.1 * reach) * u
            end = corner + (reach - 1.0) * u
            # Edge all along, and right up to the frame's edge (a page lying wholly inside
            # close to it has a stretch of desk there).
            if (reach < least or _segment_support(f, start, end) < _END_SUPPORT
                    or _segment_support(f, end - least * u, end) < _END_SUPPORT):
                ends.append(None)
                continue
            ends.append(end)
            # Not the edge of a cast shadow (darker towards the find: a page is not darker
            # than the desk beside it, whose own shadow falls outside it), and paper
            # towards the find as the find's inside is (not a desk's grain or seam running
            # on from a whole page's side).
            inner, outer = _beside(f, start, end, centre)
            darker = np.median(f.light[inner].astype(np.float32) - f.light[outer]) < 0
            sure.append(side >= _CLEAR_SIDE and not darker
                        and np.median(f.paper[inner]) >= inside_paper - _RUN_PAPER)
        if len(sure) == 2 or any(sure):
            out = q.copy()
            out[k] = ends[0] if ends[0] is not None else a
            out[(k + 1) % 4] = ends[1] if ends[1] is not None else b
            return out
    return None


def _beside(f: _Features, p0: np.ndarray, p1: np.ndarray, centre: np.ndarray,
            ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Points just beside the segment (3 px off it), as (ys, xs) indices into the working
    image: on the side towards ``centre``, and on the other."""
    d = p1 - p0
    n = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-6)
    if np.dot(n, centre - p0) < 0:
        n = -n
    t = np.linspace(0.05, 0.95, 16)[:, None]
    out = []
    for off in (3.0, -3.0):
        pts = p0 + t * d + off * n
        xs = np.clip(np.rint(pts[:, 0]).astype(np.int32), 0, f.w - 1)
        ys = np.clip(np.rint(pts[:, 1]).astype(np.int32), 0, f.h - 1)
        out.append((ys, xs))
    return out[0], out[1]


def _place(f: _Features, end: np.ndarray, run_dir: np.ndarray, across: np.ndarray,
           length: float):
    """The line through about ``end``, about along ``across``, turned up to 4 degrees and
    moved up to 8 px along ``run_dir``, along which most edge runs for ``length``."""
    turns = np.radians([-4.0, -2.0, 0.0, 2.0, 4.0])
    c, s_ = np.cos(turns), np.sin(turns)
    vs = np.stack([c * across[0] - s_ * across[1], s_ * across[0] + c * across[1]], axis=1)
    shifts = np.arange(-8, 9, 2, dtype=np.float64)
    starts = end + shifts[:, None] * run_dir  # S × 2
    p0 = np.tile(starts, (len(vs), 1))  # (V·S) × 2, turn by turn
    v = np.repeat(vs, len(starts), axis=0)
    score = _segments_support(f, p0, p0 + length * v)
    k = int(score.argmax())
    return p0[k], v[k]


_ACROSS = np.array([-1.5, -0.75, 0.0, 0.75, 1.5])  # px: where a line is looked at, across it


def _across(f: _Features, pts: np.ndarray, normal: np.ndarray,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradient at points along lines (N × T × O × 2, O offsets across each line; normal
    N × 2): its part across the line, the strongest of the O offsets, and its magnitude."""
    xs = np.clip(np.rint(pts[..., 0]).astype(np.int32), 0, f.w - 1)
    ys = np.clip(np.rint(pts[..., 1]).astype(np.int32), 0, f.h - 1)
    gx, gy = f.gx[ys, xs], f.gy[ys, xs]
    across = gx * normal[:, 0, None, None] + gy * normal[:, 1, None, None]
    strongest = np.take_along_axis(across, np.abs(across).argmax(2)[..., None], 2)[..., 0]
    return across, strongest, np.hypot(gx, gy)


def _line_hits(f: _Features, p0: np.ndarray, p1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per segment (N × 2 ends) and per point at fractions ``t`` along it (N × T): whether an
    edge runs across it there, with the sign most of the segment's points have."""
    d = p1 - p0
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-6)
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / length[:, None]
    pts = (p0[:, None, None, :] + t[None, :, None, None] * d[:, None, None, :]
           + _ACROSS[None, None, :, None] * normal[:, None, None, :])  # N × T × O × 2
    across, strongest, magnitude = _across(f, pts, normal)
    sign = np.sign(np.median(strongest, axis=1))[:, None, None]
    return ((across * sign > f.edge) & (np.abs(across) > 0.75 * magnitude)).any(axis=2)


_SUPPORT_T = np.linspace(0.0, 0.97, 16)


def _segments_support(f: _Features, p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
    """_segment_support of many segments (N × 2 ends) at once."""
    d = p1 - p0
    out = _line_hits(f, p0, p1, _SUPPORT_T).mean(axis=1)
    return np.where(np.hypot(d[:, 0], d[:, 1]) >= 2, out, 0.0)


def _to_frame_edge(p: np.ndarray, u: np.ndarray, f: _Features) -> float:
    """How far from ``p`` along ``u`` the frame's edge lies."""
    ts = [((0.0 if d < 0 else size - 1.0) - c) / d
          for c, d, size in ((p[0], u[0], f.w), (p[1], u[1], f.h)) if abs(d) > 1e-9]
    return max(0.0, min(ts)) if ts else 0.0


def _segment_support(f: _Features, p0: np.ndarray, p1: np.ndarray) -> float:
    """Share of the segment along which an edge runs across it with one sign."""
    return float(_segments_support(f, p0[None], p1[None])[0])


def _contrast(quad: np.ndarray, f: _Features) -> float:
    """How much whiter the inside of the outline is than a band just outside it (within
    the frame): a page is clearly whiter, a stretch of a desk as white as paper is not."""
    inside, ring, window = _inside_and_ring(quad, f)
    if not ring.any() or not inside.any():
        return 0.0
    paper = f.paper[window]
    return float(np.median(paper[inside > 0]) - np.median(paper[ring]))


def _inside_and_ring(quad: np.ndarray, f: _Features,
                     ) -> tuple[np.ndarray, np.ndarray, tuple[slice, slice]]:
    """The outline's inside (0/1) and the band just outside it, within the frame, in the
    window of the frame around them (returned too: ``f.paper[window][ring]``)."""
    width = max(3, round(_RING_WIDTH * max(f.w, f.h)))
    corners = np.round(quad).astype(np.int32)
    x0, y0 = np.maximum(corners.min(0) - width, 0)
    x1, y1 = np.minimum(corners.max(0) + width + 1, [f.w, f.h])
    inside = np.zeros((max(y1 - y0, 1), max(x1 - x0, 1)), np.uint8)
    cv2.fillConvexPoly(inside, corners - [x0, y0], 1)
    ring = cv2.dilate(inside, np.ones((2 * width + 1, 2 * width + 1), np.uint8)) > inside
    return inside, ring, (slice(y0, y1), slice(x0, x1))


def _pale(quad: np.ndarray, f: _Features) -> bool:
    """Whether the outline's inside is neither clearly more coloured nor clearly darker
    than a band just outside it: paper is pale, a sticky note or a wallet is not."""
    inside, ring, window = _inside_and_ring(quad, f)
    inner = inside > 0
    if not ring.any() or not inner.any():
        return True
    chroma, light = f.chroma[window], f.light[window]
    return bool(np.median(chroma[inner]) <= np.median(chroma[ring]) + _SMALL_CHROMA
                and np.median(light[inner]) >= np.median(light[ring]) - _SMALL_DARKER)


def _ring_paper(quad: np.ndarray, f: _Features) -> float:
    """Share of a band just outside the outline (within the frame) that looks like paper."""
    _, ring, window = _inside_and_ring(quad, f)
    if not ring.any():
        return 0.0
    # Whiteness is judged against the frame's whitest (in dim light no paper is white).
    white = min(150.0, float(np.percentile(f.paper[::4, ::4], 95)) - 30)
    return float((f.paper[window][ring] > white).mean())


def _contains(outer: np.ndarray, inner: np.ndarray) -> bool:
    poly = outer.reshape(-1, 1, 2).astype(np.float32)
    return all(cv2.pointPolygonTest(poly, (float(x), float(y)), True) > -3 for x, y in inner)


class _Features:
    """Colour-aware gradients of the working image: L, and a, b weighted up, so a white
    page on a pale yellow desk still has an edge."""

    def __init__(self, small: np.ndarray, faint: float = 1.0, even_light: bool = False) -> None:
        self.h, self.w = small.shape[:2]
        self.lines: list[tuple[float, float]] = []  # the strongest (rho, theta), see _line_quads
        self.runs: dict[tuple[float, ...], float] = {}  # see _run
        blurred = cv2.GaussianBlur(small, (0, 0), 1.0)
        lab = cv2.cvtColor(blurred, cv2.COLOR_BGR2LAB)
        # Edges from the frame with its light evened (later looks); whiteness as it is.
        lab_even = (cv2.cvtColor(_even_light(blurred), cv2.COLOR_BGR2LAB) if even_light
                    else lab)
        boost = cv2.addWeighted(lab_even[:, :, 1:], 2.0, np.full_like(lab[:, :, 1:], 128), -1, 0)
        self.lab = np.dstack([lab_even[:, :, 0], boost])
        gx = cv2.Sobel(self.lab, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)  # → levels/px
        gy = cv2.Sobel(self.lab, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
        mag2 = gx * gx + gy * gy
        self.gx, self.gy, best = gx[:, :, 0], gy[:, :, 0], mag2[:, :, 0]
        for c in (1, 2):  # per pixel, the channel with the strongest edge
            more = mag2[:, :, c] > best
            self.gx = np.where(more, gx[:, :, c], self.gx)
            self.gy = np.where(more, gy[:, :, c], self.gy)
            best = np.maximum(best, mag2[:, :, c])
        self.mag = np.sqrt(best)
        # An edge is what stands out of this frame's own noise and texture.
        self.usual = max(_EDGE, 3.0 * float(np.median(self.mag[::3, ::3])))
        self._threshold(faint)
        self.light = lab[:, :, 0]
        self.chroma = cv2.add(cv2.absdiff(lab[:, :, 1], 128), cv2.absdiff(lab[:, :, 2], 128))
        self.paper = cv2.subtract(lab[:, :, 0], cv2.absdiff(lab[:, :, 1], 128) * 2
                                  + cv2.absdiff(lab[:, :, 2], 128) * 2)
        self.paper_level = float(np.percentile(self.paper[::4, ::4], 60)) + 25

    def _threshold(self, faint: float) -> None:
        self.edge = faint * self.usual
        self.edges = cv2.Canny(self.lab, self.edge * 8, 2 * self.edge * 8, L2gradient=True)

    def at(self, faint: float) -> _Features:
        """The same gradients with the edge threshold scaled by ``faint`` instead."""
        other = copy.copy(self)
        other.lines, other.runs = [], {}
        other._threshold(faint)
        return other

def _quads(f: _Features, lines: int, frame: bool = True, wide: int = 0) -> list[np.ndarray]:
    """Candidate outlines: from blobs (their hulls) and from pairs of pairs of long lines."""
    out: list[np.ndarray] = []
    for mask in _masks(f):
        # No outline: an empty tuple (or list) of contours and hierarchy None, in 4 and 5.
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        big = [c for c in contours if cv2.contourArea(cv2.convexHull(c)) > MIN_AREA * f.w * f.h]
        for c in sorted(big, key=cv2.contourArea, reverse=True)[:8]:
            out += _hull_quads(cv2.convexHull(c).reshape(-1, 2))
    return out + _line_quads(f, lines, frame, wide)


def _masks(f: _Features) -> list[np.ndarray]:
    """Binary images whose blobs may be the page."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    edges = cv2.dilate(f.edges, kernel)
    # Paper: brighter and greyer than what is around it. Otsu on "whiteness" splits it from
    # most desks; an opening cuts thin bridges to things touching the page.
    _, bright = cv2.threshold(f.paper, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    big_kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, big_kernel)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, big_kernel)
    return [edges, bright]


def _line_quads(f: _Features, keep: int, frame: bool = True, wide: int = 0) -> list[np.ndarray]:
    """Quads bounded by four of the strongest straight lines: they survive a page edge
    that touches clutter or breaks up, where a blob would merge or split. With ``wide``,
    also quads with two meeting sides among the few strongest lines and the other two
    among this many: a white page on a white desk shows two sides clearly (its shadow
    falls beside them) and two faint ones that the lines of its text outnumber."""
    min_len = 0.12 * min(f.w, f.h)
    found = _rows(cv2.HoughLines(f.edges, 1, np.pi / 180, int(min_len)))
    if not len(found):
        return []
    kept: list[tuple[float, float]] = []
    for rho, theta in found[:, :2]:
        if all(abs(rho - r) > 8 or _angle_gap(theta, t) > 0.06 for r, t in kept):
            kept.append((float(rho), float(theta)))
        if len(kept) == max(keep, wide):
            break
    f.lines = kept[:_CORNER_LINES]
    strong = list(range(min(keep, len(kept))))
    if frame:  # the frame's own edges close the outline of a page running off it
        strong += list(range(len(kept), len(kept) + 4))
        kept += [(0.0, 0.0), (f.w - 1.0, 0.0), (0.0, np.pi / 2), (f.h - 1.0, np.pi / 2)]
    rho, theta = np.array(kept).T
    c, s = np.cos(theta), np.sin(theta)
    with np.errstate(divide="ignore", invalid="ignore"):  # parallel lines never meet
        det = c[:, None] * s[None, :] - s[:, None] * c[None, :]
        xs = (rho[:, None] * s[None, :] - s[:, None] * rho[None, :]) / det
        ys = (c[:, None] * rho[None, :] - rho[:, None] * c[None, :]) / det

    def parallel(a: int, b: int) -> bool:
        return (_angle_gap(theta[a], theta[b]) < 0.5
                and abs(_signed_rho(kept[a], kept[b])) > min_len)

    pairs = [(a, b) for a, b in itertools.combinations(strong, 2) if parallel(a, b)]
    combos = [(a, b, c2, d) for (a, b), (c2, d) in itertools.combinations(pairs, 2)
              if _angle_gap(theta[a], theta[c2]) >= 0.9]
    if wide > keep:
        anchors = range(min(_ANCHORS, len(kept)))
        for a, c2 in itertools.combinations(anchors, 2):
            if _angle_gap(theta[a], theta[c2]) < 0.9:
                continue
            bs = [b for b in range(len(kept)) if b != a and parallel(a, b)]
            ds = [d for d in range(len(kept)) if d != c2 and parallel(c2, d)]
            combos += [(a, b, c2, d) for b in bs for d in ds
                       if not (b in strong and d in strong)]
    combo = np.array(combos, dtype=int).reshape(-1, 4)
    if not len(combo):
        return []
    a, b, c2, d = combo.T
    corners = np.stack([np.stack([xs[i, j], ys[i, j]], axis=-1)
                        for i, j in ((a, c2), (c2, b), (b, d), (d, a))], axis=1)  # Q×4×2
    inside = (np.isfinite(corners).all(axis=(1, 2)) & (corners > -0.02 * f.w).all(axis=(1, 2))
              & (corners[..., 0] < 1.02 * f.w).all(axis=1)
              & (corners[..., 1] < 1.02 * f.h).all(axis=1))
    return list(order_corners_many(corners[inside]))


def _run(f: _Features, p: np.ndarray, u: np.ndarray) -> float:
    """How far from ``p`` along ``u`` an edge runs across the line (small gaps bridged).
    Kept with the features: each look asks again for the first look's runs."""
    _measure_runs(f, [(p, u)])
    return f.runs[_run_key(p, u)]


def _run_key(p: np.ndarray, u: np.ndarray) -> tuple[float, ...]:
    return (round(float(p[0]), 2), round(float(p[1]), 2), round(float(u[0]), 5),
            round(float(u[1]), 5))


def _completions(first: _Features, f: _Features) -> list[np.ndarray]:
    """Outlines completed from two meeting sides among the strongest lines of the first
    look (see _completed)."""
    out: list[np.ndarray] = []
    corners: list[tuple[np.ndarray, float, float]] = []
    lines = list(dict.fromkeys(first.lines + _long_lines(f)))  # each line once
    for (ra, ta), (rc, tc) in itertools.combinations(lines, 2):
        if _angle_gap(ta, tc) < 0.9:
            continue
        det = np.cos(ta) * np.sin(tc) - np.sin(ta) * np.cos(tc)
        corner = np.array([(ra * np.sin(tc) - np.sin(ta) * rc) / det,
                           (np.cos(ta) * rc - ra * np.cos(tc)) / det])
        if (corner >= 0).all() and corner[0] < first.w and corner[1] < first.h:
            corners.append((corner, ta, tc))
    # Every run that may be asked for, measured at once in each look.
    rays = [(corner, sign * np.array([-np.sin(t), np.cos(t)]))
            for corner, ta, tc in corners for t in (ta, tc) for sign in (1.0, -1.0)]
    for look in (first, f):
        _measure_runs(look, rays)
    for corner, ta, tc in corners:
        out += _completed(first, f, corner, ta, tc)
    return out


def _measure_runs(f: _Features, rays: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """_run of many rays (point, direction) at once, kept with the features: along each,
    the points 2 px apart where an edge runs across it, and the first (past the corner's
    few) where fewer than a third of the 9 around it do."""
    rays = [(p, u) for p, u in rays if _run_key(p, u) not in f.runs]
    if not rays:
        return
    ps = np.array([p for p, _ in rays], np.float64)
    us = np.array([u for _, u in rays], np.float64)
    n = np.array([int(_to_frame_edge(p, u, f) // 2) for p, u in rays])
    m = max(int(n.max()), 4)
    j = np.arange(m)
    step = np.where(n > 1, 2.0 * n / np.maximum(n - 1, 1), 0.0)
    normal = np.stack([-us[:, 1], us[:, 0]], axis=1)
    pts = (ps[:, None, None, :] + (step[:, None] * j)[:, :, None, None] * us[:, None, None, :]
           + _ACROSS[None, None, :, None] * normal[:, None, None, :])  # R × M × O × 2
    across, strongest, magnitude = _across(f, pts, normal)
    valid = j[None, :] < n[:, None]
    some = valid | (j[None, :] == 0)  # (a ray too short to run is 0 anyway)
    sign = np.sign(np.nanmedian(np.where(some, strongest, np.nan), axis=1))[:, None, None]
    hits = ((across * sign > f.edge) & (np.abs(across) > 0.75 * magnitude)).any(axis=2)
    hits &= valid
    window = 9
    share = cv2.filter2D(hits.astype(np.float32), -1, np.ones((1, window), np.float32) / window,
                         borderType=cv2.BORDER_CONSTANT)
    low = (share < 0.35) & valid & (j[None, :] >= _NEAR)
    first_low = np.where(low.any(axis=1), low.argmax(axis=1), n)
    for (p, u), k, length in zip(rays, n, first_low, strict=True):
        f.runs[_run_key(p, u)] = 0.0 if k < 4 else 2.0 * float(length)


def _long_lines(f: _Features) -> list[tuple[float, float]]:
    """The strongest lines through long edges only: at a low threshold noise and texture
    give many short edges, which would outvote a faint page side in a Hough count."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(f.edges, connectivity=8)
    long = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep = (long >= _LONG_EDGE * min(f.w, f.h)).astype(np.uint8) * 255
    keep[0] = 0  # the background
    found = _rows(cv2.HoughLines(keep[labels], 1, np.pi / 180, int(0.12 * min(f.w, f.h))))
    kept: list[tuple[float, float]] = []
    for rho, theta in found[:, :2]:
        if all(abs(rho - r) > 8 or _angle_gap(theta, t) > 0.06 for r, t in kept):
            kept.append((float(rho), float(theta)))
        if len(kept) == _CORNER_LINES:
            break
    return kept


def _completed(first: _Features, f: _Features, corner: np.ndarray, ta: float,
               tc: float) -> list[np.ndarray]:
    """A page as white as its desk shows two meeting sides clearly (its shadow falls
    beside them) and two faint ones: from the corner where two strong lines meet, each
    runs as far as its edge does; the faint side across each far end is placed where,
    turned and moved a little, it runs along most edge."""
    dirs = []
    for t in (ta, tc):
        u = np.array([-np.sin(t), np.cos(t)])
        runs = [(max(_run(first, corner, v), _run(f, corner, v)), v) for v in (u, -u)]
        (long, along), (short, _) = sorted(runs, key=lambda r: -r[0])
        if long < 0.12 * min(f.w, f.h) or short > max(0.15 * long, 4.0 * _NEAR):
            return []  # no corner there: the edge runs on both ways, or not at all
        dirs.append((long, along))
    (la, ua), (lc, uc) = dirs
    ends = [corner + la * ua, corner + lc * uc]
    sides = []
    for end, length, run_dir, across_dir in ((ends[0], lc, ua, uc), (ends[1], la, uc, ua)):
        sides.append(_place(f, end, run_dir, across_dir, length))
    (pa, va), (pc, vc) = sides
    far = _meet((pa, va), (pc, vc))
    if not np.all(np.isfinite(far)):
        return []
    near_a = _meet((corner, ua), (pa, va))
    near_c = _meet((corner, uc), (pc, vc))
    quad = np.array([corner, near_a, far, near_c])
    if not np.all(np.isfinite(quad)):
        return []
    return [order_corners(quad)]


def _rows(found: np.ndarray | None) -> np.ndarray:
    """A Hough result as one row per line. Where nothing is found OpenCV 4 returns None and
    OpenCV 5 an empty array; both become an empty array here."""
    if found is None:
        return np.empty((0, 2), np.float32)
    found = np.asarray(found)
    return found.reshape(len(found), -1) if found.size else np.empty((0, 2), np.float32)


def _angle_gap(t1: float, t2: float) -> float:
    d = abs(t1 - t2) % np.pi
    return min(d, np.pi - d)


def _signed_rho(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two near-parallel lines (rho flips sign when theta wraps)."""
    rb = b[0] if abs(a[1] - b[1]) < np.pi / 2 else -b[0]
    return a[0] - rb


def _hull_quads(hull: np.ndarray) -> list[np.ndarray]:
    """Two guesses from a blob's hull: the largest quad with corners on it, and the quad
    of its four longest sides extended (right when a corner is hidden or something lying
    against the page bulges the hull)."""
    peri = cv2.arcLength(hull.reshape(-1, 1, 2).astype(np.float32), True)
    pts = hull
    for eps in (0.004, 0.008, 0.015, 0.03, 0.05):
        pts = cv2.approxPolyDP(hull.reshape(-1, 1, 2), eps * peri, True).reshape(-1, 2)
        if len(pts) <= 14:
            break
    if len(pts) < 4:
        return []
    if len(pts) == 4:
        return [order_corners(pts)]
    idx = np.array(list(itertools.combinations(range(len(pts)), 4)))
    q = pts[idx].astype(np.float64)  # combinations keep hull order, so each is convex
    x, y = q[..., 0], q[..., 1]
    area = 0.5 * np.abs((x * np.roll(y, -1, 1) - np.roll(x, -1, 1) * y).sum(1))
    out = [order_corners(q[int(area.argmax())])]
    seg = np.roll(pts, -1, axis=0) - pts
    longest = np.sort(np.argsort(-np.hypot(seg[:, 0], seg[:, 1]))[:4])
    lines = [(pts[i].astype(float), seg[i].astype(float)) for i in longest]
    corners = np.array([_meet(lines[k - 1], lines[k]) for k in range(4)])
    if np.all(np.isfinite(corners)):
        out.append(order_corners(corners))
    return out


def _plausible(quads: list[np.ndarray], f: _Features) -> tuple[np.ndarray, np.ndarray]:
    """The quads a sheet seen from above can make (convex, big enough, no sharp corner),
    and their areas as a share of the frame; all quads checked at once."""
    qs = np.stack(quads).astype(np.float32)  # Q × 4 × 2
    e = np.roll(qs, -1, axis=1) - qs
    turn = e[..., 0] * np.roll(e, -1, axis=1)[..., 1] - e[..., 1] * np.roll(e, -1, axis=1)[..., 0]
    convex = (turn > 0).all(axis=1) | (turn < 0).all(axis=1)
    x, y = qs[..., 0], qs[..., 1]
    area = 0.5 * np.abs((x * np.roll(y, -1, 1) - np.roll(x, -1, 1) * y).sum(1)) / (f.w * f.h)
    prev = -np.roll(e, 1, axis=1)
    cos = (prev * e).sum(2) / (np.linalg.norm(prev, axis=2) * np.linalg.norm(e, axis=2) + 1e-9)
    angles = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    ok = convex & (area >= MIN_AREA) & (angles.min(1) > 45) & (angles.max(1) < 135)
    return qs[ok], area[ok]


_SCORE_T = np.linspace(0.05, 0.95, 32)


def _score_all(quads: list[np.ndarray], f: _Features) -> list[_Candidate]:
    """Side support of every plausible quad at once (one vectorised lookup)."""
    if not quads:
        return []
    qs, areas = _plausible(quads, f)
    if not len(qs):
        return []
    p0, p1 = qs, np.roll(qs, -1, axis=1)
    # A page edge keeps its sign all along (paper on one side, desk on the other); the
    # lines of a checked cloth or of text flip. And it runs across, not along, the side.
    hits = _line_hits(f, p0.reshape(-1, 2), p1.reshape(-1, 2), _SCORE_T)
    sides = hits.mean(axis=1).reshape(len(qs), 4)
    m = _BORDER * max(f.w, f.h)
    for axis, limit in ((0, 0), (0, f.w - 1), (1, 0), (1, f.h - 1)):
        on = (np.abs(p0[..., axis] - limit) < m) & (np.abs(p1[..., axis] - limit) < m)
        sides[on] = np.nan
    # Outlines too weak ever to be chosen are dropped before they become candidates.
    support = _support(sides)
    border = np.isnan(sides).any(axis=1)
    out = [_Candidate(qs[i], sides[i], float(areas[i]), 0.0, float(support[i]), bool(border[i]))
           for i in np.flatnonzero(support >= _MIN_SUPPORT)]
    # Only the leading contenders are worth looking inside (the paper term moves a score
    # by 15 % at most).
    leading = sorted(out, key=lambda c: c.support * c.area ** 0.25,
                     reverse=True)[:_LOOK_INSIDE]
    for c in leading:
        _paper_of(c, f)
    return out


def _paper_of(c: _Candidate, f: _Features) -> float:
    """The candidate's paper share, looked at once when first needed."""
    if not c.looked:
        c.paper, c.looked = _paper_share(c.quad, f), True
    return c.paper


def _support(sides: np.ndarray) -> np.ndarray:
    """Support of each outline (a row of its four sides, NaN on the frame's edge), 0..1:
    the weakest sides count most, but one faint side (a white card's edge on a pale desk)
    is not yet a reason to doubt three clear ones."""
    seen = ~np.isnan(sides)
    n = seen.sum(axis=1)
    ranked = np.sort(np.where(seen, sides, np.inf), axis=1)
    mean = np.where(seen, sides, 0.0).sum(axis=1) / np.maximum(n, 1)
    second = ranked[np.arange(len(ranked)), np.clip(n - 1, 0, 1)]
    with np.errstate(invalid="ignore"):  # inf * 0 where no side is seen
        return np.where(n > 0, 0.5 * mean + 0.25 * ranked[:, 0] + 0.25 * second, 0.0)


def _paper_share(quad: np.ndarray, f: _Features, hole: np.ndarray | None = None) -> float:
    """Share of the outline's inside (less the ``hole``) that looks like paper: white and
    grey, or at least clearly whiter than this frame's usual (a page in shadow is still
    the palest thing)."""
    x0, y0 = np.maximum(np.floor(quad.min(0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(quad.max(0)).astype(int) + 1, [f.w, f.h])
    roi = f.paper[y0:y1, x0:x1]
    if roi.size == 0:
        return 0.0
    inside = np.zeros(roi.shape, np.uint8)
    cv2.fillConvexPoly(inside, np.round(quad - [x0, y0]).astype(np.int32), 1)
    if hole is not None:
        cv2.fillConvexPoly(inside, np.round(hole - [x0, y0]).astype(np.int32), 0)
    white = (roi > 150) | (roi > f.paper_level)
    return float(white[inside > 0].mean()) if inside.any() else 0.0


def refine_quad(image: np.ndarray, quad: np.ndarray, passes: int = 2) -> tuple[np.ndarray, float]:
    """Re-fit each side to the strongest edge across it, sampled in the full frame; returns
    the quad and the share of its sides that ran along a clear edge."""
    q = order_corners(quad).astype(np.float64)
    reach = max(3.0, 0.006 * max(image.shape[:2]))
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
