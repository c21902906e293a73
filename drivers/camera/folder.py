"""A folder of photos as a camera: for a 高拍仪 whose vendor software drops each shot into a
folder, and for trying the pipeline on real photos."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from drivers.base import DeviceGone
from drivers.camera.uvc import fit_preview

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")


class FolderCamera:
    """Photos in a folder shown in turn, each for ``hold`` seconds, as a camera would."""

    def __init__(self, folder: str | Path, fps: float = 25.0, hold: float = 3.0) -> None:
        self.folder = Path(folder)
        self.fps = fps
        self.hold = hold
        self.size = (0, 0)
        self._files: list[Path] = []
        self._started = 0.0
        self._image: tuple[Path, np.ndarray] | None = None

    def open(self) -> None:
        self._files = sorted(p for p in self.folder.iterdir()
                             if p.suffix.lower() in _IMAGE_SUFFIXES) if self.folder.is_dir() else []
        if not self._files:
            raise DeviceGone("camera.not_found", f"no images in {self.folder}")
        self._started = time.monotonic()
        self.size = self._current().shape[1::-1]

    def close(self) -> None:
        self._image = None

    def _current(self) -> np.ndarray:
        i = int((time.monotonic() - self._started) / self.hold) % len(self._files)
        path = self._files[i]
        if self._image is None or self._image[0] != path:
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if img is None:
                raise DeviceGone("camera.gone", f"cannot read {path.name}")
            self._image = (path, img)
        return self._image[1]

    def preview(self) -> np.ndarray:
        time.sleep(1 / self.fps)
        return fit_preview(self._current())

    def still(self) -> np.ndarray:
        return self._current().copy()
