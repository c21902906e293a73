"""Camera frames of a sheet of paper on a desk, with the page's true corners.

A ``Scene`` holds every random choice (paper, pose in 3-D, background, clutter, light,
shadow, glare, optics, motion, noise), all drawn from one seeded generator, so a frame can
be rendered again at any size and comes out the same. The page is a real plane seen by a
pin-hole camera looking down, so its outline is the perspective quadrilateral a document
camera sees, and the corners returned are exact: the benchmark's ground truth.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from sim.paper import render_paper

BACKGROUNDS = ("dark_mat", "wood", "grey_desk", "white_desk", "green_mat", "fabric")
_FOCAL = 0.9  # focal length as a fraction of the frame width (~58° horizontal view)
_REF_WIDTH = 1000.0  # blur, motion and shadow sizes are given for a frame this wide


@dataclass(frozen=True)
class Pose:
    """Where the page lies. ``scale``: its long side over the frame height at no tilt."""

    scale: float
    rz: float = 0.0  # in-plane rotation, degrees
    rx: float = 0.0  # tilt towards / away from the camera, degrees
    ry: float = 0.0
    cx: float = 0.5  # page centre, fractions of the frame
    cy: float = 0.5


@dataclass(frozen=True)
class Scene:
    paper: str
    pose: Pose
    paper_seed: int = 0
    background: str = "dark_mat"
    seed: int = 0  # background texture, clutter, shadow shape, noise
    clutter: int = 0
    gain: float = 1.0  # overall light
    gradient: tuple[float, float] = (0.0, 0.0)  # light falling off across x, y
    vignette: float = 0.0
    shadow: float = 0.0  # darkness of a soft shadow (a head or arm over the desk)
    tint: tuple[float, float] = (0.0, 0.0)  # blue, red balance of the light
    glare: bool = False
    blur: float = 0.4  # optics, px at the reference width
    motion: tuple[float, float] = (0.0, 0.0)  # hand moving the page, px at reference width
    noise: float = 2.0  # sensor noise, grey levels
    jpeg: int = 0  # quality of the camera's own MJPG compression; 0 = none


def page_quad(scene: Scene, size: tuple[int, int]) -> np.ndarray:
    """The page's corners in the frame (TL, TR, BR, BL of the sheet itself), float32 4×2."""
    w, h = size
    p = scene.pose
    sh, sw = render_paper(scene.paper, scene.paper_seed).shape[:2]
    f = _FOCAL * w
    long_side = p.scale * h / f
    half = np.array([sw, sh], float) / max(sw, sh) * long_side / 2
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float) * half
    pts = np.c_[corners, np.zeros(4)] @ _rotation(p.rx, p.ry, p.rz).T
    pts += [(p.cx - 0.5) * w / f, (p.cy - 0.5) * h / f, 1.0]
    uv = pts[:, :2] / pts[:, 2:3] * f + [w / 2, h / 2]
    return uv.astype(np.float32)


def _rotation(rx: float, ry: float, rz: float) -> np.ndarray:
    ax, ay, az = (math.radians(a) for a in (rx, ry, rz))
    rot_x = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    rot_y = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rot_z = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    return rot_y @ rot_x @ rot_z


def in_view(quad: np.ndarray, size: tuple[int, int], margin: float = 0.015) -> bool:
    w, h = size
    m = margin * min(w, h)
    return bool(np.all(quad >= m) and np.all(quad[:, 0] <= w - m) and np.all(quad[:, 1] <= h - m))


def random_scene(rng: np.random.Generator, papers: tuple[str, ...] | None = None,
                 cut_off: bool = False) -> Scene:
    """A plausible frame: mostly straight pages, some turned, tilted up to 12°, any desk."""
    paper = str(rng.choice(papers or ("letter", "letter", "form", "form", "idcard_front",
                                      "idcard_back", "photo", "blank")))
    card = paper.startswith("idcard")
    rz = rng.uniform(-25, 25) + (rng.choice([90, 180, -90]) if rng.random() < 0.15 else 0)
    for _ in range(200):
        pose = Pose(scale=rng.uniform(0.25, 0.5) if card else rng.uniform(0.62, 0.95),
                    rz=rz, rx=rng.uniform(-12, 12), ry=rng.uniform(-12, 12),
                    cx=rng.uniform(0.2, 0.8), cy=rng.uniform(0.2, 0.8))
        quad = page_quad(Scene(paper, pose), (1000, 750))
        if in_view(quad, (1000, 750)) != cut_off and _visible_share(quad, (1000, 750)) > 0.6:
            break
    return Scene(
        paper=paper, pose=pose, paper_seed=int(rng.integers(1 << 16)),
        background=str(rng.choice(BACKGROUNDS)), seed=int(rng.integers(1 << 30)),
        clutter=int(rng.integers(0, 6)), gain=rng.uniform(0.75, 1.08),
        gradient=(rng.uniform(-0.35, 0.35), rng.uniform(-0.35, 0.35)),
        vignette=rng.uniform(0, 0.35), shadow=rng.uniform(0.2, 0.5) if rng.random() < 0.4 else 0,
        tint=(rng.uniform(-0.06, 0.06), rng.uniform(-0.06, 0.06)),
        blur=rng.uniform(0.3, 1.0),
        motion=tuple(rng.uniform(-4, 4, 2)) if rng.random() < 0.25 else (0.0, 0.0),
        noise=rng.uniform(1.5, 5), jpeg=int(rng.integers(75, 95)) if rng.random() < 0.5 else 0,
    )


