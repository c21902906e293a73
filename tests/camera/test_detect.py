"""Finding the page: on clutter, low contrast, shadows; and saying so when it runs off."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

from drivers.camera import detect
from drivers.camera.detect import detect_page
from drivers.camera.geometry import jaccard_in_document_frame, order_corners
from sim.paper import render_paper
from sim.scene import Pose, Scene, _off_the_edge, in_view, page_quad, render
from tests.camera.conftest import SIZE, frame, scene


def _score(paper: str, **kw: object) -> float:
    img, truth = frame(paper, **kw)
    ph, pw = render_paper(paper, 0).shape[:2]
    return jaccard_in_document_frame(truth, detect_page(img).quad, (pw, ph))


@pytest.mark.parametrize(("paper", "kw"), [
    ("letter", {}),
    ("form", {"background": "dark_mat", "shadow": 0.45}),
    ("idcard_front", {"background": "fabric", "clutter": 5}),
    ("letter", {"background": "white_desk", "gain": 1.0}),  # pale page on a pale desk
    ("photo", {"background": "green_mat", "motion": (3.0, 1.0)}),
    ("idcard_back", {"background": "grey_desk",
                     "pose": Pose(scale=0.3, rz=97, rx=-8, ry=6, cx=0.35, cy=0.6)}),
])
def test_page_found_where_it_is(paper, kw):
    assert _score(paper, **kw) > 0.96


def test_corners_come_top_left_clockwise(letter_frame):
    img, truth = letter_frame
    det = detect_page(img)
    assert det.found and det.confidence > 0.8
    assert np.abs(det.quad - order_corners(truth)).max() < 6
    tl, tr, br, bl = det.quad
    assert tl[0] < tr[0] and bl[0] < br[0] and tl[1] < bl[1] and tr[1] < br[1]


@pytest.mark.parametrize("seed", [5, 6])  # phones and a sticky note on the desk, no paper
def test_a_desk_without_paper_has_no_page(seed):
    img, _ = frame("letter", pose=Pose(scale=0.01, cx=-5.0), clutter=3, seed=seed)
    det = detect_page(img)
    assert not det.found and not det.cut_off


def test_a_page_off_the_edge_is_reported_not_guessed():
    s = scene("letter", pose=Pose(scale=0.9, rz=4, cx=0.75, cy=0.5))
    assert not in_view(page_quad(s, SIZE), SIZE)
    img, _ = frame("letter", pose=s.pose)
    det = detect_page(img)
    assert det.cut_off and det.quad is None
    assert det.outline is not None  # what was seen, to draw on the preview


@pytest.mark.parametrize("background", ["dark_mat", "white_desk", "wood", "grey_desk"])
def test_a_page_close_to_the_frame_edge_is_not_called_cut_off(background):
    """The frame's edges close outlines too (for a page that does run off): a page lying
    wholly inside, its top edge ~3 % of the frame below the frame's, is still found whole."""
    pose = Pose(scale=0.9, rz=2, cy=0.49)
    assert in_view(page_quad(scene("letter", pose=pose), SIZE), SIZE)
    det = detect_page(frame("letter", pose=pose, background=background)[0])
    assert det.found and not det.cut_off
    assert _score("letter", pose=pose, background=background) > 0.96


def test_preview_path_finds_the_same_page_roughly(letter_frame):
    img, truth = letter_frame
    fast = detect_page(img, refine=False)
    assert fast.found
    assert np.abs(fast.quad - order_corners(truth)).max() < 12


def _empty_desk() -> np.ndarray:
    return frame("letter", pose=Pose(scale=0.01, cx=-5.0), clutter=0,
                 background="grey_desk")[0]


def test_an_empty_desk_has_no_page_with_this_opencv():
    """Through the real detector on the installed OpenCV (4 or 5), nothing stubbed: a desk
    with nothing on it and a blank grey frame have no page and raise nothing."""
    blank = np.full((SIZE[1], SIZE[0], 3), 128, np.uint8)
    for img in (_empty_desk(), blank, blank[..., 0]):
        for refine in (True, False):
            det = detect_page(img, refine=refine)
            assert not det.found and not det.cut_off and det.quad is None


