"""A citizen cannot leave the kiosk: a window close request (what Alt+F4 or the window
system sends) is refused; only the kiosk's own stop (``allow_close``) closes the window."""

from __future__ import annotations

import logging

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication


def test_a_close_request_is_refused_and_the_window_stays(qtbot, window, caplog):
    caplog.set_level(logging.WARNING, logger="kiosk.app")
    event = QCloseEvent()
    QApplication.sendEvent(window, event)
    assert not event.isAccepted()
    assert window.isVisible()
    assert not window.close()  # what Alt+F4 asks for, the same way
    assert window.isVisible()
    assert "window close request refused" in caplog.text
    # Still a working kiosk: its clock ticks and its screens answer.
    assert window.ticker.isActive()
    assert window.current is window.screen("home")


def test_after_allow_close_the_window_closes(qtbot, window):
    window.allow_close()
    event = QCloseEvent()
    QApplication.sendEvent(window, event)
    assert event.isAccepted()
    assert not window.ticker.isActive()  # closed for good: its timers and listeners gone
    assert window.close()
    assert not window.isVisible()


def test_the_application_quitting_lets_the_window_close(qtbot, window):
    """The kiosk's own stop (a signal, the end of ``kiosk run``) quits the application,
    which allows the close that follows."""
    QApplication.instance().aboutToQuit.emit()
    assert window.close()
