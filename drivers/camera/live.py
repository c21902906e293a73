"""The live preview: find the page in every frame and decide when it has lain still long
enough to be taken by itself.

``Stillness`` is pure (time is passed in), so its rules are tested without a clock: the page
must be found whole, its corners must stay within a small tolerance and the picture must
not change for ``hold`` seconds. After a capture it waits for something new — the page
taken away, moved, or swapped for another — so one page is not taken twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from drivers.camera.detect import PageDetection, detect_page

HOLD_SECONDS = 1.0
CORNER_TOLERANCE = 0.012  # of the frame diagonal: hand tremor and noise, not a moved page
PICTURE_TOLERANCE = 4.0  # mean grey-level change of a 64×48 thumbnail between frames
NEW_PAGE_CHANGE = 6.0  # thumbnail change from the last capture that means a new page


@dataclass(frozen=True)
class PreviewFrame:
    """One frame for the screen: the picture, the page found in it (preview pixels) and how
    far along the hold is (0..1). ``capture`` is set once, on the frame that completes it."""

    image: np.ndarray
    detection: PageDetection
    progress: float
    capture: bool = False


@dataclass
class Stillness:
    hold: float = HOLD_SECONDS
    armed: bool = True
    _since: float | None = None
    _quad: np.ndarray | None = None
    _thumb: np.ndarray | None = None
    _taken: np.ndarray | None = field(default=None, repr=False)  # thumbnail at the last capture

    def update(self, det: PageDetection, thumb: np.ndarray, diagonal: float,
               now: float) -> tuple[float, bool]:
        """Feed one frame; returns (progress 0..1, capture now)."""
        if det.quad is None:
            self._reset()
            self.armed = True  # the page was taken away: the next one may be taken
            return 0.0, False
        moved = self._quad is None or float(
            np.abs(det.quad - self._quad).max()) > CORNER_TOLERANCE * diagonal
        changed = self._thumb is None or _change(thumb, self._thumb) > PICTURE_TOLERANCE
        self._thumb = thumb
        if moved or changed:
            self._quad = det.quad
            self._since = now
            if self._taken is not None and _change(thumb, self._taken) > NEW_PAGE_CHANGE:
                self.armed = True  # a different page where the last one lay
            return 0.0, False
        assert self._since is not None
        progress = min(1.0, (now - self._since) / self.hold) if self.armed else 0.0
        if progress >= 1.0:
            self.armed = False
            self._taken = thumb
            return 1.0, True
        return progress, False

    def captured(self, thumb: np.ndarray | None = None) -> None:
        """A page was taken by hand: wait for something new before taking one by itself."""
        self.armed = False
        self._taken = thumb if thumb is not None else self._thumb

    def _reset(self) -> None:
        self._since = None
        self._quad = None
        self._thumb = None


def thumbnail(frame: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    return cv2.resize(grey, (64, 48), interpolation=cv2.INTER_AREA).astype(np.float32)


def _change(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


class LivePreview:
    """Detection and stillness over a stream of preview frames."""

    def __init__(self, hold: float = HOLD_SECONDS) -> None:
        self.stillness = Stillness(hold=hold)

    def update(self, frame: np.ndarray, now: float) -> PreviewFrame:
        det = detect_page(frame, refine=False)
        h, w = frame.shape[:2]
        progress, capture = self.stillness.update(det, thumbnail(frame), float(np.hypot(w, h)),
                                                  now)
        return PreviewFrame(frame, det, progress, capture)
