"""The simulator panel's camera controls do real things to the simulated camera: the
capture screen sees the sheet placed, the empty desk, and the camera unplugged."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from sim.panel import SimulatorPanel
from tests.camera.test_capture_screen import (  # noqa: F401 - kiosk_toml is a fixture
    SEARCHING,
    TIMEOUT,
    _open_capture,
    _take,
    kiosk_toml,
    shown_lines,
)
from tests.gui.conftest import ctx, window  # noqa: F401 - the kiosk fixtures


@pytest.fixture
def panel(qtbot, ctx):  # noqa: F811
    p = SimulatorPanel(ctx)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    return p


def press(panel, text: str) -> None:  # noqa: ANN001
    """Click the panel's button showing ``text``, at its centre, through whatever is there."""
    button = next(b for b in panel.camera_buttons.values() if b.text() == text)
    point = button.mapTo(panel, button.rect().center())
    target = panel.childAt(point)
    assert target is button, f"{text!r} is covered by {target!r}"
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     target.mapFrom(panel, point))


def test_panel_camera_buttons_change_what_the_capture_screen_sees(qtbot, window, ctx,  # noqa: F811
                                                                  panel):
    _open_capture(qtbot, window, ctx)
    screen = window.screen("capture")
    qtbot.waitUntil(lambda: shown_lines(screen) == [SEARCHING], timeout=TIMEOUT)

    press(panel, "放置：A4 说明信")  # the camera sees a page and takes it
    _take(qtbot, window, ctx, 1)
    assert screen.preview.frame is not None and screen.preview.frame.outline is not None
    press(panel, "拿走材料（空桌面）")
    qtbot.waitUntil(lambda: screen.preview.frame.outline is None, timeout=TIMEOUT)

    press(panel, "放置：身份证人像面")
    _take(qtbot, window, ctx, 2)
    press(panel, "放置：放偏的 A4（一边出界）")
    qtbot.waitUntil(lambda: shown_lines(screen) == ["材料有一部分在拍摄区外面，请往中间移一移。"],
                    timeout=TIMEOUT)
    press(panel, "放置：空白纸")  # lies still, is taken by itself, and is refused as blank
    qtbot.waitUntil(screen.error.isVisible, timeout=TIMEOUT)
    assert screen.error.text().startswith("这一页是空白的")
    assert len(ctx.sessions.current.scans) == 2
    press(panel, "拿走材料（空桌面）")
    qtbot.waitUntil(lambda: shown_lines(screen) == [SEARCHING], timeout=TIMEOUT)

    press(panel, "拔出设备")
    qtbot.waitUntil(lambda: not screen.shoot.isEnabled(), timeout=TIMEOUT)
    assert shown_lines(screen) == [screen.error.text()]
    assert screen.error.text().startswith("高拍仪连接中断")
    press(panel, "插回设备")
    qtbot.waitUntil(screen.shoot.isEnabled, timeout=TIMEOUT)
    shown = screen.preview.frames_shown
    qtbot.waitUntil(lambda: screen.preview.frames_shown > shown + 5, timeout=TIMEOUT)
    assert shown_lines(screen) == [SEARCHING]
