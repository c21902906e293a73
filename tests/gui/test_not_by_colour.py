"""适老化, the two rules not measured in test_elder_measured.py: colour is never the only
signal, and no gesture needs more than one finger.

Colour: a state shown in colour is also shown by a shape or a word — the header's device
states (● ▲ ✕ and a word), a button that cannot be tapped (a dashed edge, seen in the
rendered pixels, not read from the style sheet), 挂断 (✕ and the word, not only red), a
wrong callback number (▲ and the words). One finger: no widget takes touch events or a
multi-finger gesture of its own, so a touch reaches the kiosk only as Qt's one-point mouse
events; the only drag (staff mode's log) is a one-finger scroller."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QPushButton, QScroller, QWidget

from tests.gui.conftest import tap


def _edge_runs(button: QPushButton) -> int:
    """How many separate dark stretches the button's top edge is drawn in (1: solid)."""
    img = button.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    w = img.width()
    # The edge row: the darkest of the top few rows, between the rounded corners.
    edge = min((rows[y, 16:w - 16] for y in range(4)), key=lambda r: int(r.mean()))
    inside = int(np.median(rows[img.height() // 2, 16:w - 16]))
    dark = edge < (int(edge.min()) + inside) // 2
    return int(np.count_nonzero(np.diff(dark.astype(np.int8)) == 1) + dark[0])


def test_each_device_state_has_its_own_mark_and_word(window):
    header = window.header
    seen = {}
    for level, key in (("ok", "status.ok"), ("warn", "status.paper_low"),
                       ("bad", "status.paper_out")):
        header.set_indicator("printer", level, key)
        seen[level] = header.indicators["printer"].text()
    assert seen == {"ok": "● 打印机", "warn": "▲ 打印机 纸将用完", "bad": "✕ 打印机 缺纸"}


def test_a_button_that_cannot_be_tapped_looks_so_without_colour(qtbot, window):
    back = window.footer.back_btn  # on the home screen there is nowhere to go back to
    home = window.footer.home_btn
    assert not back.isEnabled() and home.isEnabled()
    assert _edge_runs(home) == 1  # a solid edge
    assert _edge_runs(back) >= 5  # a dashed one: a grey-scale copy still tells them apart


def test_hang_up_and_a_wrong_number_say_so_in_words_and_marks(qtbot, window):
    screen = window.screen("video_help")
    screen.show_call("connected", 3)
    assert screen.hang_up_btn.text() == "✕ 挂断"
    pad = window.screen("video_callback")
    pad.ask()
    pad.show_invalid()
    assert pad.hint.text().startswith("▲ 号码不对")


def test_no_gesture_needs_more_than_one_finger(qtbot, window):
    for flow in window.nav.flows.values():  # every screen made, staff mode's log included
        for step in flow.steps:
            window.nav.screen(step)
    tap(window, window.footer.help_btn)
    widgets = [window, *window.findChildren(QWidget)]
    # A widget taking touch events could answer two fingers. Two do, as Qt makes them:
    # the on-screen keyboard (its QML keys, each pressed by one finger) and staff mode's
    # log (a text view's viewport), which also drags with one finger (a mouse-press
    # scroller) and has ▲ ▼ buttons. Nothing else: two fingers are never needed.
    takes_touch = {type(w).__name__ if type(w).__name__ == "Keyboard"
                   else w.parentWidget().objectName(): w
                   for w in widgets if w.testAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)}
    assert set(takes_touch) <= {"Keyboard", "log_view"} and "log_view" in takes_touch
    assert QScroller.hasScroller(takes_touch["log_view"])
