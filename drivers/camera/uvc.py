"""UVC document cameras through OpenCV, and frames from a video file the same way.

Most 高拍仪 are plain UVC cameras (docs PROTOCOLS.md §5). Over USB 2.0 a 5 MP stream is only
usable as MJPG, and many drivers keep the pixel format they had when the size is set, so
MJPG is asked for first and the size after. The largest size is found by asking for each
of the usual ones and reading back what the driver granted. The stream runs at full
resolution: the preview is a shrunk copy of the newest frame and a still is the next full
frame, so no mode switch (which takes a second on many cameras) is needed to take a page.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from drivers.base import DeviceError, DeviceGone, DeviceTimeout

log = logging.getLogger(__name__)

# Largest first: 8 MP and 5 MP document cameras, then common webcam sizes.
CANDIDATE_SIZES = ((3264, 2448), (2592, 1944), (2048, 1536), (1920, 1080), (1600, 1200),
                   (1280, 960), (1280, 720), (640, 480))
PREVIEW_LONG_SIDE = 1280  # about what the screen shows; halves a 5 MP frame
OPEN_TIMEOUT_MS = 5000
READ_TIMEOUT_MS = 3000
_SYSFS = Path("/sys/class/video4linux")


class Camera(Protocol):
    """What the kiosk needs of a camera; UVC, video file and simulator all provide it."""

    size: tuple[int, int]  # full-resolution (w, h)

    def open(self) -> None: ...
    def close(self) -> None: ...
    def preview(self) -> np.ndarray: ...  # newest frame, long side ≤ PREVIEW_LONG_SIDE
    def still(self) -> np.ndarray: ...  # a fresh frame at full resolution


@dataclass(frozen=True)
class CameraInfo:
    index: int
    path: str
    name: str


def enumerate_cameras(sysfs: Path = _SYSFS) -> list[CameraInfo]:
    """Video capture nodes on Linux (a UVC camera also has a metadata node: skipped)."""
    found = []
    for node in sorted(sysfs.glob("video*"), key=lambda p: int(p.name[5:] or 0)):
        if (node / "index").exists() and (node / "index").read_text().strip() != "0":
            continue
        name = (node / "name").read_text().strip() if (node / "name").exists() else "?"
        found.append(CameraInfo(int(node.name[5:]), f"/dev/{node.name}", name))
    return found


def _backend(source: int | str) -> int:
    if isinstance(source, str) and not source.startswith("/dev/"):
        return cv2.CAP_ANY  # a video file
    return cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY


def preview_size(size: tuple[int, int]) -> tuple[int, int]:
    """The preview of a (w, h) frame: shrunk by a whole factor (OpenCV's fast area path)."""
    factor = max(1, round(max(size) / PREVIEW_LONG_SIDE))
    return size[0] // factor, size[1] // factor


def fit_preview(frame: np.ndarray) -> np.ndarray:
    size = preview_size((frame.shape[1], frame.shape[0]))
    if size[0] == frame.shape[1]:
        return frame
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


class OpenCvCamera:
    """A UVC camera (index or /dev path) or a video file, read with cv2.VideoCapture."""

    def __init__(self, source: int | str) -> None:
        self.source = source
        self.cap: cv2.VideoCapture | None = None
        self.size = (0, 0)
        self._last: np.ndarray | None = None

    @property
    def is_file(self) -> bool:
        return isinstance(self.source, str) and not self.source.startswith("/dev/")

    def open(self) -> None:
        if isinstance(self.source, str) and not os.path.exists(self.source):
            raise DeviceGone("camera.not_found", f"{self.source} does not exist")
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS,
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS]
        cap = cv2.VideoCapture(self.source, _backend(self.source), params)
        if not cap.isOpened():
            raise DeviceGone("camera.not_found", f"cannot open camera {self.source!r}")
        self.cap = cap
        if not self.is_file:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
            self.size = negotiate_size(cap)
        frame = self._read()
        self.size = (frame.shape[1], frame.shape[0])
        log.info("camera %s open: %dx%d %s", self.source, *self.size, self.fourcc)

    @property
    def fourcc(self) -> str:
        if self.cap is None:
            return ""
        code = int(self.cap.get(cv2.CAP_PROP_FOURCC))
        return "".join(chr((code >> 8 * i) & 0xFF) for i in range(4)).strip("\0")

    def close(self) -> None:
        if self.cap is not None:
            self.cap.release()
        self.cap = None
        self._last = None

    def _read(self) -> np.ndarray:
        if self.cap is None:
            raise DeviceGone("camera.gone", "camera not open")
        ok, frame = self.cap.read()
        if not ok and self.is_file:  # a video file loops, like a camera that keeps going
            self.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self.cap.read()
        if not ok or frame is None:
            # V4L2 gives up after READ_TIMEOUT_MS; an unplugged camera fails at once.
            raise DeviceTimeout("camera.gone", f"no frame from camera {self.source!r}")
        self._last = frame
        return frame

    def preview(self) -> np.ndarray:
        return fit_preview(self._read())

    def still(self) -> np.ndarray:
        return self._read()


def negotiate_size(cap: cv2.VideoCapture) -> tuple[int, int]:
    """Ask for each candidate size, largest first; keep the largest the driver grants."""
    best = (0, 0)
    for w, h in CANDIDATE_SIZES:
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, w)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, h)
        got = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        if got[0] * got[1] > best[0] * best[1]:
            best = got
        if got == (w, h):
            break  # granted exactly: every smaller candidate is smaller
    if best != (0, 0):
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, best[0])
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, best[1])
    return best


def parse_port(port: str) -> int | str:
    """A configured camera port: "0" → index 0; "/dev/video2" or a file path as is."""
    if port.isdigit():
        return int(port)
    if port.startswith("file://"):
        return port.removeprefix("file://")
    if port.startswith("/dev/"):
        return port
    raise DeviceError("camera.bad_port", f"not a camera port: {port!r}")
