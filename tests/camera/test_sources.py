"""Where frames come from: OpenCV capture (a recorded MJPG video here), a folder of photos,
the simulated camera; and how the largest size is negotiated with a UVC driver."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers.base import DeviceGone
from drivers.camera import FolderCamera, OpenCvCamera, open_camera
from drivers.camera.uvc import enumerate_cameras, negotiate_size, parse_port, preview_size
from sim.camera import SimulatedCamera


def test_video_file_is_read_through_opencv_and_loops(tmp_path):
    path = tmp_path / "desk.avi"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 25, (1280, 960))
    for shade in (40, 120, 200):
        out.write(np.full((960, 1280, 3), shade, np.uint8))
    out.release()
    cam = open_camera(f"file://{path}")
    assert isinstance(cam, OpenCvCamera)
    cam.open()
    try:
        assert cam.size == (1280, 960) and cam.fourcc == "MJPG"
        assert cam.preview().shape[:2] == (960, 1280)  # already preview-sized
        means = [cam.still().mean() for _ in range(7)]
        shades = [min((40, 120, 200), key=lambda v, m=m: abs(v - m)) for m in means]
        assert set(shades) == {40, 120, 200}  # every frame, and round again at the end
        after = {40: 120, 120: 200, 200: 40}
        assert all(after[a] == b for a, b in zip(shades, shades[1:], strict=False))
    finally:
        cam.close()


def test_missing_device_is_gone_with_a_code(tmp_path):
    with pytest.raises(DeviceGone) as e:
        OpenCvCamera(str(tmp_path / "video9")).open()
    assert e.value.code == "camera.not_found"


def test_folder_of_photos(tmp_path):
    for i, shade in enumerate((50, 150)):
        cv2.imwrite(str(tmp_path / f"page{i}.png"), np.full((600, 800, 3), shade, np.uint8))
    cam = open_camera(f"file://{tmp_path}")
    assert isinstance(cam, FolderCamera)
    cam.open()
    assert cam.size == (800, 600) and int(cam.still().mean()) == 50


class _FakeCapture:
    """A UVC driver (unit test of negotiate_size): it grants the mode nearest to the
    requested width × height, by the rule of the Linux uvcvideo driver's try_format."""

    def __init__(self, modes: set[tuple[int, int]]) -> None:
        self.modes, self.want, self.size = modes, [640, 480], (640, 480)

    def set(self, prop: int, value: float) -> bool:
        self.want[0 if prop == cv2.CAP_PROP_FRAME_WIDTH else 1] = int(value)
        w, h = self.want
        self.size = min(self.modes, key=lambda m: w * h + m[0] * m[1]
                        - 2 * min(w, m[0]) * min(h, m[1]))
        return True

    def get(self, prop: int) -> float:
        return self.size[0] if prop == cv2.CAP_PROP_FRAME_WIDTH else self.size[1]


def test_the_largest_granted_size_wins():
    cap = _FakeCapture({(640, 480), (1920, 1080), (2592, 1944)})
    assert negotiate_size(cap) == (2592, 1944)  # type: ignore[arg-type]
    assert cap.size == (2592, 1944)


def test_capture_nodes_are_listed_and_metadata_nodes_skipped(tmp_path):
    nodes = (("video0", "0", "Doc Camera: 5MP"), ("video1", "1", "Doc Camera: 5MP"),
             ("video10", "0", "USB Webcam"))  # video1: the camera's metadata node
    for node, index, name in nodes:
        (tmp_path / node).mkdir()
        (tmp_path / node / "index").write_text(index + "\n")
        (tmp_path / node / "name").write_text(name + "\n")
    found = enumerate_cameras(tmp_path)
    assert [(c.index, c.path, c.name) for c in found] == [
        (0, "/dev/video0", "Doc Camera: 5MP"), (10, "/dev/video10", "USB Webcam")]


def test_ports_and_preview_size():
    assert parse_port("0") == 0 and parse_port("/dev/video2") == "/dev/video2"
    assert parse_port("file:///srv/frames") == "/srv/frames"
    assert preview_size((2592, 1944)) == (1296, 972) and preview_size((1280, 720)) == (1280, 720)


def test_simulated_camera_pages_unplugging_and_back():
    cam = SimulatedCamera(size=(1296, 972), fps=200)
    cam.open()
    empty = cam.preview()
    cam.place("letter")
    moving = cam.preview()  # the hand is still bringing the page in
    while not cam.page_still:
        cam.preview()
    lying = cam.preview()
    assert empty.shape == lying.shape == (972, 1296, 3)
    assert lying.mean() > empty.mean() + 20 and np.abs(lying.astype(int) - moving).mean() > 5
    assert cam.still().shape == (972, 1296, 3)
    cam.unplug()
    with pytest.raises(DeviceGone):
        cam.preview()
    with pytest.raises(DeviceGone):
        cam.open()
    cam.plug()
    cam.open()
    assert cam.preview().shape == lying.shape
    cam.shutdown()
