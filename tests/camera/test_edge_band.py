"""The second look along the frame's edge: the bands it reads and where it puts the page's end."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.camera import edge_band
from drivers.camera.detect import edges_touched
from drivers.camera.edge_band import BOTTOM, LEFT, RIGHT, TOP

W, H = 640, 480
EDGES = [TOP, RIGHT, BOTTOM, LEFT]


def _distance_image() -> np.ndarray:
    """Each pixel's distance to the nearest frame edge (capped), in all three channels; the
    red channel also counts along the frame (left to right, top to bottom) in the blue."""
    y, x = np.mgrid[:H, :W]
    near = np.minimum.reduce([x, y, W - 1 - x, H - 1 - y])
    img = np.zeros((H, W, 3), np.uint8)
    img[..., 1] = np.clip(near, 0, 255)
    img[..., 0] = (x + y) * 255 // (W + H)
    return img


@pytest.mark.parametrize("edge", EDGES)
def test_the_band_has_the_frame_edge_at_its_bottom_and_runs_along_it(edge):
    length = W if edge in (TOP, BOTTOM) else H
    b = edge_band.band(_distance_image(), edge, 0, length).astype(int)
    assert b.shape == (edge_band.BAND_H, edge_band.BAND_W, 3)
    mid = b[:, edge_band.BAND_W // 2, 1]
    assert mid[-1] <= 1 and mid[0] > 40 and np.all(np.diff(mid) <= 0)  # inside → edge
    along = b[edge_band.BAND_H // 2, :, 0]
    assert along[-1] > along[0] + 50  # left to right / top to bottom


@pytest.mark.parametrize("edge", EDGES)
def test_a_depth_in_the_band_maps_back_to_the_frame(edge):
    length = W if edge in (TOP, BOTTOM) else H
    d = edge_band.band_depth((H, W))
    pts = edge_band.to_frame(edge, 0, length, (H, W), np.array([0.0, 79.0]),
                             np.array([1.0, 0.0]))
    on_edge, inner = pts
    gap = {TOP: (on_edge[1], inner[1]), BOTTOM: (H - on_edge[1], H - inner[1]),
           LEFT: (on_edge[0], inner[0]), RIGHT: (W - on_edge[0], W - inner[0])}[edge]
    assert gap == pytest.approx((0.0, d))
    along = pts[:, 0] if edge in (TOP, BOTTOM) else pts[:, 1]
    assert along[0] < 0.01 * length and along[1] > 0.98 * length


def test_edges_touched_gives_each_edge_and_the_span_near_it():
    region = np.zeros((192, 256), np.uint8)
    region[100:192, 60:120] = 1  # reaches the bottom only
    spans = edges_touched(region, (972, 1296))
    assert [s[0] for s in spans] == [BOTTOM]
    _, lo, hi = spans[0]
    assert lo < 60 * 1296 / 256 < 120 * 1296 / 256 < hi  # the region's span, a little wider
    assert hi - lo < 0.3 * 1296
    region[0:192, 0:10] = 1  # and now the left edge, top to bottom
    assert sorted(s[0] for s in edges_touched(region, (972, 1296))) == sorted([BOTTOM, LEFT, TOP])
