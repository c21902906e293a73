"""视频咨询 with a face camera of its own (``remote_help.camera``): the staff see it, the
citizen sees it small, and the document camera is left alone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.gui.conftest import tap
from tests.gui.test_video_help import MON_10, StaffSide, _at, _staff, loopback_only, speakers

__all__ = ["loopback_only", "speakers"]  # the fixtures, used here too

GREEN = (40, 200, 60)  # BGR: the face camera's picture, easy to tell from the desk


@pytest.fixture
def kiosk_toml(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("face")
    cv2.imwrite(str(folder / "face.png"), np.full((480, 640, 3), GREEN, np.uint8))
    return f'[remote_help]\nenabled = true\ncamera = "file://{folder.as_posix()}"\n'


def test_the_face_camera_is_what_staff_and_citizen_see(qtbot, window, ctx):
    _at(window, MON_10)
    screen = window.screen("video_help")
    tap(window, window.screen("home").video)
    qtbot.waitUntil(lambda: screen.state == "ringing", timeout=10000)
    assert ctx.devices.camera.frame_sink is None  # the document camera is not used
    peer = _staff(ctx)
    staff = StaffSide(peer)
    try:
        assert staff.answered.wait(15), staff.error
        qtbot.waitUntil(lambda: screen.view.own is not None and peer.video_received > 10,
                        timeout=15000)
        own = screen.view.own
        b, g, r = own.pixelColor(own.width() // 2, own.height() // 2).getRgb()[2::-1]
        assert abs(g - GREEN[1]) < 10 and abs(b - GREEN[0]) < 10 and abs(r - GREEN[2]) < 10
        tap(window, screen.hang_up_btn)
        qtbot.waitUntil(lambda: screen.state == "ended", timeout=10000)
    finally:
        staff.stop.set()
        staff.thread.join(10)
    assert window.nav.flows["video_help"].call.counts.video_sent > 10
