"""The window's doors to staff mode (the flow is ``kiosk.flows.staff``): the hidden gesture
(five taps in the top-left corner within 3 s, then the PIN) and a staff card; the header's
staff view while it is open; restart and exit to the desktop, which only staff mode offers.

A staff card is told from a citizen's by one scrypt of its number. That runs on the reader's
thread, in a device listener registered before the window's, so the window only looks the
answer up when the card reaches it (and any card placed while staff mode is open is the
device test's, never a citizen's).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from kiosk import devices as dev
from kiosk.context import KioskContext
from kiosk.flows.staff import PAGES, PIN, StaffFlow
from kiosk.identity import Identity
from kiosk.staff import StaffCards
from kiosk.watchdog import EXIT_RESTART, EXIT_TO_DESKTOP

if TYPE_CHECKING:
    from kiosk.app import KioskWindow

log = logging.getLogger(__name__)

CORNER_PX = 140  # the top-left square (window pixels) the taps must land in
CORNER_TAPS = 5
CORNER_SECONDS = 3.0
STAFF_STEPS = (PIN, PAGES)


class StaffGate(QObject):
    def __init__(self, ctx: KioskContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.cards = StaffCards(ctx.config.staff.card_hashes)
        self._matched: dict[int, int] = {}  # id(card) → its place in the staff list (0: none)
        self._lock = threading.Lock()
        self._taps: list[float] = []
        self._last_press = -1
        self.win: KioskWindow | None = None
        self.exit: Callable[[int], None] = lambda code: QApplication.instance().exit(code)
        if self.cards:
            ctx.devices.add_listener(self._card_on_device_thread)

    def attach(self, win: KioskWindow) -> None:
        self.win = win
        self.setParent(win)  # gone with the window, and its event filter with it
        win.card_hook = self.claims_card
        win.nav.changed.connect(self._step_changed)
        self.flow.system = self._system
        QApplication.instance().installEventFilter(self)

    @property
    def flow(self) -> StaffFlow:
        assert self.win is not None
        flow = self.win.nav.flows["staff"]
        assert isinstance(flow, StaffFlow)
        return flow

    @property
    def open(self) -> bool:
        return self.win is not None and self.win.nav.step in STAFF_STEPS

    # --- the gesture -------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        win = self.win
        if event.type() != QEvent.Type.MouseButtonPress or win is None:
            return False
        if not (obj is win or obj is win.windowHandle()
                or (isinstance(obj, QWidget) and win.isAncestorOf(obj))):
            return False  # the simulator panel and other windows
        # One press reaches its window and then each widget up the parents: the same press
        # (same timestamp) is counted once.
        if event.timestamp() == self._last_press:  # type: ignore[attr-defined]
            return False
        self._last_press = event.timestamp()  # type: ignore[attr-defined]
        pos = win.mapFromGlobal(event.globalPosition().toPoint())  # type: ignore[attr-defined]
        if pos.x() < CORNER_PX and pos.y() < CORNER_PX:
            self.corner_tap()
        else:
            self._taps.clear()
        return False

    def corner_tap(self) -> None:
        assert self.win is not None
        now = self.win.clock()
        self._taps = [t for t in self._taps if now - t < CORNER_SECONDS] + [now]
        if len(self._taps) < CORNER_TAPS:
            return
        self._taps.clear()
        if self.open or self.win.nav.holding:  # a citizen's number still printing: later
            return
        if not self.ctx.config.staff.pin_hash:
            log.info("staff gesture: no PIN is set (kiosk staff set-pin), staff mode stays shut")
            return
        self._begin("")

    def _begin(self, arg: str) -> None:
        win = self.win
        assert win is not None
        if win.ctx.sessions.current.has_personal_data or win.nav.visit_is_over:
            win.end_session("staff")  # nothing of a citizen stays under staff's eyes
        win.nav.start("staff", arg)

    # --- staff cards -------------------------------------------------------------------------
    def _card_on_device_thread(self, device: str, event: str, payload: Any) -> None:
        if event != dev.EVENT_CARD_PLACED:
            return
        place = self._match(payload)
        with self._lock:
            if len(self._matched) > 64:  # cards the window never asked about (shut down)
                self._matched.clear()
            self._matched[id(payload)] = place

    def _match(self, card: Any) -> int:
        try:
            return self.cards.match(Identity.from_card(card).id_number)
        except Exception:  # noqa: BLE001 - a card that cannot be checked is no staff card
            log.exception("staff card check failed")
            return 0

    def claims_card(self, device: str, event: str, payload: Any) -> bool:
        """On the GUI thread, before the window acts on a card: True if it is staff mode's
        (a card placed while it is open, or a staff card)."""
        if self.open:
            return True  # the device test's (kiosk.staff.DeviceChecks hears it itself)
        if event != dev.EVENT_CARD_PLACED or not self.cards:
            return False
        with self._lock:
            place = self._matched.pop(id(payload), None)
        if place is None:
            place = self._match(payload)
        if not place:
            return False
        self._begin(f"card:{place}")
        return True

    # --- while open --------------------------------------------------------------------------
    def _step_changed(self, step: str) -> None:
        assert self.win is not None
        self.win.header.set_staff_view(step == PAGES)

    def _system(self, action: str) -> None:
        assert self.win is not None
        code = EXIT_RESTART if action == "restart" else EXIT_TO_DESKTOP
        log.warning("staff: %s (exit status %d)", action, code)
        self.exit(code)  # the application quits: the window closes (kiosk.qt_main)


def attach_staff_mode(ctx: KioskContext,
                      make_window: Callable[[], KioskWindow]) -> KioskWindow:
    """Make the window with staff mode's doors on it: the gate hears cards before it."""
    gate = StaffGate(ctx)
    win = make_window()
    gate.attach(win)
    win.staff = gate  # type: ignore[attr-defined]
    return win
