"""A still through every gate: what comes out, and what is refused with which code."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from drivers.camera import quality
from drivers.camera.enhance import deskew, enhance, skew_angle, straighten, upside_down
from drivers.camera.scan import scan_frame
from sim.scene import Pose
from tests.camera.conftest import frame


@pytest.fixture(scope="module")
def letter_scan(letter_frame):
    return scan_frame(letter_frame[0])


def test_a4_letter_becomes_a_straight_a4_page_at_200_dpi(letter_scan):
    page = letter_scan.page
    assert letter_scan.ok and page.format == "a4" and page.size == (1654, 2339)
    with Image.open(io.BytesIO(page.jpeg)) as im:
        assert im.format == "JPEG" and im.size == (1654, 2339)
        assert round(im.info["dpi"][0]) == 200


def test_document_mode_gives_white_paper_and_keeps_the_red_seal(letter_scan):
    page = letter_scan.page.image
    margin = page[40:160, 40:-40]  # bare paper above the title, under uneven light
    assert np.median(margin) >= 250 and margin.std() < 6
    b, g, r = (page[..., i].astype(int) for i in range(3))
    red = (r - np.maximum(b, g)) > 80
    assert red.sum() > 500  # the seal is still red, not grey


def test_photo_mode_keeps_colour():
    img, quad = frame("photo", background="dark_mat")
    flat, fmt = straighten(img, quad)
    out = enhance(flat, "photo")
    hsv = cv2.cvtColor(out, cv2.COLOR_BGR2HSV)
    assert fmt.name == "a4" and out.shape[1] > out.shape[0]  # a landscape sheet
    assert np.percentile(hsv[..., 1], 75) > 90


def test_id_card_is_cut_to_card_proportions():
    result = scan_frame(frame("idcard_front")[0])
    assert result.ok and result.page.format == "idcard" and result.page.size == (1011, 638)


@pytest.mark.parametrize(("paper", "kw", "code"), [
    ("blank", {}, quality.BLANK),
    ("form", {"glare": True, "seed": 11}, quality.GLARE),
    ("letter", {"motion": (22.0, 6.0)}, quality.BLURRED),
    ("idcard_front", {"pose": Pose(scale=0.16, rz=3), "seed": 5}, quality.TOO_SMALL),
    ("letter", {"pose": Pose(scale=0.9, rz=4, cx=0.75)}, quality.CUT_OFF),
    ("letter", {"pose": Pose(scale=0.01, cx=-5.0), "seed": 5, "clutter": 3}, quality.NO_PAGE),
])
def test_gates_refuse_with_a_stable_code(paper, kw, code):
    result = scan_frame(frame(paper, **kw)[0])
    assert not result.ok and result.verdict.code == code


def test_the_same_page_twice_is_caught_and_a_different_one_is_not(letter_scan):
    again = scan_frame(frame("letter", pose=Pose(scale=0.8, rz=-3, cx=0.52))[0],
                       earlier=[letter_scan.page.phash])
    assert again.verdict.code == quality.SAME_PAGE and again.repeats == 1
    other = scan_frame(frame("form")[0], earlier=[letter_scan.page.phash])
    assert other.ok


def test_skewed_text_is_turned_straight(letter_scan):
    page = letter_scan.page.image
    h, w = page.shape[:2]
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), 2.0, 1.0)
    tilted = cv2.warpAffine(page, rot, (w, h), borderValue=(255, 255, 255))
    assert abs(skew_angle(tilted)) == pytest.approx(2.0, abs=0.3)
    assert abs(skew_angle(deskew(tilted))) <= 0.2


def _seal_centre(page: np.ndarray) -> np.ndarray:
    b, g, r = (page[..., i].astype(int) for i in range(3))
    ys, xs = np.nonzero((r - np.maximum(b, g)) > 80)
    return np.array([xs.mean() / page.shape[1], ys.mean() / page.shape[0]])


@pytest.mark.parametrize("rz", [174.0, 188.0])
def test_a_letter_placed_upside_down_comes_out_the_right_way_up(letter_scan, rz):
    turned = scan_frame(frame("letter", pose=Pose(scale=0.85, rz=rz, rx=4, ry=-3))[0])
    assert turned.ok
    # The letter's seal is at its foot, on the right, as on the one placed upright ...
    upright = _seal_centre(letter_scan.page.image)
    assert upright[0] > 0.6 and upright[1] > 0.7
    assert np.abs(_seal_centre(turned.page.image) - upright).max() < 0.05
    # ... so the same sheet, turned, is recognised as the page already taken.
    again = scan_frame(frame("letter", pose=Pose(scale=0.85, rz=rz, rx=4, ry=-3))[0],
                       earlier=[letter_scan.page.phash])
    assert again.verdict.code == quality.SAME_PAGE


@pytest.mark.parametrize("paper", ["form", "idcard_front", "idcard_back"])
def test_forms_and_cards_upside_down_are_turned_and_upright_ones_kept(paper):
    upright = scan_frame(frame(paper)[0])
    pose = Pose(scale=0.4 if paper.startswith("idcard") else 0.85, rz=186, rx=4, ry=-3)
    turned = scan_frame(frame(paper, pose=pose)[0], earlier=[upright.page.phash])
    assert upright.ok
    assert turned.verdict.code == quality.SAME_PAGE  # the same picture: turned upright
    assert not upside_down(upright.page.image)


def test_a_blank_or_photo_page_is_never_turned():
    img, quad = frame("photo", background="dark_mat")
    flat, _ = straighten(img, quad)
    assert not upside_down(enhance(flat, "document"))
    assert not upside_down(np.full((400, 300, 3), 255, np.uint8))