# Empty desks that once gave a page: a yellow sticky note on a dark mat, a dark wallet
# (with phones, a pen, a coin, cast shadows) on a green mat. Both are about as small as
# an ID card held too far away (still found, to be called too small), but neither looks
# like paper: one is clearly coloured, the other darker than the desk around it.
SMALL_THINGS = [
    Scene("form", Pose(scale=0.01, cx=-5.0), background="dark_mat", seed=441988889, clutter=1,
          gain=0.854, gradient=(0.315, -0.043), vignette=0.337, shadow=0.413,
          tint=(0.042, -0.036), blur=0.669, noise=1.59, receipts=False),
    Scene("photo", Pose(scale=0.01, cx=-5.0), background="green_mat", seed=701815259,
          clutter=5, gain=1.068, gradient=(0.313, -0.145), vignette=0.175,
          tint=(-0.044, 0.004), blur=0.779, noise=2.56, jpeg=79, casts=("hand", "phone"),
          cast_depth=0.396, receipts=False),
]


@pytest.mark.parametrize("desk", SMALL_THINGS, ids=["sticky-note", "wallet"])
def test_a_small_thing_on_the_desk_is_no_page(desk):
    img, _ = render(desk, SIZE)
    for refine in (True, False):
        det = detect_page(img, refine=refine)
        assert not det.found and not det.cut_off



# Pages running off the frame that were once missed: a letter running off the bottom of
# a white desk, where a block of its text stood out more than its own sides; an ID card
# running off the left edge of a dark mat (smaller than the old least size for this); a
# crumpled form on a white desk found as its table, one clear side running on to the edge.
RUNNING_OFF = [
    Scene("letter", Pose(scale=0.898, rz=2.49, rx=-5.03, ry=10.36, cx=0.476, cy=0.780),
          paper_seed=24236, background="white_desk", seed=613608344, gain=0.971,
          gradient=(-0.123, -0.034), vignette=0.069, tint=(0.005, -0.029), blur=0.677,
          noise=1.78, jpeg=78, casts=("hand", "arm"), cast_depth=0.416),
    Scene("idcard_back", Pose(scale=0.283, rz=-5.53, rx=-10.40, ry=10.28, cx=0.0816,
                              cy=0.460),
          paper_seed=6187, background="dark_mat", seed=807026961, gain=0.925,
          gradient=(-0.292, -0.079), vignette=0.278, shadow=0.458, tint=(0.008, 0.242),
          blur=0.852, noise=2.27, jpeg=90, cast_depth=0.298, gloss=0.89),
    Scene("form", Pose(scale=0.8627, rz=21.69, rx=-6.50, ry=-5.05, cx=0.4257, cy=0.6900),
          paper_seed=53143, background="white_desk", seed=769073397, clutter=3, gain=1.0642,
          gradient=(-0.0015, 0.2232), vignette=0.2731, shadow=0.2416, tint=(-0.0352, -0.0526),
          blur=0.829, noise=3.34, cast_depth=0.426, crumple=0.705),
]


@pytest.mark.parametrize("s", RUNNING_OFF,
                         ids=["text-block-on-white-desk", "id-card", "one-side-runs-on"])
def test_a_page_running_off_is_reported_cut_off(s):
    img, truth = render(s, SIZE)
    assert not in_view(truth, SIZE, margin=-0.02)
    det = detect_page(img)
    assert det.cut_off and det.quad is None and det.outline is not None


def _assert_found_whole(s: Scene, least: float) -> None:
    """The page lying wholly inside is found, not called cut off, and overlaps the truth
    by at least ``least``."""
    img, truth = render(s, SIZE)
    ph, pw = render_paper(s.paper, s.paper_seed).shape[:2]
    det = detect_page(img)
    assert det.found and not det.cut_off
    assert jaccard_in_document_frame(truth, det.quad, (pw, ph)) > least


# White pages on a desk as white as themselves, once missed or cut short: a letter whose
# two shadowed sides stand out and two do not; a crumpled form whose table stood out
# more than the page around it.
PAPER_WHITE = [
    Scene("letter", Pose(scale=0.699, rz=15.47, rx=-8.62, ry=5.63, cx=0.618, cy=0.401),
          paper_seed=32425, background="paper_white", seed=201836165, clutter=2, gain=1.012,
          gradient=(0.137, -0.202), vignette=0.160, shadow=0.382, tint=(0.001, 0.041),
          blur=0.973, noise=4.24, jpeg=94, cast_depth=0.370),
    Scene("form", Pose(scale=0.6233, rz=17.28, rx=-11.72, ry=10.94, cx=0.2688, cy=0.5761),
          paper_seed=13945, background="paper_white", seed=557183257, gain=0.9023,
          gradient=(0.2178, -0.1622), vignette=0.0621, tint=(0.0341, -0.0017), blur=0.664,
          noise=3.42, cast_depth=0.327, crumple=0.911),
]


