"""The simulator panel (F12) is a development tool: only with --dev, never from a key alone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.qt_main import simulator_panel


def _panels() -> list:
    return [w for w in QApplication.topLevelWidgets()
            if type(w).__name__ == "SimulatorPanel" and w.isVisible()]


def test_f12_opens_the_panel_in_development(qtbot: QtBot, window, monkeypatch) -> None:
    monkeypatch.setenv("KIOSK_DEV", "1")
    assert simulator_panel(window, window.ctx) is not None
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert _panels()
    for panel in _panels():
        panel.close()


def test_f12_does_nothing_in_the_field(qtbot: QtBot, window, monkeypatch) -> None:
    monkeypatch.delenv("KIOSK_DEV", raising=False)  # the devices here are simulated all the same
    assert simulator_panel(window, window.ctx) is None
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert not _panels()
