"""Document camera (高拍仪): capture, find the page, straighten it, check it, make the PDF.

``uvc`` reads UVC cameras and video files through OpenCV, ``folder`` a folder of photos (the
simulated camera is in the development tree, ``sim/camera.py``); ``detect`` finds
the page, ``live`` the moment it lies still, ``enhance`` straightens and cleans it,
``quality`` holds the gates, ``scan`` runs them on a still and ``output`` writes JPEG / PDF.
Everything here is pure numpy / OpenCV, without Qt.
"""

from __future__ import annotations

from pathlib import Path

from drivers.camera.folder import FolderCamera
from drivers.camera.uvc import Camera, OpenCvCamera, parse_port


def open_camera(port: str, simulator: Camera | None = None) -> Camera:
    """The camera for a configured port (not yet opened): "sim" needs the simulator."""
    if port == "sim":
        if simulator is None:
            raise ValueError("port 'sim' needs the simulated camera")
        return simulator
    source = parse_port(port)
    if isinstance(source, str) and Path(source).is_dir():
        return FolderCamera(source)
    return OpenCvCamera(source)


__all__ = ["Camera", "FolderCamera", "OpenCvCamera", "open_camera"]
