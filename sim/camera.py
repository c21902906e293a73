"""A camera without a camera: a simulated 高拍仪 over a desk.

``SimulatedCamera`` plays a citizen at a document camera: a page slides in (blurred by the
motion), lies still, is taken away; the next comes. In ``auto`` mode it does so by itself
through a fixed list of papers, for demos; the first ``place`` or ``remove`` (a test, the
simulator panel) takes over from it. Frames are paced to the camera's frame
rate like a real capture and rendered from seeded scenes, so a run is repeatable.
"""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import cv2
import numpy as np

from drivers.base import DeviceGone
from drivers.camera.uvc import preview_size
from sim.scene import Pose, Scene, render

AUTO_PAPERS = ("letter", "form", "idcard_front", "idcard_back")
_SLIDE_FRAMES = 12  # a hand putting a page down takes about half a second
_STILL_FRAMES = 90  # auto mode: how long a page lies still (enough to be taken)
_EMPTY_FRAMES = 25


def default_pose(paper: str, index: int = 0) -> Pose:
    """Where a citizen puts this paper: centred, a little crooked, cards smaller."""
    turn = (-4.0, 3.0, -2.0, 5.0)[index % 4]
    if paper.startswith("idcard"):
        return Pose(scale=0.34, rz=turn, rx=2.0, ry=-3.0, cx=0.5, cy=0.52)
    return Pose(scale=0.86, rz=turn, rx=3.0, ry=-2.0, cx=0.5, cy=0.5)


class SimulatedCamera:
    def __init__(self, seed: int = 0, size: tuple[int, int] = (2592, 1944), fps: float = 25.0,
                 background: str = "dark_mat", auto: bool = False) -> None:
        self.size = size
        self.fps = fps
        self.background = background
        self.seed = seed
        self.auto = auto
        self._lock = threading.Lock()
        self._plugged = True
        self._open = False
        self._scene: Scene | None = None  # the page lying still, or None: empty desk
        self._slide = 0  # frames of movement left before the page lies still
        self._frame = 0
        self._next_at = 0.0
        self._placed = 0
        # The full-resolution still of the page lying there, rendered in the background as
        # soon as it is placed: rendering takes about a second, a real camera no time.
        self._renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-camera")
        self._still: Future[np.ndarray] | None = None

    # --- what the citizen (or a test) does -------------------------------------------
    def place(self, paper: str, pose: Pose | None = None, paper_seed: int | None = None,
              glare: bool = False) -> None:
        with self._lock:
            self.auto = False
            self._place(paper, pose, paper_seed, glare)

    def _place(self, paper: str, pose: Pose | None = None, paper_seed: int | None = None,
               glare: bool = False) -> None:
        self._placed += 1
        self._scene = Scene(
            paper=paper, pose=pose or default_pose(paper, self._placed),
            paper_seed=self._placed if paper_seed is None else paper_seed,
            background=self.background, seed=self.seed, clutter=1, gain=0.95,
            gradient=(0.12, -0.08), vignette=0.15, glare=glare, blur=0.4, noise=2.0)
        self._slide = _SLIDE_FRAMES
        self._still = self._renderer.submit(_still_frame, self._scene, self.size)

    def remove(self) -> None:
        with self._lock:
            self.auto = False
            self._scene = None
            self._slide = 0

    def unplug(self) -> None:
        with self._lock:
            self._plugged = False

    def plug(self) -> None:
        with self._lock:
            self._plugged = True

    @property
    def page_still(self) -> bool:
        with self._lock:
            return self._scene is not None and self._slide == 0

    # --- the Camera protocol ---------------------------------------------------------
    def open(self) -> None:
        with self._lock:
            if not self._plugged:
                raise DeviceGone("camera.not_found", "simulated camera unplugged")
            self._open = True
            self._next_at = time.monotonic()

    def close(self) -> None:
        self._open = False

    def shutdown(self) -> None:
        """Stop the background renderer (the kiosk is closing)."""
        self._renderer.shutdown(wait=False, cancel_futures=True)

    def preview(self) -> np.ndarray:
        self._pace()
        with self._lock:
            self._check()
            self._frame += 1
            if self.auto:
                self._auto_step()
            if self._slide:
                self._slide -= 1
            scene, moving = self._view()
        small = preview_size(self.size)
        if scene is None:
            return _noisy(_empty_desk(self.background, self.seed, small), self._frame)
        if moving:
            # A moving page is a blur anyway: rendered at half size, quick enough for 25 fps.
            frame, _ = render(replace(scene, noise=0.0), (small[0] // 2, small[1] // 2))
            return cv2.resize(frame, small, interpolation=cv2.INTER_LINEAR)
        return _noisy(_still_frame(scene, small), self._frame)

    def still(self) -> np.ndarray:
        with self._lock:
            self._check()
            scene, moving = self._view()
            ready = self._still
        if scene is None:
            return _empty_desk(self.background, self.seed, self.size).copy()
        if moving or ready is None:
            return render(scene, self.size)[0]
        return ready.result().copy()

    # --- inside ------------------------------------------------------------------------
    def _check(self) -> None:
        if not self._plugged:
            self._open = False
            raise DeviceGone("camera.gone", "simulated camera unplugged")
        if not self._open:
            raise DeviceGone("camera.gone", "simulated camera not open")

    def _pace(self) -> None:
        """Block until the next frame is due, as a real camera's read does."""
        now = time.monotonic()
        self._next_at = max(self._next_at + 1 / self.fps, now - 1 / self.fps)
        if self._next_at > now:
            time.sleep(self._next_at - now)

    def _view(self) -> tuple[Scene | None, bool]:
        """The scene now, and whether the page is still moving (then: where it is now)."""
        scene = self._scene
        if scene is None or self._slide == 0:
            return scene, False
        left = self._slide / _SLIDE_FRAMES  # → 0 as the page arrives
        p = scene.pose
        pose = replace(p, cx=p.cx + 0.6 * left, rz=p.rz + 12 * left)
        streak = 0.6 * 1000 / _SLIDE_FRAMES / 2  # px at the reference width, half a frame
        return replace(scene, pose=pose, motion=(streak, 0.0)), True

    def _auto_step(self) -> None:
        cycle = _EMPTY_FRAMES + _SLIDE_FRAMES + _STILL_FRAMES
        phase = self._frame % cycle
        if phase == _EMPTY_FRAMES:
            n = self._frame // cycle
            self._place(AUTO_PAPERS[n % len(AUTO_PAPERS)])
        elif phase == 0:
            self._scene = None


@functools.lru_cache(maxsize=6)
def _still_frame(scene: Scene, size: tuple[int, int]) -> np.ndarray:
    frame, _ = render(scene, size)
    frame.setflags(write=False)
    return frame


@functools.lru_cache(maxsize=2)
def _empty_desk(background: str, seed: int, size: tuple[int, int]) -> np.ndarray:
    scene = Scene(paper="blank", pose=Pose(scale=0.01, cx=-5.0), background=background,
                  seed=seed, clutter=1, gain=0.95, gradient=(0.12, -0.08), vignette=0.15)
    frame, _ = render(scene, size)
    frame.setflags(write=False)
    return frame


@functools.lru_cache(maxsize=2)
def _noise_bank(shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(7)
    return tuple((rng.standard_normal(shape) * 2.0).astype(np.int16) for _ in range(4))


def _noisy(frame: np.ndarray, n: int) -> np.ndarray:
    """Fresh sensor noise on every frame (from a small bank: drawing it anew is too slow)."""
    noise = _noise_bank(frame.shape)[n % 4]
    return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
