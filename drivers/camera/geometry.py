"""Quadrilaterals: corner order, the page's true proportions, and the SmartDoc overlap score."""

from __future__ import annotations

import math

import cv2
import numpy as np


def order_corners(pts: np.ndarray) -> np.ndarray:
    """TL, TR, BR, BL as seen in the image (clockwise from the corner nearest the top-left)."""
    pts = np.asarray(pts, np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise in image coordinates (y points down)
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def order_corners_many(quads: np.ndarray) -> np.ndarray:
    """``order_corners`` for Q quads at once (Q × 4 × 2)."""
    q = np.asarray(quads, np.float32).reshape(-1, 4, 2)
    centre = q.mean(axis=1, keepdims=True)
    angles = np.arctan2(q[..., 1] - centre[..., 1], q[..., 0] - centre[..., 0])
    q = np.take_along_axis(q, np.argsort(angles, axis=1)[..., None], axis=1)
    start = q.sum(axis=2).argmin(axis=1)
    idx = (start[:, None] + np.arange(4)[None, :]) % 4
    return np.take_along_axis(q, idx[..., None], axis=1)


def quad_area(quad: np.ndarray) -> float:
    return float(abs(cv2.contourArea(np.asarray(quad, np.float32))))


def is_convex(quad: np.ndarray) -> bool:
    return bool(cv2.isContourConvex(np.asarray(quad, np.float32).reshape(-1, 1, 2)))


def aspect_ratio(quad: np.ndarray, size: tuple[int, int]) -> float:
    """Width over height of the real rectangle seen as ``quad`` (TL, TR, BR, BL).

    Zhang & He, "Whiteboard scanning and image enhancement" (2007): with the principal
    point at the frame's centre, the focal length follows from the quad's vanishing points
    and gives the true proportions. When the view is nearly straight down the focal length
    cannot be found and the mean side lengths are as good an estimate.
    """
    q = np.asarray(quad, np.float64)
    u0, v0 = size[0] / 2, size[1] / 2
    m1, m2, m4, m3 = (np.array([x - u0, y - v0, 1.0]) for x, y in q)  # m1 TL m2 TR m3 BL m4 BR
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    denom = n2[2] * n3[2]
    f2 = -(n2[0] * n3[0] + n2[1] * n3[1]) / denom if abs(denom) > 1e-9 else -1.0
    width = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    height = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    side_ratio = width / height
    if f2 <= 0 or not math.isfinite(f2):
        return side_ratio
    ratio = math.sqrt((n2[0] ** 2 + n2[1] ** 2 + n2[2] ** 2 * f2)
                      / (n3[0] ** 2 + n3[1] ** 2 + n3[2] ** 2 * f2))
    # A focal length far from a camera's (nearly parallel sides) is noise, not geometry.
    if not 0.3 * max(size) < math.sqrt(f2) < 5 * max(size):
        return side_ratio
    return ratio


def jaccard_in_document_frame(truth: np.ndarray, found: np.ndarray | None,
                              doc_size: tuple[float, float]) -> float:
    """SmartDoc 2015 score: overlap of found and true quads, both mapped into the page's frame.

    ``truth`` is in the page's own corner order; ``doc_size`` (w, h) its proportions. A miss
    scores 0. The found quad is ordered as the image shows it, which is what a detector can
    know; the overlap does not depend on the order.
    """
    if found is None:
        return 0.0
    w, h = doc_size
    rect = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    hom = cv2.getPerspectiveTransform(np.asarray(truth, np.float32), rect)
    mapped = cv2.perspectiveTransform(order_corners(found).reshape(-1, 1, 2), hom).reshape(4, 2)
    if is_convex(mapped):
        inter, _ = cv2.intersectConvexConvex(rect, mapped)
        union = w * h + quad_area(mapped) - inter
        return float(inter / union) if union > 0 else 0.0
    return _raster_jaccard(rect, mapped, w, h)


def _raster_jaccard(rect: np.ndarray, other: np.ndarray, w: float, h: float) -> float:
    """Overlap of a non-convex quad, counted on a grid (a found quad a detector botched)."""
    lo = np.minimum(rect.min(0), np.clip(other.min(0), -2 * max(w, h), None))
    hi = np.maximum(rect.max(0), np.clip(other.max(0), None, 3 * max(w, h)))
    scale = 1000 / float((hi - lo).max())
    shape = (int((hi - lo)[1] * scale) + 2, int((hi - lo)[0] * scale) + 2)
    masks = []
    for poly in (rect, other):
        m = np.zeros(shape, np.uint8)
        cv2.fillPoly(m, [np.round((poly - lo) * scale).astype(np.int32)], 1)
        masks.append(m.astype(bool))
    union = np.logical_or(*masks).sum()
    return float(np.logical_and(*masks).sum() / union) if union else 0.0