@pytest.mark.parametrize("s", PAPER_WHITE, ids=["two-faint-sides", "crumpled-form"])
def test_a_white_page_on_a_white_desk_is_found_whole(s):
    _assert_found_whole(s, 0.95)


def test_desk_grain_running_on_from_a_whole_page_is_no_cut_off():
    """A form lying wholly on a wooden desk, a side's line running on as grain to the
    frame's edge: wood is beside that run, not paper, so the page is found, not refused
    as running off (tuning seed 2016, scene 232)."""
    s = Scene("form", Pose(scale=0.7077, rz=-2.222, rx=1.129, ry=-7.462, cx=0.3836, cy=0.5659),
              paper_seed=60907, background="wood", seed=802155955, gain=1.0134,
              gradient=(0.0144, 0.0957), vignette=0.3248, shadow=0.3922,
              tint=(-0.0307, -0.0453), blur=0.550, noise=1.67, casts=("arm",),
              cast_depth=0.547, grain=0.804, curl=0.0074, receipts=True)
    _assert_found_whole(s, 0.95)


def test_the_preview_thread_and_a_still_find_the_same_page_at_once(letter_frame):
    """The preview worker and a still's capture run the network at the same time, each on
    its own copy: both find what one alone finds."""
    img, _ = letter_frame
    alone = detect_page(img).quad
    with ThreadPoolExecutor(4) as pool:
        quads = [d.quad for d in pool.map(detect_page, [img] * 8)]
    for q in quads:
        assert q is not None and np.abs(q - alone).max() < 1e-3


def test_a_slip_lying_against_the_page_is_not_part_of_it():
    """A blank sheet on a white desk under a pink cast, a grey slip and a phone's shadow
    against its side: the sheet alone is found, not a page running off the frame through
    the slip (tuning seed 2015, scene 144)."""
    s = Scene("blank", Pose(scale=0.6256, rz=-20.24, rx=11.85, ry=-11.55, cx=0.4029, cy=0.4544),
              paper_seed=36258, background="white_desk", seed=64671611, clutter=5, gain=0.9494,
              gradient=(0.2508, 0.2986), vignette=0.2362, shadow=0.2174, tint=(0.0967, 0.2078),
              blur=0.563, noise=4.58, jpeg=91, casts=("phone", "arm"), cast_depth=0.4243,
              crumple=0.3674)
    _assert_found_whole(s, 0.98)


def test_what_hangs_on_the_page_by_a_neck_is_cut_off_the_region():
    region = np.zeros((192, 256), np.uint8)
    region[40:160, 60:160] = 1  # the page
    region[96:104, 160:175] = 1  # a neck
    region[80:120, 175:215] = 1  # a slip or a shadow beyond it
    out = detect._trimmed(region, int(region.sum()))
    assert out[100, 60:160].all() and out[40:160, 110].all()  # the page's sides stay
    assert not out[:, 165:].any()


NEAR_THE_EDGE = [
    # A blank sheet on a desk as white as itself, its top-left corner about 2 % of the
    # frame from the frame's edges (tuning seed 2016, scene 15).
    Scene("blank", Pose(scale=0.6958, rz=-8.483, rx=-1.027, ry=-5.905, cx=0.2589, cy=0.3866),
          paper_seed=51804, background="paper_white", seed=5960891, clutter=2, gain=0.8964,
          gradient=(0.0483, 0.2291), vignette=0.1652, tint=(0.0452, -0.0249), blur=0.653,
          noise=2.12, cast_depth=0.568, curl=0.0071),
    # An ID card on dim, strongly grained wood, about 2 % from the left edge (seed 2016,
    # scene 594).
    Scene("idcard_front", Pose(scale=0.4725, rz=8.324, rx=7.856, ry=-7.586, cx=0.2219,
                               cy=0.5184),
          paper_seed=48762, background="wood", seed=59697009, clutter=5, gain=0.5645,
          gradient=(0.2504, 0.2043), vignette=0.295, tint=(-0.1637, 0.0251), blur=0.838,
          noise=6.26, jpeg=89, cast_depth=0.2756, grain=0.8651),
]


