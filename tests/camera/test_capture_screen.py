"""材料拍照 in the running kiosk: simulated camera, real worker thread, real screens."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel

from drivers.base import DeviceState
from kiosk.i18n import translator
from screens.capture import to_qimage
from sim.scene import Pose
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
    tap(window, window.screen("home").tiles["scan"])
    assert window.current is window.screen("card_prompt")  # who the pages belong to, first
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: window.current is window.screen("capture"), timeout=5000)
    qtbot.waitUntil(lambda: window.screen("capture").camera_ready, timeout=5000)


def _take(qtbot, window, ctx, n: int) -> None:  # noqa: F811
    qtbot.waitUntil(lambda: len(ctx.sessions.current.scans) == n, timeout=TIMEOUT)


def shown_lines(screen) -> list[str]:
    """What the capture screen says under the picture, as the citizen reads it: every
    text showing outside the title and the column of pages (the small error code for
    staff left out)."""
    return [w.text() for w in screen.findChildren(QLabel)
            if w.isVisible() and w.text() and w is not screen.title
            and w is not screen.code and not screen.side.isAncestorOf(w)]


def in_red(text: str, screen) -> bool:  # noqa: ANN001
    """Whether the line showing ``text`` is drawn in red (errors only, docs UI.md)."""
    line = next(w for w in screen.findChildren(QLabel) if w.isVisible() and w.text() == text)
    ink = line.palette().color(QPalette.ColorRole.WindowText)
    return ink.red() > 120 and ink.red() > 2 * ink.green()


SEARCHING = "还没有看到材料。请把材料放在拍摄区中间。"
HOLD = "已找到材料，请保持不动，马上自动拍照……"


def test_empty_desk_asks_calmly_for_the_paper(qtbot, window, ctx, caplog):  # noqa: F811
    caplog.set_level(logging.WARNING)
    _open_capture(qtbot, window, ctx)  # nothing on the desk
    screen = window.screen("capture")
    # The preview keeps running over the empty desk (a second and more of frames) ...
    qtbot.waitUntil(lambda: screen.preview.frames_shown > 30, timeout=TIMEOUT)
    assert screen.preview.frame is not None and screen.preview.frame.outline is None
    # ... and the one line under it asks for the paper, in calm ink, not an error's red.
    assert shown_lines(screen) == [SEARCHING] and not in_red(SEARCHING, screen)
    assert not screen.error.isVisible() and not screen.code.isVisible()
    assert screen.shoot.isEnabled()
    # Nothing failed behind the picture: the camera never dropped out or logged a fault.
    assert ctx.devices.camera.status.state is DeviceState.READY
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("kiosk.devices")]


def test_one_status_line_the_newest_true_one(qtbot, window, ctx):  # noqa: F811
    _open_capture(qtbot, window, ctx)
    cam, screen = ctx.sim.camera, window.screen("capture")
    qtbot.waitUntil(lambda: shown_lines(screen) == [SEARCHING], timeout=TIMEOUT)
    tap(window, screen.shoot)  # on the empty desk: said in red, and only that
    qtbot.waitUntil(screen.error.isVisible, timeout=TIMEOUT)
    assert shown_lines(screen) == [screen.error.text()]
    assert screen.error.text().startswith("没有找到材料") and in_red(screen.error.text(), screen)

    cam.place("letter", paper_seed=1)  # the paper arrives: the refusal is old news
    qtbot.waitUntil(lambda: shown_lines(screen) == [HOLD], timeout=TIMEOUT)
    _take(qtbot, window, ctx, 1)
    # The page just taken still lies there and will not be taken again: only the result.
    qtbot.waitUntil(lambda: cam.page_still and screen.preview.frames_shown > 0)
    for _ in range(10):  # it stays so while more frames of the same page come in
        shown = screen.preview.frames_shown
        qtbot.waitUntil(lambda s=shown: screen.preview.frames_shown > s, timeout=TIMEOUT)
        assert shown_lines(screen) == ["第 1 页已拍好，可以放下一页。"]

    cam.remove()  # taken away: what to do next still holds
    qtbot.waitUntil(lambda: screen.preview.frame is not None
                    and screen.preview.frame.outline is None, timeout=TIMEOUT)
    assert shown_lines(screen) == ["第 1 页已拍好，可以放下一页。"]

    cam.place("form")  # the next page, held still: the countdown is the news now
    qtbot.waitUntil(lambda: shown_lines(screen) == [HOLD], timeout=TIMEOUT)
    _take(qtbot, window, ctx, 2)
    qtbot.waitUntil(lambda: shown_lines(screen) == ["第 2 页已拍好，可以放下一页。"],
                    timeout=TIMEOUT)


def test_pages_are_taken_retaken_deleted_and_wiped(qtbot, window, ctx):  # noqa: F811
    _open_capture(qtbot, window, ctx)
    cam, screen = ctx.sim.camera, window.screen("capture")
    qtbot.waitUntil(lambda: screen.preview.frames_shown > 5, timeout=5000)  # live preview
    cam.place("letter", paper_seed=1)
    _take(qtbot, window, ctx, 1)  # taken by itself once it lay still
    first = ctx.sessions.current.scans[0]
    assert bytes(first[:3]) == b"\xff\xd8\xff"
    assert screen.status.text() == "第 1 页已拍好，可以放下一页。"

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
    assert screen.status.text() == "请放好第 1 页，重新拍照。"
    cam.place("form")
    qtbot.waitUntil(lambda: ctx.sessions.current.scans[0] is not first, timeout=TIMEOUT)
    assert len(ctx.sessions.current.scans) == 2 and not any(first)  # old page zeroed

    second = ctx.sessions.current.scans[1]
    tap(window, screen._cards[1].delete)
    assert len(ctx.sessions.current.scans) == 1 and not any(second)
    tap(window, screen.finish)
    assert window.current is window.screen("scan_summary")
    assert window.screen("scan_summary").title.text() == "已拍好 1 页材料"

    kept = ctx.sessions.current.scans[0]
    window.end_session("citizen_left")
    assert not ctx.sessions.current.scans and not any(kept)
    assert screen.pages == [] and window.screen("scan_summary").images == []
    # The page cards are kept for the next citizen, hidden: without this one's pages.
    assert all(card.pic.pixmap().isNull() for card in screen._pool)
    assert ctx.devices.camera is not None and not ctx.devices.camera._streaming


def test_unplugged_camera_is_said_plainly_and_comes_back(qtbot, window, ctx):  # noqa: F811
    _open_capture(qtbot, window, ctx)
    ctx.sim.camera.unplug()
    qtbot.waitUntil(lambda: not window.screen("capture").camera_ready, timeout=5000)
    assert window.screen("capture").error.text().startswith("高拍仪连接中断")
    assert not window.screen("capture").shoot.isEnabled()
    ctx.sim.camera.plug()
    qtbot.waitUntil(lambda: window.screen("capture").shoot.isEnabled(), timeout=10000)
    assert not window.screen("capture").error.isVisible()


@pytest.mark.parametrize("kiosk_toml", [f'[terminal]\norientation = "{o}"\n'
                                        for o in ("landscape", "portrait")],
                         indirect=True, ids=["landscape", "portrait"])
def test_capture_screen_fits_with_pages_and_an_error(qtbot, window, ctx):  # noqa: F811
    orientation = ctx.config.terminal.orientation
    _open_capture(qtbot, window, ctx)
    thumb = to_qimage(np.full((320, 226, 3), 250, np.uint8))
    for i in range(4):  # the screen's longest state: pages taken, and a refusal shown
        window.screen("capture").page_taken(thumb, i)
    window.screen("capture").page_rejected("camera.page_cut_off")
    looks = [(lang, elder) for lang in ("zh_CN", "en") for elder in (False, True)]
    for lang, elder in looks:
        translator.set_language(lang)
        window.retranslate()
        window.set_elder(elder)
        _settle(window)
        assert_fits(qtbot, window, f"capture {orientation} {lang} elder={elder}")
    tap(window, window.screen("capture").finish)
    for lang, elder in looks:  # the summary's words beside or above the pages
        translator.set_language(lang)
        window.retranslate()
        window.set_elder(elder)
        _settle(window)
        assert_fits(qtbot, window, f"summary {orientation} {lang} elder={elder}")


def _settle(window) -> None:  # noqa: F811
    """Run the pending layout passes now: on a busy machine 30 ms of waiting may not."""
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    for w in (window, window.header, window.current):
        w.layout().activate()


@pytest.mark.parametrize("kiosk_toml", ['[devices.camera]\nport = "none"\n'], indirect=True)
def test_no_camera_no_scan_service(window, ctx):  # noqa: F811
    assert ctx.devices.camera is None
    tiles = window.screen("home").tiles
    assert "scan" not in tiles and tiles["queue"].isVisible()