def _visible_share(quad: np.ndarray, size: tuple[int, int]) -> float:
    frame = np.array([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]], np.float32)
    inter, _ = cv2.intersectConvexConvex(quad, frame)
    return inter / max(cv2.contourArea(quad), 1e-6)


def render(scene: Scene, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The frame (BGR uint8, ``size`` = (w, h)) and the page's true quad in it."""
    w, h = size
    k = w / _REF_WIDTH
    quad = page_quad(scene, size)
    rng = np.random.default_rng(scene.seed)
    img = desk(scene.background, scene.seed, scene.clutter, size).astype(np.float32)
    page, alpha = _warp_paper(scene, quad, size)
    # The sheet lifts a little off the desk: a soft shadow along its edges.
    drop = cv2.GaussianBlur(alpha, (0, 0), 2.5 * k)
    drop = np.roll(drop, (round(2 * k), round(3 * k)), axis=(0, 1))
    img *= (1 - 0.35 * drop * (1 - alpha))[..., None]
    img = img * (1 - alpha[..., None]) + page * alpha[..., None]
    img *= _light(scene, size, rng)[..., None]
    img *= np.array([1 + scene.tint[0], 1.0, 1 + scene.tint[1]], np.float32)
    if scene.glare:
        img += _glare(quad, size, rng)[..., None]
    img = _optics(img, scene, k)
    if scene.noise > 0:
        img += rng.standard_normal(img.shape, dtype=np.float32) * scene.noise
    out = np.clip(img, 0, 255).astype(np.uint8)
    if scene.jpeg:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, scene.jpeg])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out, quad


