"""Camera frames of a sheet of paper on a desk, with the page's true corners.

A ``Scene`` holds every random choice (paper, pose in 3-D, background, clutter, light,
shadow, glare, optics, motion, noise), all drawn from one seeded generator, so a frame can
be rendered again at any size and comes out the same. The page is a real plane seen by a
pin-hole camera looking down, so its outline is the perspective quadrilateral a document
camera sees, and the corners returned are exact: the benchmark's ground truth.

What real desks add is modelled too, each off by default: cast shadows with a penumbra
(a hand, a phone held over the desk, the camera's own arm) lying over and beside the page,
strong full-resolution wood grain and woven fabric, a desk as white as the paper, a glossy
card's specular streak, paper that curls (its edges bow, corners stay) or was crumpled
(creases shade it), dim light with more noise and strong colour casts.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from sim.paper import render_paper

BACKGROUNDS = ("dark_mat", "wood", "grey_desk", "white_desk", "green_mat", "fabric")
# A white laminate desk as white as the paper on it (the hardest desk there is).
PAPER_WHITE_DESK = "paper_white"
CASTS = ("hand", "phone", "arm")
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
    # What real desks add (all off by default, so older scenes render as they did):
    casts: tuple[str, ...] = ()  # cast shadows over / beside the page, of CASTS
    cast_depth: float = 0.45  # how much light a cast shadow takes away
    grain: float = 0.0  # full-resolution wood grain / fabric weave, 0..1
    gloss: float = 0.0  # a glossy card's specular streak, 0..1
    curl: float = 0.0  # edges bowed by this share of the page's long side, corners stay
    crumple: float = 0.0  # crease shading of a crumpled sheet, 0..1
    receipts: bool = True  # clutter may include a white receipt (a paper-like decoy)


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
    """A plausible frame: mostly straight pages, some turned, tilted up to 12°, any desk.

    ``cut_off``: the page runs clearly off the frame (a corner at least 2 % of the frame
    beyond an edge); otherwise it lies wholly inside, every corner at least 1.5 % in.
    """
    paper = str(rng.choice(papers or ("letter", "letter", "form", "form", "idcard_front",
                                      "idcard_back", "photo", "blank")))
    card = paper.startswith("idcard")
    rz = rng.uniform(-25, 25) + (rng.choice([90, 180, -90]) if rng.random() < 0.15 else 0)
    for _ in range(200):
        pose = Pose(scale=rng.uniform(0.25, 0.5) if card else rng.uniform(0.62, 0.95),
                    rz=rz, rx=rng.uniform(-12, 12), ry=rng.uniform(-12, 12),
                    cx=rng.uniform(0.2, 0.8), cy=rng.uniform(0.2, 0.8))
        quad = page_quad(Scene(paper, pose), (1000, 750))
        ok = (not in_view(quad, (1000, 750), margin=-0.02) if cut_off
              else in_view(quad, (1000, 750)))
        if ok and _visible_share(quad, (1000, 750)) > 0.6:
            break
    else:
        if cut_off:  # a small card rarely runs off at random: slide it over the nearest edge
            pose = _off_the_edge(Scene(paper, pose), (1000, 750))
    background = str(rng.choice((*BACKGROUNDS, PAPER_WHITE_DESK)))
    dim = rng.random() < 0.2
    cast_tint = rng.random() < 0.3
    casts = tuple(str(c) for c in rng.choice(CASTS, size=int(rng.integers(1, 3)),
                                             replace=False)) if rng.random() < 0.5 else ()
    curl = rng.uniform(0.002, 0.008) if not card and rng.random() < 0.3 else 0.0
    crumple = rng.uniform(0.3, 1.0) if not card and rng.random() < 0.15 else 0.0
    return Scene(
        paper=paper, pose=pose, paper_seed=int(rng.integers(1 << 16)),
        background=background, seed=int(rng.integers(1 << 30)),
        clutter=int(rng.integers(0, 6)),
        gain=rng.uniform(0.35, 0.6) if dim else rng.uniform(0.75, 1.08),
        gradient=(rng.uniform(-0.35, 0.35), rng.uniform(-0.35, 0.35)),
        vignette=rng.uniform(0, 0.35), shadow=rng.uniform(0.2, 0.5) if rng.random() < 0.4 else 0,
        tint=((rng.uniform(-0.25, 0.25), rng.uniform(-0.25, 0.25)) if cast_tint
              else (rng.uniform(-0.06, 0.06), rng.uniform(-0.06, 0.06))),
        glare=False, blur=rng.uniform(0.3, 1.0),
        motion=tuple(rng.uniform(-4, 4, 2)) if rng.random() < 0.25 else (0.0, 0.0),
        noise=rng.uniform(4, 9) if dim else rng.uniform(1.5, 5),
        jpeg=int(rng.integers(75, 95)) if rng.random() < 0.5 else 0,
        casts=casts, cast_depth=rng.uniform(0.25, 0.6),
        grain=rng.uniform(0.5, 1.0) if background in ("wood", "fabric") else 0.0,
        gloss=rng.uniform(0.4, 1.0) if card and rng.random() < 0.5 else 0.0,
        curl=curl, crumple=crumple,
    )


def _off_the_edge(scene: Scene, size: tuple[int, int]) -> Pose:
    """The scene's pose slid (no new random draws) towards the frame's edge nearest the
    page until a corner lies at least 2 % of the frame beyond it."""
    pose = scene.pose
    quad = page_quad(scene, size)
    w, h = size
    gaps = {("cx", -1): quad[:, 0].min() / w, ("cx", 1): 1 - quad[:, 0].max() / w,
            ("cy", -1): quad[:, 1].min() / h, ("cy", 1): 1 - quad[:, 1].max() / h}
    (axis, sign), _ = min(gaps.items(), key=lambda kv: kv[1])
    for _ in range(200):
        if not in_view(page_quad(replace(scene, pose=pose), size), size, margin=-0.02):
            break
        pose = replace(pose, **{axis: getattr(pose, axis) + sign * 0.005})
    return pose


def random_empty_scene(rng: np.random.Generator) -> Scene:
    """A desk with no paper on it: clutter (no receipt), cast shadows, any light."""
    scene = random_scene(rng)
    return replace(scene, pose=Pose(scale=0.01, cx=-5.0), receipts=False,
                   clutter=int(rng.integers(0, 6)),
                   casts=tuple(str(c) for c in rng.choice(CASTS, size=int(rng.integers(0, 3)),
                                                          replace=False)))


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
    img = desk(scene.background, scene.seed, scene.clutter, size, scene.grain,
               scene.receipts).astype(np.float32)
    page, alpha = _warp_paper(scene, quad, size)
    # The sheet lifts a little off the desk: a soft shadow along its edges.
    drop = cv2.GaussianBlur(alpha, (0, 0), 2.5 * k)
    drop = np.roll(drop, (round(2 * k), round(3 * k)), axis=(0, 1))
    img *= (1 - 0.35 * drop * (1 - alpha))[..., None]
    img = img * (1 - alpha[..., None]) + page * alpha[..., None]
    img *= _light(scene, size, rng)[..., None]
    if scene.casts:
        img *= _cast_shadows(scene, quad, size)[..., None]
    img *= np.array([1 + scene.tint[0], 1.0, 1 + scene.tint[1]], np.float32)
    if scene.glare:
        img += _glare(quad, size, rng)[..., None]
    if scene.gloss > 0:
        img += (_gloss(scene, quad, size) * alpha)[..., None]
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
    sheet = np.ones((ph, pw), np.float32)
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    if scene.curl > 0 or scene.crumple > 0:
        paper, sheet, pad = _deform(paper, scene)
        src += pad
    hom = cv2.getPerspectiveTransform(src, quad)
    page = cv2.warpPerspective(paper, hom, size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    alpha = cv2.warpPerspective(sheet, hom, size, flags=cv2.INTER_LINEAR, borderValue=0)
    return page, alpha


def _deform(paper: np.ndarray, scene: Scene) -> tuple[np.ndarray, np.ndarray, int]:
    """A curled or crumpled sheet, in its own (padded) texture: each edge bows in or out
    by up to ``curl`` of the long side while the corners stay put, and creases shade the
    facets of a crumpled sheet. Returns the texture, its coverage and the padding."""
    rng = np.random.default_rng((scene.paper_seed, scene.seed, 7))
    ph, pw = paper.shape[:2]
    long_side = max(ph, pw)
    bow = (scene.curl + 0.003 * scene.crumple) * long_side
    pad = int(math.ceil(bow)) + 2
    tex = cv2.copyMakeBorder(paper, pad, pad, pad, pad, cv2.BORDER_REPLICATE).astype(np.float32)
    cover = cv2.copyMakeBorder(np.ones((ph, pw), np.float32), pad, pad, pad, pad,
                               cv2.BORDER_CONSTANT, value=0)
    hh, ww = cover.shape
    yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
    u = np.clip((xx - pad) / pw, 0, 1)
    v = np.clip((yy - pad) / ph, 0, 1)
    left, right, top, bottom = rng.uniform(-1, 1, 4) * bow
    # Half a sine along each edge (corners fixed); a crumpled edge wobbles as well.
    along_v = np.sin(np.pi * v) + scene.crumple * 0.4 * np.sin(3 * np.pi * v + rng.uniform(0, 6))
    along_u = np.sin(np.pi * u) + scene.crumple * 0.4 * np.sin(3 * np.pi * u + rng.uniform(0, 6))
    along_v *= np.clip(np.sin(np.pi * v), 0, 1) ** 0.3
    along_u *= np.clip(np.sin(np.pi * u), 0, 1) ** 0.3
    dx = ((1 - u) * left + u * right) * along_v
    dy = ((1 - v) * top + v * bottom) * along_u
    map_x, map_y = (xx - dx).astype(np.float32), (yy - dy).astype(np.float32)
    tex = cv2.remap(tex, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    cover = cv2.remap(cover, map_x, map_y, cv2.INTER_LINEAR, borderValue=0)
    shade = np.ones((hh, ww), np.float32)
    if scene.curl > 0:  # a lifted edge turns a little from the light
        edge = rng.integers(4)
        ramp = (u, 1 - u, v, 1 - v)[edge]
        shade *= 1 - 0.12 * scene.curl / 0.008 * np.clip((ramp - 0.85) / 0.15, 0, 1)
    for _ in range(int(6 * scene.crumple) + 2 if scene.crumple > 0 else 0):
        # A crease: the facets on either side catch the light differently.
        a = rng.uniform(0, math.pi)
        cx, cy = rng.uniform(0.1, 0.9) * ww, rng.uniform(0.1, 0.9) * hh
        d = (xx - cx) * math.cos(a) + (yy - cy) * math.sin(a)
        step = rng.uniform(0.03, 0.09) * scene.crumple
        shade *= 1 - step * (0.5 + 0.5 * np.tanh(d / 2.0))
        shade *= 1 - 0.15 * scene.crumple * np.exp(-(d / 1.5) ** 2)
    tex *= shade[..., None]
    return np.clip(tex, 0, 255).astype(np.uint8), cover, pad


@functools.lru_cache(maxsize=8)
def desk(kind: str, seed: int, clutter: int, size: tuple[int, int], grain: float = 0.0,
         receipts: bool = True) -> np.ndarray:
    """The desk or mat under the camera, with things lying on it (read-only, cached).
    ``grain`` adds full-resolution wood grain or fabric weave."""
    w, h = size
    rng = np.random.default_rng(seed)
    lw, lh = max(8, w // 8), max(6, h // 8)
    yy, xx = np.mgrid[0:lh, 0:lw].astype(np.float32)
    mottle = cv2.resize(rng.standard_normal((6, 8)).astype(np.float32), (lw, lh),
                        interpolation=cv2.INTER_CUBIC)
    base, pattern = _desk_look(kind, rng, xx / lw, yy / lh, mottle)
    low = base[None, None, :] * pattern[..., None]
    img = cv2.resize(low.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    if grain > 0 and kind in ("wood", "fabric"):
        tex_rng = np.random.default_rng((seed, 11))
        texture = _wood_grain if kind == "wood" else _weave
        img *= texture(tex_rng, size, grain)[..., None]
    noise = 6.0 if kind in ("wood", "fabric") else 3.0
    img += rng.standard_normal((h, w, 1), dtype=np.float32) * noise
    if kind == "green_mat":  # the cutting mat's grid
        step = max(4, w // 28)
        img[::step, :, :] += 40
        img[:, ::step, :] += 40
    img = np.clip(img, 0, 255).astype(np.uint8)
    for _ in range(clutter):
        _clutter_item(img, rng, receipts)
    img.setflags(write=False)
    return img


def _wood_grain(rng: np.random.Generator, size: tuple[int, int], strength: float) -> np.ndarray:
    """Brightness of wood grain: dark late-wood lines and streaks of every width running
    one way, wavering, at full resolution (a factor around 1)."""
    w, h = size
    k = w / _REF_WIDTH
    a = rng.uniform(0, math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    waver = cv2.resize(rng.standard_normal((4, 5)).astype(np.float32), (w, h),
                       interpolation=cv2.INTER_CUBIC) * 25 * k
    u = xx * math.cos(a) + yy * math.sin(a) + waver
    u -= u.min()
    n = int(u.max()) + 2
    profile = np.zeros(n, np.float32)
    for period, amp in ((2.5, 0.35), (6, 0.5), (15, 0.6), (40, 0.5), (120, 0.4)):
        p = period * k
        noise = rng.standard_normal(int(n / p) + 4).astype(np.float32)
        profile += amp * np.interp(np.arange(n) / p, np.arange(len(noise)), noise)
    rings = np.zeros(n, np.float32)
    pos = 0.0
    while pos < n:  # late wood: thin dark lines every so often
        pos += rng.uniform(8, 40) * k
        i = int(pos)
        if i < n:
            rings[i] = 1.0
    rings = np.convolve(rings, np.hanning(max(3, int(rng.uniform(2, 5) * k)) | 1), mode="same")
    profile = 0.09 * profile / max(1e-6, float(profile.std())) - 0.3 * rings
    field = profile[u.astype(np.int32)]
    return (1 + strength * field).astype(np.float32)


def _weave(rng: np.random.Generator, size: tuple[int, int], strength: float) -> np.ndarray:
    """Brightness of woven cloth: warp and weft threads a few pixels apart crossing in a
    plain weave, each thread a little lighter or darker, and soft folds."""
    w, h = size
    k = w / _REF_WIDTH
    period = rng.uniform(3.0, 7.0) * k
    a = rng.uniform(0, math.pi / 2)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    s = (xx * math.cos(a) + yy * math.sin(a)) / period
    t = (-xx * math.sin(a) + yy * math.cos(a)) / period
    warp_thread = np.sin(np.pi * s) ** 2
    weft_thread = np.sin(np.pi * t) ** 2
    over = ((np.floor(s) + np.floor(t)) % 2).astype(bool)
    cloth = np.where(over, warp_thread, weft_thread)
    tone_s = rng.normal(0, 0.35, int(np.abs(s).max()) + 3)
    tone_t = rng.normal(0, 0.35, int(np.abs(t).max()) + 3)
    si, ti = np.abs(s).astype(np.int32), np.abs(t).astype(np.int32)
    cloth = cloth + np.where(over, tone_s[si], tone_t[ti])
    folds = cv2.resize(rng.standard_normal((3, 4)).astype(np.float32), (w, h),
                       interpolation=cv2.INTER_CUBIC)
    return (1 + strength * (0.25 * (cloth - 0.5) + 0.08 * folds)).astype(np.float32)


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
        PAPER_WHITE_DESK: lambda: np.full(3, rng.uniform(228, 246)) + rng.uniform(-3, 3, 3),
        "green_mat": lambda: np.array([rng.uniform(50, 80), rng.uniform(100, 130), 40.0]),
    }[kind]()
    return colour, 1 + 0.04 * mottle


def _clutter_item(img: np.ndarray, rng: np.random.Generator, receipts: bool = True) -> None:
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
    elif kind == 3 and receipts:  # receipt: white, paper-like, a decoy
        box, colour = ((c), (0.06 * w, 0.2 * w), angle), (232.0, 232.0, 228.0)
    elif kind == 3:  # a dark wallet instead
        box, colour = ((c), (0.1 * w, 0.08 * w), angle), (40.0, 50.0, 70.0)
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


def _gloss(scene: Scene, quad: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A glossy card's reflection of the lamp: a bright streak across it, burnt out in
    its middle, that may wash out part of the card's edge."""
    w, h = size
    rng = np.random.default_rng((scene.seed, 13))
    centre = quad.mean(axis=0) + (quad[rng.integers(4)] - quad.mean(axis=0)) * rng.uniform(0, 0.9)
    diag = float(np.linalg.norm(quad[0] - quad[2]))
    a = rng.uniform(0, math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    across = (xx - centre[0]) * math.cos(a) + (yy - centre[1]) * math.sin(a)
    along = -(xx - centre[0]) * math.sin(a) + (yy - centre[1]) * math.cos(a)
    width, length = rng.uniform(0.04, 0.12) * diag, rng.uniform(0.3, 0.8) * diag
    streak = np.exp(-0.5 * (across / width) ** 2 - 0.5 * (along / length) ** 2)
    return (scene.gloss * 230 * streak).astype(np.float32)


def _cast_shadows(scene: Scene, quad: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Light left by the things between the lamp and the desk: a hand reaching in, a
    phone held up, the camera's own arm; each placed over one of the page's edges, with
    a penumbra as wide as the thing is high above the desk."""
    w, h = size
    k = w / _REF_WIDTH
    rng = np.random.default_rng((scene.seed, 17))
    field = np.ones((h, w), np.float32)
    for kind in scene.casts:
        mask = np.zeros((h, w), np.float32)
        i = int(rng.integers(4))
        t = rng.uniform(0.2, 0.8)
        on_edge = quad[i] + (quad[(i + 1) % 4] - quad[i]) * t  # a point on a page edge
        outward = on_edge - quad.mean(axis=0)
        outward /= max(1e-6, float(np.linalg.norm(outward)))
        anchor = on_edge + outward * rng.uniform(-0.08, 0.08) * w
        if kind == "hand":
            _hand(mask, anchor, outward, w, rng)
            penumbra = rng.uniform(4, 10)
        elif kind == "phone":
            box = (tuple(map(float, anchor)), (0.08 * w, 0.16 * w), float(rng.uniform(0, 180)))
            cv2.fillConvexPoly(mask, cv2.boxPoints(box).astype(np.int32), 1.0, cv2.LINE_AA)
            penumbra = rng.uniform(3, 9)
        else:  # the arm comes in from the frame's far edge, the head hangs over the page
            _arm(mask, anchor, w, h, rng)
            penumbra = rng.uniform(2, 6)
        mask = cv2.GaussianBlur(mask, (0, 0), penumbra * k)
        field *= 1 - scene.cast_depth * rng.uniform(0.7, 1.0) * mask
    return field


def _hand(mask: np.ndarray, palm: np.ndarray, outward: np.ndarray, w: int,
          rng: np.random.Generator) -> None:
    """A hand's silhouette: palm, four fingers and a thumb reaching towards the page, the
    forearm back to the frame's edge."""
    inward = -outward
    side = np.array([-inward[1], inward[0]])
    r = rng.uniform(0.045, 0.065) * w
    angle = float(np.degrees(np.arctan2(inward[1], inward[0])))
    cv2.ellipse(mask, tuple(np.round(palm).astype(int)), (round(r), round(0.8 * r)), angle,
                0, 360, 1.0, -1, cv2.LINE_AA)
    for j, length in enumerate((1.4, 1.6, 1.5, 1.2)):
        base = palm + inward * 0.7 * r + side * (j - 1.5) * 0.42 * r
        tip = base + inward * length * r
        cv2.line(mask, tuple(np.round(base).astype(int)), tuple(np.round(tip).astype(int)),
                 1.0, max(2, round(0.32 * r)), cv2.LINE_AA)
    thumb = palm + side * 0.9 * r
    cv2.line(mask, tuple(np.round(thumb).astype(int)),
             tuple(np.round(thumb + (side + inward) * 0.8 * r).astype(int)), 1.0,
             max(2, round(0.35 * r)), cv2.LINE_AA)
    elbow = palm + outward * 3 * w
    cv2.line(mask, tuple(np.round(palm).astype(int)), tuple(np.round(elbow).astype(int)),
             1.0, max(3, round(1.3 * r)), cv2.LINE_AA)


def _arm(mask: np.ndarray, head: np.ndarray, w: int, h: int, rng: np.random.Generator) -> None:
    """The document camera's arm and head: a straight band from the frame's edge."""
    edge = int(rng.integers(4))
    start = [np.array([head[0], -h]), np.array([2 * w, head[1]]), np.array([head[0], 2 * h]),
             np.array([-w, head[1]])][edge] + rng.uniform(-0.2, 0.2, 2) * w
    width = rng.uniform(0.04, 0.08) * w
    cv2.line(mask, tuple(np.round(start).astype(int)), tuple(np.round(head).astype(int)), 1.0,
             max(3, round(width)), cv2.LINE_AA)
    d = head - start
    box = (tuple(map(float, head)), (0.14 * w, 0.09 * w),
           float(np.degrees(np.arctan2(d[1], d[0]))))
    cv2.fillConvexPoly(mask, cv2.boxPoints(box).astype(np.int32), 1.0, cv2.LINE_AA)


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
