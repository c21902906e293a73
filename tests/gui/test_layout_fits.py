"""Every screen, in every state the slice reaches, fits the kiosk's fixed screen:
normal and elder mode, landscape 1920×1080 and portrait 1080×1920. Nothing cut off."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QLabel, QPushButton, QStyle, QStyleOptionButton, QWidget

from kiosk.i18n import translator


def text_room(w: QWidget) -> int:
    """Width available to the text: a button's content box (its style's padding removed)."""
    if isinstance(w, QPushButton):
        opt = QStyleOptionButton()
        w.initStyleOption(opt)
        return w.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, opt, w).width()
    return w.contentsRect().width()


def assert_fits(qtbot, win, what: str) -> None:
    # Run the pending layout passes now (nested layouts post one another), as Qt would
    # before the next paint; a timed wait is not enough on a loaded machine.
    for _ in range(4):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        win.layout().activate()
    for part in (win.header, win.footer):
        assert part.minimumSizeHint().width() <= win.width(), f"{what}: {part.objectName()}"
    screen: QWidget = win.current
    lay = screen.layout()
    avail = win.stack.size()
    need_w = lay.totalMinimumSize().width()
    need_h = (lay.totalHeightForWidth(avail.width()) if lay.hasHeightForWidth()
              else lay.totalMinimumSize().height())
    assert need_w <= avail.width(), f"{what}: needs {need_w} px wide, has {avail.width()}"
    assert need_h <= avail.height(), f"{what}: needs {need_h} px high, has {avail.height()}"
    for w in win.findChildren(QPushButton) + win.findChildren(QLabel):
        if w.isVisible() and w.text() and not (isinstance(w, QLabel) and w.wordWrap()):
            widest = max(w.fontMetrics().horizontalAdvance(line) for line in w.text().split("\n"))
            assert widest <= text_room(w), f"{what}: {w.text()!r} is cut off"


def assert_overlay_fits(qtbot, win, overlay, what: str) -> None:
    """A dialog drawn over the screen: inside the window, tall enough for its wrapped text."""
    assert overlay.isVisible(), what
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    dialog = overlay.dialog
    box = dialog.geometry().translated(overlay.pos())
    assert win.rect().contains(box), f"{what}: dialog {box} outside the window"
    lay = dialog.layout()
    need = lay.totalHeightForWidth(dialog.width())
    assert need <= dialog.height(), f"{what}: needs {need} px high, has {dialog.height()}"
    for w in dialog.findChildren(QLabel):
        if w.isVisible() and w.wordWrap():
            assert w.heightForWidth(w.width()) <= w.height(), f"{what}: {w.text()!r} clipped"


def open_help_and_check(qtbot, win, what: str) -> None:
    win.show_help()
    assert_overlay_fits(qtbot, win, win.help_overlay, f"help on {what}")
    win.help_overlay.hide()


@pytest.fixture(params=["landscape", "portrait"])
def kiosk_toml(request) -> str:
    return f'[terminal]\norientation = "{request.param}"\n'


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_every_screen_fits(qtbot, window, ctx, elder, language):
    translator.set_language(language)
    window.set_elder(elder)
    expected = (1080, 1920) if ctx.config.terminal.orientation == "portrait" else (1920, 1080)
    assert window.size().toTuple() == expected
    assert_fits(qtbot, window, "home")
    open_help_and_check(qtbot, window, "home")
    window.nav.start("queue")
    ctx.sim.place_card("expired_resident")
    qtbot.waitUntil(window.screen("card_prompt").error.isVisible, timeout=5000)
    assert_fits(qtbot, window, "card prompt with error")
    open_help_and_check(qtbot, window, "card prompt")
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: window.current is window.screen("category"), timeout=5000)
    assert_fits(qtbot, window, "category")
    open_help_and_check(qtbot, window, "category")
    window.clock.advance(ctx.idle_policy.timeout + 1)
    window._tick()
    assert_overlay_fits(qtbot, window, window.idle_overlay, "idle question")
    window.touch()
    window.nav.home()
    assert_fits(qtbot, window, "home greeted")
    window.nav.start("queue")
    window.nav.flows["queue"].choose("A")
    assert_fits(qtbot, window, "printing")
    qtbot.waitUntil(lambda: window.screen("ticket").view is not None, timeout=10000)
    assert_fits(qtbot, window, "ticket")
    ctx.sim.printer.set_paper("out")
    window.nav.flows["queue"].choose("B")
    qtbot.waitUntil(lambda: window.screen("ticket").view is not None
                    and not window.screen("ticket").view.printed, timeout=10000)
    assert_fits(qtbot, window, "ticket, paper out")
    window.screen("ticket").done.click()
    assert_fits(qtbot, window, "好差评")
    window.screen("ticket").scores[3].click()
    assert_fits(qtbot, window, "rated")
    window.nav.start("report")
    assert_fits(qtbot, window, "办不成事")
    open_help_and_check(qtbot, window, "办不成事")
    window.screen("report").reasons["repeat"].click()
    assert_fits(qtbot, window, "办不成事, sent")
    window.screen("offline").show_service("certificates")
    window.nav.go("offline")
    assert_fits(qtbot, window, "a service that needs the network, offline")
    assert window.size().toTuple() == expected