@pytest.mark.parametrize("s", NEAR_THE_EDGE, ids=["white-desk-corner", "card-on-wood"])
def test_a_page_close_to_the_frame_edge_is_found_whole(s):
    """Its sides as the network draws them come within a few pixels of the frame's edge,
    or a corner they meet at lies beyond it; the region is clear of the edge, and the
    re-fit in the full frame puts the sides where they are."""
    _assert_found_whole(s, 0.95)


def test_a_ragged_patch_of_desk_is_not_taken_for_the_page():
    """An ID card on a white desk under a hand's and an arm's shadows: a bigger patch of
    pale desk between the shadows is covered too, but it is ragged, not a page's outline;
    the card is found (tuning seed 2026, scene 6). Its long side under the arm's shadow is
    drawn short of the true one (overlap 0.85): that is the shadow, not the choice."""
    s = Scene("idcard_back", Pose(scale=0.3221979, rz=20.257535, rx=-3.4506806, ry=6.5851685,
                                  cx=0.5912589, cy=0.3238536),
              paper_seed=58679, background="paper_white", seed=217874739, clutter=5,
              gain=0.8178390, gradient=(0.0359630, -0.1661217), vignette=0.1456997,
              shadow=0.2845281, tint=(-0.0275183, 0.0502957), blur=0.7115792,
              motion=(-0.5794837, -0.0565107), noise=3.7307604, casts=("hand", "arm"),
              cast_depth=0.3973474, gloss=0.7449997)
    _assert_found_whole(s, 0.8)


def _cover(*boxes: tuple[int, int, int, int]) -> np.ndarray:
    """A network's cover on its 256×192 reading grid: 1 over each (x0, y0, x1, y1) box."""
    fine = np.zeros((192, 256), np.float32)
    for x0, y0, x1, y1 in boxes:
        fine[y0:y1, x0:x1] = 1.0
    return fine


def test_the_nearly_convex_region_is_the_page_not_a_larger_ragged_one():
    ell = [(10, 20, 30, 180), (10, 160, 170, 180)]  # a pale desk's L between two shadows
    region, *_ = detect._page_region(_cover((180, 20, 240, 80), *ell))
    assert region[50, 210] and not region[100, 20]
    region, *_ = detect._page_region(_cover((180, 20, 240, 80), (10, 20, 170, 180)))
    assert region[100, 20] and not region[50, 210]  # both convex: the larger


# Whole pages just inside the frame that the page network ran to the frame's edge (tuning
# seeds 2023, scene 170 and 2032, scene 203): a form on a desk as white as itself near the
# top, and one with a hand's and an arm's shadows reaching the bottom edge beside it. The
# band along the edge is read again, finer: the page ends inside it.
JUST_INSIDE = [
    Scene("form", Pose(scale=0.8870357, rz=-1.8589163, rx=0.6487600, ry=9.5542790,
                       cx=0.5871146, cy=0.4965525),
          paper_seed=1286, background="paper_white", seed=249016376, clutter=4,
          gain=0.8724082, gradient=(-0.0886996, -0.1597201), vignette=0.3108737,
          tint=(-0.1141404, -0.1409978), blur=0.5045493, noise=2.5238914,
          cast_depth=0.2962574),
    Scene("form", Pose(scale=0.6253064, rz=3.0977002, rx=-1.8008612, ry=7.0547936,
                       cx=0.5319442, cy=0.6435029),
          paper_seed=41208, background="paper_white", seed=1017900180, clutter=2,
          gain=0.9137806, gradient=(0.0673643, 0.2993536), vignette=0.0798012,
          tint=(-0.0113459, 0.0048571), blur=0.4573460, noise=2.1254399,
          casts=("hand", "arm"), cast_depth=0.4982143),
]


@pytest.mark.parametrize("s", JUST_INSIDE, ids=["white-desk", "hand-shadow-to-the-edge"])
def test_a_page_just_inside_that_the_grid_ran_to_the_edge_is_found_whole(s):
    _assert_found_whole(s, 0.97)


@pytest.mark.parametrize("s", JUST_INSIDE, ids=["white-desk", "hand-shadow-to-the-edge"])
def test_the_same_page_slid_over_the_edge_is_still_cut_off(s):
    """The second look does not make a page that really runs off whole."""
    off = replace(s, pose=_off_the_edge(s, SIZE))
    img, truth = render(off, SIZE)
    assert not in_view(truth, SIZE, margin=-0.02)
    det = detect_page(img)
    assert det.cut_off and det.quad is None
