"""The window's side of remote commands (``kiosk.remote``): what they do to the screen runs
on the GUI thread, through the window and its navigator; the commands' own thread waits
for it. A kiosk locked stays locked across restarts until it is unlocked; staff on site
still open staff mode through it (the corner gesture or a staff card): the lock steps
aside while staff mode is open and is back when it closes (``kiosk.cover``, which closed
opening hours share)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QApplication

from kiosk.config import KioskConfig
from kiosk.cover import Cover, attach_cover
from kiosk.navigator import HOME
from kiosk.remote import RemoteCommands
from kiosk.staff_mode import STAFF_STEPS
from kiosk.watchdog import EXIT_RESTART

if TYPE_CHECKING:
    from kiosk.app import KioskWindow

log = logging.getLogger(__name__)
GUI_WAIT = 30.0  # seconds the commands' thread waits for the window to act


class WindowHost(QObject):
    """``kiosk.remote.RemoteHost`` for the kiosk window."""

    _call = Signal(object)

    def __init__(self, win: KioskWindow) -> None:
        super().__init__(win)
        self.win = win
        cover = getattr(win, "cover", None)
        self.cover: Cover = cover if cover is not None else attach_cover(win)
        self.overlay = self.cover.locked
        self._call.connect(self._run)

    # --- to the GUI thread ---------------------------------------------------------------------
    def _on_gui(self, fn: Callable[[], Any]) -> Any:
        if QThread.currentThread() is self.thread():
            return fn()
        fut: Future[Any] = Future()
        self._call.emit((fn, fut))
        return fut.result(timeout=GUI_WAIT)

    def _run(self, item: tuple[Callable[[], Any], Future[Any]]) -> None:
        fn, fut = item
        try:
            fut.set_result(fn())
        except Exception as e:  # noqa: BLE001 - handed to the waiting thread
            fut.set_exception(e)

    # --- RemoteHost ----------------------------------------------------------------------------
    def busy(self) -> bool:
        """A citizen is being served (or staff mode is open): read across threads, a
        snapshot is enough (the command looks again a second later)."""
        win = self.win
        return win.ctx.sessions.current.has_personal_data or win.nav.step != HOME

    def lock(self, message: str) -> None:
        self._on_gui(lambda: self._lock(message))

    @property
    def message(self) -> str | None:
        """Locked, with this message (None: not locked)."""
        return self.cover.lock_message

    def _lock(self, message: str) -> None:
        self.cover.lock(message)
        self.win.screen_changed()

    def unlock(self) -> None:
        self._on_gui(self._unlock)

    def _unlock(self) -> None:
        self.cover.unlock()
        if self.win.nav.step not in STAFF_STEPS:
            self.win.nav.home()
        self.win.screen_changed()

    def end_session(self, reason: str) -> None:
        self._on_gui(lambda: self.win.end_session(reason))

    def apply_config(self, config: KioskConfig) -> None:
        def apply() -> None:
            ctx = self.win.ctx
            before, ctx.config = ctx.config, config
            self.win.header.hall.setText(config.terminal.hall_name)
            volume = ctx.volume
            if volume is not None and config.voice.volume != before.voice.volume:
                volume.value = config.voice.volume  # over staff's: kept and heard (step 0)
                volume.step(0)
        self._on_gui(apply)

    def restart_kiosk(self) -> None:
        def restart() -> None:
            gate = getattr(self.win, "staff", None)
            (gate.exit if gate is not None else QApplication.instance().exit)(EXIT_RESTART)
        self._on_gui(restart)


def attach_remote(win: KioskWindow) -> RemoteCommands | None:
    """Carry out the platform's commands on this window's kiosk (None: no outbox)."""
    ctx = win.ctx
    if ctx.outbox is None or ctx.link is None:
        return None
    host = WindowHost(win)
    remote = RemoteCommands(ctx, host)
    if remote.locked is not None:  # locked before the restart: still locked
        host._lock(remote.locked)
    # It ends by itself when the kiosk closes its outbox (kiosk.context.stop).
    win.destroyed.connect(lambda *_: remote.stop())
    remote.start()
    return remote
