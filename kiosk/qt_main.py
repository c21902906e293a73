"""Starts the Qt application: the kiosk window, and the simulator panel when asked."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from kiosk.app import KioskWindow
from kiosk.config import KioskConfig, dev_mode
from kiosk.context import KioskContext
from kiosk.cover import attach_cover
from kiosk.i18n import translator
from kiosk.memory import tune_allocator
from kiosk.navigator import HOME
from kiosk.remote import with_remote_config
from kiosk.remote_gui import attach_remote
from kiosk.service_health import ServiceHealth
from kiosk.staff_mode import attach_staff_mode
from kiosk.watchdog import supervise
from screens.theme import FONT_FAMILY

log = logging.getLogger(__name__)

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


def use_onscreen_keyboard() -> None:
    """Typing goes through Qt Virtual Keyboard, shown inside the screens that take text
    (not as a window of its own). Must run before the QApplication is created."""
    os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
    os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")


def create_window(config: KioskConfig, ctx: KioskContext,
                  clock: Callable[[], float] = time.monotonic) -> KioskWindow:
    app = QApplication.instance()
    assert app is not None
    font = QFont(FONT_FAMILY)
    font.setPixelSize(30)
    app.setFont(font)
    translator.set_language(config.terminal.language)
    win = attach_staff_mode(ctx, lambda: KioskWindow(ctx, clock))
    ServiceHealth(win)  # a service whose device is down leaves home, with a line instead
    win.cover = attach_cover(win)  # type: ignore[attr-defined]  # a lock, closed hours
    win.remote = attach_remote(win)  # type: ignore[attr-defined]  # the platform's commands
    # The kiosk's screen has one size: layouts must fit it, never grow the window past it.
    win.setFixedSize(*SIZES[config.terminal.orientation])
    return win


def simulator_panel(win: KioskWindow, ctx: KioskContext) -> Callable[[], None] | None:
    """In development (``--dev``) with a simulated device: F12 opens the simulator panel,
    and the returned call does. Otherwise None: a key alone never opens it in the field."""
    if not dev_mode() or ctx.sim is None:
        return None
    panel = None

    def open_panel() -> None:
        nonlocal panel
        from sim.panel import SimulatorPanel

        if panel is None:
            panel = SimulatorPanel(ctx)
        panel.show()
        panel.raise_()

    QShortcut(QKeySequence(Qt.Key.Key_F12), win, activated=open_panel)
    return open_panel


def run_kiosk(config: KioskConfig, sim_panel: bool = False, windowed: bool = False,
              screenshot: str | None = None, elder: bool = False) -> int:
    use_onscreen_keyboard()
    tune_allocator()  # before the device and sync threads start
    app = QApplication.instance() or QApplication(sys.argv[:1])
    config = with_remote_config(config)  # keys a remote command set
    ctx = KioskContext.build(config)
    if ctx.damaged:
        return _out_of_service(app, config, ctx, screenshot)
    ctx.start()
    win = create_window(config, ctx)
    if elder:  # --elder: this kiosk's visits start in 大字 mode
        win.default_elder = True
        win.set_elder(True)
    open_panel = simulator_panel(win, ctx)
    if config.terminal.fullscreen and not windowed and not screenshot:
        win.setWindowFlag(Qt.WindowType.FramelessWindowHint)
        win.showFullScreen()
    else:
        win.show()
    if sim_panel and open_panel is not None:
        open_panel()
    win.nav.warm_up()
    if screenshot:
        def grab() -> None:
            win.grab().save(screenshot)
            print(f"saved {screenshot}")
            app.quit()

        # Give the devices a moment to report, so the header shows their real state.
        QTimer.singleShot(1500, grab)
    # systemd: READY=1 once home is on screen, then the watchdog pings from this loop.
    supervise(app, lambda: win.isVisible() and win.nav.step == HOME)
    try:
        return _exec(app)
    finally:
        win.close()
        ctx.stop()


def _exec(app: QApplication) -> int:
    # Ctrl+C in a terminal stops the kiosk cleanly (Qt would otherwise swallow it).
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    keepalive = QTimer()
    keepalive.start(500)  # lets Python run its signal handlers during the Qt loop
    keepalive.timeout.connect(lambda: None)
    return app.exec()


def _out_of_service(app: QApplication, config: KioskConfig, ctx: KioskContext,
                    screenshot: str | None) -> int:
    """Damaged local files (moved aside, see kiosk.integrity): citizens see a notice
    instead of services; staff see why in ``kiosk doctor``."""
    from screens.out_of_service import OutOfServiceWindow

    ctx.start()  # the devices only: no store is open
    win = OutOfServiceWindow([d.path.name for d in ctx.damaged])
    win.setFixedSize(*SIZES[config.terminal.orientation])
    if config.terminal.fullscreen and not screenshot:
        win.setWindowFlag(Qt.WindowType.FramelessWindowHint)
        win.showFullScreen()
    else:
        win.show()
    supervise(app, win.isVisible)  # up, saying why it serves nobody: no restart loop
    if screenshot:
        def grab() -> None:
            win.grab().save(screenshot)
            print(f"saved {screenshot}")
            app.quit()

        QTimer.singleShot(300, grab)
    try:
        return _exec(app)
    finally:
        win.close()
        ctx.stop()
