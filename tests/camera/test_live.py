"""Taking the page by itself once it has lain still; never the same lying page twice."""

from __future__ import annotations

import numpy as np

from drivers.camera.detect import NO_PAGE, PageDetection
from drivers.camera.live import Stillness

QUAD = np.array([[100, 80], [500, 90], [490, 600], [95, 590]], np.float32)
PAGE = PageDetection(QUAD, 1.0, outline=QUAD)
THUMB = np.full((48, 64), 120, np.float32)
DIAG = 1000.0


def feed(s: Stillness, t0: float, t1: float, det=PAGE, thumb=THUMB, step=0.04):
    out = []
    t = t0
    while t <= t1 + 1e-9:
        out.append((t, *s.update(det, thumb, DIAG, t)))
        t += step
    return out


def captures(frames) -> list[float]:
    return [round(t, 2) for t, _p, cap in frames if cap]


def test_taken_once_after_holding_still():
    s = Stillness(hold=1.0)
    frames = feed(s, 0.0, 3.0)
    assert captures(frames) == [1.0]
    progress = [p for t, p, _ in frames if t < 1.0]
    assert progress == sorted(progress) and 0.9 < progress[-1] < 1.0


def test_trembling_hands_do_not_restart_the_hold_but_a_move_does():
    s = Stillness(hold=1.0)
    feed(s, 0.0, 0.5)
    nudged = PageDetection(QUAD + 3, 1.0, outline=QUAD + 3)  # 3 px: within tolerance
    assert captures(feed(s, 0.54, 1.2, det=nudged)) == [1.02]  # 1 s after the first frame
    s = Stillness(hold=1.0)
    feed(s, 0.0, 0.8)
    moved = PageDetection(QUAD + 40, 1.0, outline=QUAD + 40)
    assert captures(feed(s, 0.84, 2.5, det=moved)) == [1.84]


def test_next_page_is_taken_after_the_first_was_lifted():
    s = Stillness(hold=1.0)
    assert captures(feed(s, 0.0, 2.0)) == [1.0]
    feed(s, 2.04, 2.5, det=NO_PAGE)  # the page is taken away
    assert captures(feed(s, 2.54, 4.0)) == [3.54]


def test_a_page_swapped_in_place_is_new_and_a_manual_capture_disarms():
    s = Stillness(hold=1.0)
    assert captures(feed(s, 0.0, 2.0)) == [1.0]
    other = np.full((48, 64), 150, np.float32)  # same place, different sheet
    assert captures(feed(s, 2.04, 3.5, thumb=other)) == [3.04]
    s = Stillness(hold=1.0)
    feed(s, 0.0, 0.5)
    s.captured()  # the citizen pressed 拍照
    assert captures(feed(s, 0.54, 3.0)) == []


def test_a_page_off_the_edge_is_never_taken():
    s = Stillness(hold=1.0)
    cut = PageDetection(None, 0.9, cut_off=True, outline=QUAD)
    assert captures(feed(s, 0.0, 3.0, det=cut)) == []