def _warp_paper(scene: Scene, quad: np.ndarray, size: tuple[int, int]):
    paper = render_paper(scene.paper, scene.paper_seed)
    # Shrink the texture to about its size in the frame first: warping a much larger
    # image with bilinear sampling would alias the text.
    seen = max(np.linalg.norm(quad[0] - quad[2]), np.linalg.norm(quad[1] - quad[3]))
    ratio = min(1.0, 1.2 * seen / math.hypot(*paper.shape[:2]))
    if ratio < 1.0:
        paper = cv2.resize(paper, None, fx=ratio, fy=ratio, interpolation=cv2.INTER_AREA)
    ph, pw = paper.shape[:2]
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    hom = cv2.getPerspectiveTransform(src, quad)
    page = cv2.warpPerspective(paper, hom, size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    alpha = cv2.warpPerspective(np.ones((ph, pw), np.float32), hom, size,
                                flags=cv2.INTER_LINEAR, borderValue=0)
    return page, alpha


@functools.lru_cache(maxsize=8)
def desk(kind: str, seed: int, clutter: int, size: tuple[int, int]) -> np.ndarray:
    """The desk or mat under the camera, with things lying on it (read-only, cached)."""
    w, h = size
    rng = np.random.default_rng(seed)
    lw, lh = max(8, w // 8), max(6, h // 8)
    yy, xx = np.mgrid[0:lh, 0:lw].astype(np.float32)
    mottle = cv2.resize(rng.standard_normal((6, 8)).astype(np.float32), (lw, lh),
                        interpolation=cv2.INTER_CUBIC)
    base, pattern = _desk_look(kind, rng, xx / lw, yy / lh, mottle)
    low = base[None, None, :] * pattern[..., None]
    img = cv2.resize(low.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    grain = 6.0 if kind in ("wood", "fabric") else 3.0
    img += rng.standard_normal((h, w, 1), dtype=np.float32) * grain
    if kind == "green_mat":  # the cutting mat's grid
        step = max(4, w // 28)
        img[::step, :, :] += 40
        img[:, ::step, :] += 40
    img = np.clip(img, 0, 255).astype(np.uint8)
    for _ in range(clutter):
        _clutter_item(img, rng)
    img.setflags(write=False)
    return img


def _desk_look(kind: str, rng: np.random.Generator, x: np.ndarray, y: np.ndarray,
               mottle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Base BGR colour and a brightness pattern (at low resolution) for a kind of desk."""
    if kind == "wood":
        a = rng.uniform(0, math.pi)
        u = x * math.cos(a) + y * math.sin(a)
        return (np.array([rng.uniform(50, 80), rng.uniform(95, 125), rng.uniform(140, 175)]),
                1 + 0.15 * np.sin(u * rng.uniform(20, 45) + 2.5 * mottle))
    if kind == "fabric":
        colour = rng.uniform(40, 200, 3)
        return colour, 1 + 0.12 * np.sign(np.sin(x * 90) * np.sin(y * 70)) + 0.05 * mottle
    colour = {
        "dark_mat": lambda: np.full(3, rng.uniform(25, 50)),
        "grey_desk": lambda: np.full(3, rng.uniform(120, 170)) + rng.uniform(-8, 8, 3),
        "white_desk": lambda: np.full(3, rng.uniform(196, 226)) + rng.uniform(-4, 4, 3),
        "green_mat": lambda: np.array([rng.uniform(50, 80), rng.uniform(100, 130), 40.0]),
    }[kind]()
    return colour, 1 + 0.04 * mottle


def _clutter_item(img: np.ndarray, rng: np.random.Generator) -> None:
    """A pen, a phone, a sticky note, a coin or a receipt, somewhere on the desk."""
    h, w = img.shape[:2]
    c = (float(rng.uniform(0, w)), float(rng.uniform(0, h)))
    kind = rng.integers(5)
    angle = float(rng.uniform(0, 180))
    colour = tuple(float(v) for v in rng.uniform(0, 255, 3))
    if kind == 0:  # pen
        box = ((c), (0.25 * w, 0.012 * w), angle)
    elif kind == 1:  # phone
        box, colour = ((c), (0.09 * w, 0.18 * w), angle), (30.0, 30.0, 35.0)
    elif kind == 2:  # sticky note
        box, colour = ((c), (0.07 * w, 0.07 * w), angle), (90.0, 230.0, 250.0)
    elif kind == 3:  # receipt: white, paper-like, a decoy
        box, colour = ((c), (0.06 * w, 0.2 * w), angle), (232.0, 232.0, 228.0)
    else:
        cv2.circle(img, (round(c[0]), round(c[1])), round(0.02 * w), (150, 160, 170), -1,
                   cv2.LINE_AA)
        return
    pts = cv2.boxPoints(box).astype(np.int32)
    cv2.fillConvexPoly(img, pts, colour, cv2.LINE_AA)


def _light(scene: Scene, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    w, h = size
    lw, lh = max(8, w // 8), max(6, h // 8)
    yy, xx = np.mgrid[0:lh, 0:lw].astype(np.float32)
    x, y = xx / lw - 0.5, yy / lh - 0.5
    gx, gy = scene.gradient
    field = scene.gain * (1 + gx * x + gy * y) * (1 - scene.vignette * (x * x + y * y) * 2)
    if scene.shadow:
        blob = np.zeros((lh, lw), np.float32)
        centre = (int(rng.uniform(0, lw)), int(rng.uniform(0, lh)))
        axes = (int(rng.uniform(0.2, 0.5) * lw), int(rng.uniform(0.15, 0.4) * lh))
        cv2.ellipse(blob, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        blob = cv2.GaussianBlur(blob, (0, 0), 0.04 * lw)
        field *= 1 - scene.shadow * blob
    return cv2.resize(field, size, interpolation=cv2.INTER_LINEAR)


def _glare(quad: np.ndarray, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A lamp's reflection on glossy paper: a burnt-out spot on the page."""
    w, h = size
    t = rng.uniform(0.3, 0.7, 2)
    top = quad[0] + (quad[1] - quad[0]) * t[0]
    bottom = quad[3] + (quad[2] - quad[3]) * t[0]
    cx, cy = top + (bottom - top) * t[1]
    yy, xx = np.ogrid[0:h, 0:w]
    r = 0.06 * w
    return (260 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))).astype(np.float32)


def _optics(img: np.ndarray, scene: Scene, k: float) -> np.ndarray:
    if scene.blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), scene.blur * k)
    mx, my = scene.motion
    length = math.hypot(mx, my) * k
    if length >= 1:
        n = int(math.ceil(length)) | 1
        kernel = np.zeros((n, n), np.float32)
        c = n // 2
        dx, dy = mx * k / length * c, my * k / length * c
        cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0)
        img = cv2.filter2D(img, -1, kernel / kernel.sum())
    return img
