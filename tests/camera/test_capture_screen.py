"""材料拍照 in the running kiosk: simulated camera, real worker thread, real screens."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from drivers.camera.scene import Pose
from screens.capture import to_qimage
from tests.gui.conftest import ctx, tap, window  # noqa: F401 - the kiosk fixtures
from tests.gui.test_layout_fits import assert_fits

TIMEOUT = 20000  # ms: a still is rendered and processed while others' tests share the CPU


@pytest.fixture
def kiosk_toml(request) -> str:
    """No 社保卡 reader or A4 printer (not what is tested here); a test may add TOML
    (indirect param)."""
    return ('[devices.sscard]\nport = "none"\n[devices.a4printer]\nport = "none"\n'
            + getattr(request, "param", ""))


def _open_capture(qtbot, window, ctx):  # noqa: F811
    ctx.sim.camera.remove()  # the test places the pages, not the demo citizen
    tap(window, window.home.tiles["scan"])
    assert window.current is window.card_prompt  # who the pages belong to, first
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: window.current is window.capture, timeout=5000)
    qtbot.waitUntil(lambda: window.capture.camera_ready, timeout=5000)


def _take(qtbot, window, ctx, n: int) -> None:  # noqa: F811
    qtbot.waitUntil(lambda: len(ctx.sessions.current.scans) == n, timeout=TIMEOUT)


def test_pages_are_taken_retaken_deleted_and_wiped(qtbot, window, ctx):  # noqa: F811
    _open_capture(qtbot, window, ctx)
    cam, screen = ctx.sim.camera, window.capture
    qtbot.waitUntil(lambda: screen.preview.frames_shown > 5, timeout=5000)  # live preview
    cam.place("letter", paper_seed=1)
    _take(qtbot, window, ctx, 1)  # taken by itself once it lay still
    first = ctx.sessions.current.scans[0]
    assert bytes(first[:3]) == b"\xff\xd8\xff"
    assert screen.note.text() == "第 1 页已拍好，可以放下一页。"

    cam.place("letter", paper_seed=1, pose=Pose(scale=0.8, rz=2, cx=0.48))  # the same sheet
    # Taken by itself again once still, and passed over in silence: nothing new.
    stillness = ctx.devices.camera.live.stillness
    qtbot.waitUntil(lambda: cam.page_still and not stillness.armed and not screen.busy,
                    timeout=TIMEOUT)
    assert not screen.error.isVisible() and len(ctx.sessions.current.scans) == 1
    tap(window, screen.shoot)  # asked for by hand: say so
    qtbot.waitUntil(screen.error.isVisible, timeout=TIMEOUT)
    assert "第 1 页一样" in screen.error.text() and "camera.same_page" in screen.code.text()
    assert len(ctx.sessions.current.scans) == 1

    cam.place("idcard_front")
    _take(qtbot, window, ctx, 2)
    tap(window, screen._cards[0].retake)
    assert screen.note.text() == "请放好第 1 页，重新拍照。"
    cam.place("form")
    qtbot.waitUntil(lambda: ctx.sessions.current.scans[0] is not first, timeout=TIMEOUT)
    assert len(ctx.sessions.current.scans) == 2 and not any(first)  # old page zeroed

    second = ctx.sessions.current.scans[1]
    tap(window, screen._cards[1].delete)
    assert len(ctx.sessions.current.scans) == 1 and not any(second)
    tap(window, screen.finish)
    assert window.current is window.scan_summary
    assert window.scan_summary.title.text() == "已拍好 1 页材料"

    kept = ctx.sessions.current.scans[0]
    window.end_session("citizen_left")
    assert not ctx.sessions.current.scans and not any(kept)
    assert screen.pages == [] and window.scan_summary.images == []
    assert ctx.devices.camera is not None and not ctx.devices.camera._streaming


def test_unplugged_camera_is_said_plainly_and_comes_back(qtbot, window, ctx):  # noqa: F811
    _open_capture(qtbot, window, ctx)
    ctx.sim.camera.unplug()
    qtbot.waitUntil(lambda: not window.capture.camera_ready, timeout=5000)
    assert window.capture.error.text().startswith("高拍仪连接中断")
    assert not window.capture.shoot.isEnabled()
    ctx.sim.camera.plug()
    qtbot.waitUntil(lambda: window.capture.shoot.isEnabled(), timeout=10000)
    assert not window.capture.error.isVisible()


@pytest.mark.parametrize("kiosk_toml", [f'[terminal]\norientation = "{o}"\n'
                                        for o in ("landscape", "portrait")],
                         indirect=True, ids=["landscape", "portrait"])
def test_capture_screen_fits_with_pages_and_an_error(qtbot, window, ctx):  # noqa: F811
    orientation = ctx.config.terminal.orientation
    _open_capture(qtbot, window, ctx)
    thumb = to_qimage(np.full((320, 226, 3), 250, np.uint8))
    for i in range(4):  # the screen's longest state: pages taken, and a refusal shown
        window.capture.page_taken(thumb, i)
    window.capture.page_rejected("camera.page_cut_off")
    for elder in (False, True):
        window.set_elder(elder)
        _settle(window)
        assert_fits(qtbot, window, f"capture {orientation} elder={elder}")
    tap(window, window.capture.finish)
    _settle(window)
    assert_fits(qtbot, window, f"summary {orientation}")


def _settle(window) -> None:  # noqa: F811
    """Run the pending layout passes now: on a busy machine 30 ms of waiting may not."""
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    for w in (window, window.header, window.current):
        w.layout().activate()


@pytest.mark.parametrize("kiosk_toml", ['[devices.camera]\nport = "none"\n'], indirect=True)
def test_no_camera_no_scan_service(window, ctx):  # noqa: F811
    assert ctx.devices.camera is None
    assert not window.home.tiles["scan"].isVisible() and window.home.tiles["queue"].isVisible()
