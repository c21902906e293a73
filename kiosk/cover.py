"""What covers the whole window so citizens are served nothing: a lock from the platform
(``lock`` remote command, ``kiosk.remote_gui``) and opening hours (config ``[hours]``).

Both share one machinery here: the cover takes every tap and a citizen's card starts
nothing, while staff on site still open staff mode through it (the corner gesture or a
staff card): it steps aside while staff mode is open and is back when it closes. A lock
wins over closed hours (its message is what the technician wants read); unlocked while
closed, the closed screen shows.

Opening hours are watched on the GUI thread, once a second: closing waits for a visit in
progress to end (the citizen finishes, or the idle timeout ends it), opening takes the
closed screen away at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication

from kiosk.hours import Hours
from kiosk.i18n import LANGUAGES
from kiosk.opening import closed_text, opening_hours, set_backlight
from kiosk.staff_mode import STAFF_STEPS
from screens.closed import ClosedOverlay
from screens.locked import LockedOverlay

if TYPE_CHECKING:
    from kiosk.app import KioskWindow

log = logging.getLogger(__name__)

CHECK_MS = 1000  # how often opening hours are looked at
DARK_AFTER = 60.0  # seconds untouched on the closed screen before the backlight goes off


class Cover(QObject):
    def __init__(self, win: KioskWindow) -> None:
        super().__init__(win)
        self.win = win
        self.locked = LockedOverlay(win)
        self.closed = ClosedOverlay(win)
        self.lock_message: str | None = None  # locked from the platform, with this message
        self.closed_texts: tuple[Any, Any] | None = None  # (zh, en): outside opening hours
        self._hook = win.card_hook  # staff mode's, asked first
        win.card_hook = self._claims_card
        win.nav.changed.connect(lambda _step: self.show())
        win.installEventFilter(self)

    @property
    def covered(self) -> bool:
        """Citizens are served nothing now (locked or closed)."""
        return self.lock_message is not None or self.closed_texts is not None

    def lock(self, message: str) -> None:
        self.lock_message = message
        self.show()

    def unlock(self) -> None:
        self.lock_message = None
        self.locked.unlock()
        self.show()

    def close_hours(self, zh: Any, en: Any) -> None:
        self.closed_texts = (zh, en)
        self.show()

    def open_hours(self) -> None:
        self.closed_texts = None
        self.closed.clear()
        self.show()

    def show(self) -> None:
        """The overlay that applies now: none while staff mode is open, the lock over
        closed hours."""
        staff = self.win.nav.step in STAFF_STEPS
        if staff or self.lock_message is None:
            self.locked.hide()
        elif not self.locked.isVisible():
            self.locked.show_message(self.lock_message)
        if staff or self.lock_message is not None or self.closed_texts is None:
            self.closed.hide()
        else:
            zh, en = self.closed_texts
            self.closed.show_closed(zh, en, self.win.theme)

    # --- while covered -------------------------------------------------------------------------
    def _claims_card(self, device: str, event: str, payload: Any) -> bool:
        if self._hook is not None and self._hook(device, event, payload):
            return True  # staff mode's (a staff card opens it through the cover too)
        return self.covered  # a citizen's card starts nothing

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if obj is self.win and event.type() == QEvent.Type.Resize:
            for overlay in (self.locked, self.closed):
                if overlay.isVisible():
                    overlay.setGeometry(self.win.rect())
        return False


class OpeningHours(QObject):
    """Closes the kiosk outside its opening hours and opens it again. ``now`` is the wall
    clock (tests set their own)."""

    def __init__(self, win: KioskWindow, cover: Cover, hours: Hours) -> None:
        super().__init__(win)
        self.win = win
        self.cover = cover
        self.hours = hours
        self.now: Callable[[], datetime] = lambda: datetime.now().astimezone()
        self.backlight: Callable[[bool], None] = _backlight_off_thread
        self._waiting = False  # closing time, a visit still under way (logged once)
        self._dark = False
        self._texts_for: tuple[str, str] = ("", "")  # what the closed texts were made for
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self.check()

    @property
    def closed(self) -> bool:
        return self.cover.closed_texts is not None

    def _visit_under_way(self) -> bool:
        win = self.win
        return (win._session_active() or win.nav.holding  # noqa: SLF001 - the window's own test
                or win.idle_overlay.isVisible())

    def check(self) -> None:
        now = self.now()
        if self.hours.open_at(now):
            self._waiting = False
            if self.closed:
                log.info("opening hours: open")
                self.cover.open_hours()
                self._backlight(True)
            return
        if not self.closed:
            if self._visit_under_way():
                if not self._waiting:
                    self._waiting = True
                    log.info("opening hours: closing time; closing when the visit ends")
                return
            self._waiting = False
            log.info("opening hours: closed")
        self._show_texts(now)
        self._darken()

    def _show_texts(self, now: datetime) -> None:
        """The closed screen's words, made again when the day or the next opening changes
        (明天 becomes 今天 at midnight)."""
        at = self.hours.next_opening(now)
        key = (now.date().isoformat(), at.isoformat() if at else "")
        if self.closed and key == self._texts_for:
            return
        self._texts_for = key
        term = self.win.ctx.config.terminal
        phone = term.help_phone if term.mode == "village" else ""
        zh, en = (closed_text(self.hours, now, lang, phone) for lang in LANGUAGES)
        self.cover.close_hours(zh, en)

    def _darken(self) -> None:
        """The backlight off a minute after the last touch (a touch wakes the panel)."""
        untouched = self.win.clock() - self.win.last_touch >= DARK_AFTER
        if untouched and not self._dark and self.cover.closed.isVisible():
            self._backlight(False)
        elif not untouched:
            self._dark = False

    def _backlight(self, on: bool) -> None:
        if self._dark == (not on):
            return
        self._dark = not on
        self.backlight(on)


def _backlight_off_thread(on: bool) -> None:
    """Only where Qt draws to an X display (DPMS through xset); never on the GUI thread."""
    if QGuiApplication.platformName() != "xcb":
        return
    threading.Thread(target=set_backlight, args=(on,), name="backlight", daemon=True).start()


def attach_cover(win: KioskWindow) -> Cover:
    """The window's cover, and its opening hours if the configuration sets any."""
    cover = Cover(win)
    hours = opening_hours(win.ctx.config)
    win.opening = OpeningHours(win, cover, hours) if hours else None  # type: ignore[attr-defined]
    return cover
