"""Corner order, the page's true proportions, and the SmartDoc score."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.camera.geometry import aspect_ratio, jaccard_in_document_frame, order_corners
from sim.scene import Pose, Scene, page_quad

SQUARE = np.array([[0, 0], [100, 0], [100, 100], [0, 100]], np.float32)


def test_order_corners_from_any_order():
    shuffled = SQUARE[[2, 0, 3, 1]]
    assert np.array_equal(order_corners(shuffled), SQUARE)


def test_jaccard_is_one_for_the_truth_zero_for_a_miss():
    assert jaccard_in_document_frame(SQUARE, SQUARE, (100, 100)) == pytest.approx(1.0)
    assert jaccard_in_document_frame(SQUARE, None, (100, 100)) == 0.0


def test_jaccard_of_a_shifted_quad():
    shifted = SQUARE + [10, 0]  # overlap 90 × 100 of a union 110 × 100
    assert jaccard_in_document_frame(SQUARE, shifted, (100, 100)) == pytest.approx(90 / 110)


def test_jaccard_of_a_crossed_quad_is_counted_on_a_grid():
    bow = SQUARE[[0, 2, 1, 3]].copy()  # not a simple polygon: order_corners repairs it
    assert jaccard_in_document_frame(SQUARE, bow, (100, 100)) == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(("paper", "expected"),
                         [("letter", 297 / 210), ("idcard_front", 54 / 85.6)])
def test_true_proportions_under_perspective(paper, expected):
    pose = Pose(scale=0.7, rz=20, rx=14, ry=-11, cx=0.45, cy=0.55)
    quad = page_quad(Scene(paper, pose), (1296, 972))
    sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)
    naive = (sides[1] + sides[3]) / (sides[0] + sides[2])
    true = 1 / aspect_ratio(quad, (1296, 972))
    assert true == pytest.approx(expected, rel=0.015)
    assert abs(naive - expected) > abs(true - expected)  # the perspective correction helps
