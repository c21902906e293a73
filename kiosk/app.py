"""The Qt application shell: one full-screen window with a header, the navigator's screens
and a footer, and the overlays drawn over them.

Data flows one way. Device threads publish events; ``DeviceBridge`` re-emits them as Qt
signals on the GUI thread. Taps go from a screen to its flow (``kiosk.flows``), which the
navigator (``kiosk.navigator``) hosts. The window keeps what belongs to no flow: the
session's watchdog (idle question, wipe), the input guard (taps too soon after a change),
cards (a new card always ends the previous session first), and the hall's look.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QPixmapCache
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from drivers.base import DeviceState, DeviceStatus
from kiosk import devices as dev
from kiosk.care import Care
from kiosk.context import KioskContext
from kiosk.i18n import translator
from kiosk.identity import Identity
from kiosk.memory import trim
from kiosk.navigator import CARD, HOME, OFFLINE, Navigator
from kiosk.session import IdleState
from screens.card_prompt import CardPromptScreen
from screens.chrome import Footer, Header
from screens.home import HomeScreen, HomeTile
from screens.notice import OfflineScreen
from screens.overlays import HelpOverlay, IdleOverlay
from screens.theme import Theme
from screens.widgets import Screen

log = logging.getLogger(__name__)

# A tap within this long of a screen change, or of the tap before it, does nothing: the
# second half of a double tap must not land on what the first tap brought up.
TAP_GUARD_SECONDS = 0.4
_TOUCH_EVENTS = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.KeyPress,
}
_PRESS_EVENTS = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick}


class DeviceBridge(QObject):
    """Device threads → GUI thread. Emitting from another thread queues the call."""

    event = Signal(str, str, object)
    sync_changed = Signal(object)  # offline_cache.sync.SyncStatus, from the sync worker


def _status_indicator(s: DeviceStatus) -> tuple[str, str]:
    if s.state is DeviceState.READY:
        if s.details.get("paper") == "near_end":
            return "warn", "status.paper_low"
        return "ok", "status.ok"
    if s.state is DeviceState.BUSY:
        return "ok", "status.busy"
    if s.code == "printer.paper_out":
        return "bad", "status.paper_out"
    if s.state is DeviceState.ABSENT:
        return "bad", "status.absent"
    return "bad", "status.error"


class KioskWindow(QWidget):
    def __init__(self, ctx: KioskContext, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.ctx = ctx
        self.clock = clock  # monotonic seconds; tests pass a clock they move by hand
        self.setObjectName("KioskWindow")
        term = ctx.config.terminal
        self.portrait = term.orientation == "portrait"
        self.default_elder = False  # the hall's look, which every visit starts from
        self.default_contrast = term.high_contrast
        self.theme = Theme(contrast=self.default_contrast)
        self.bridge = DeviceBridge()
        self.last_touch = clock()
        self._changed_at = -TAP_GUARD_SECONDS  # when the screen last changed under a finger
        self._last_tap = -TAP_GUARD_SECONDS
        self._swallowed: QObject | None = None  # the button whose press was ignored
        self._deferred_card: tuple[str, Any, str] | None = None  # (event, payload, device)
        # Asked first about every card (device, event, payload): True if it is not a
        # citizen's (staff mode's, kiosk.staff_mode).
        self.card_hook: Callable[[str, str, Any], bool] | None = None
        self._close_allowed = False  # allow_close(): a citizen cannot close the kiosk
        self._closed = False

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.header = Header(term.hall_name, term.self_service_24h, self.portrait,
                             devices=tuple(ctx.devices.workers))
        self.stack = QStackedWidget()
        self.stack.setObjectName("Content")
        self.footer = Footer()
        lay.addWidget(self.header)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.footer)

        self.card_prompt = CardPromptScreen()
        if term.mode == "village":
            self.card_prompt.set_village(term.help_phone)
        self.card_prompt.set_sscard("sscard" in ctx.devices.workers)
        self.home = HomeScreen()
        self._online = ctx.network.up
        self.nav = Navigator(ctx, self.stack, clock,
                             {HOME: self.home, CARD: self.card_prompt, OFFLINE: OfflineScreen()},
                             on_end_visit=self.end_session, prepare=self._prepare,
                             online=lambda: self._online)
        tiles = sorted((f.tile.order, fid, f.tile) for fid, f in self.nav.flows.items()
                       if f.tile is not None)
        self.home.set_services([HomeTile(fid, t.glyph, t.primary) for _, fid, t in tiles])
        self.home.service_chosen.connect(self.nav.start)
        self.home.set_video_help("video_help" in self.nav.flows)
        self.nav.changed.connect(self._step_changed)
        self.idle_overlay = IdleOverlay(self)
        self.help_overlay = HelpOverlay(self)
        self.help_overlay.video_help.connect(lambda: self.nav.start("video_help"))
        self.help_overlay.call_staff.connect(self.call_staff)
        self._help_seen = ctx.help.changes

        self.footer.back.connect(self.nav.back)
        self.footer.home.connect(self.nav.home)
        self.footer.elder_toggled.connect(self.set_elder)
        self.footer.contrast_toggled.connect(self.set_contrast)
        self.footer.language.connect(self.toggle_language)
        self.footer.help.connect(self.show_help)
        self.idle_overlay.keep.connect(self.touch)
        self.idle_overlay.leave.connect(lambda: self.end_session("citizen_left"))
        self.bridge.event.connect(self.on_device_event)
        ctx.devices.add_listener(self.bridge.event.emit)
        ctx.network.on_change(lambda up: self._show_network(up))
        self.bridge.sync_changed.connect(self.on_sync_status)
        self._unsubscribe_sync = (ctx.sync.on_status(self.bridge.sync_changed.emit)
                                  if ctx.sync is not None else lambda: None)
        if ctx.sync is not None:
            self.on_sync_status(ctx.sync.status)
        ctx.sessions.on_wipe(self._on_wipe)
        self._unsubscribe_language = translator.on_change(lambda _lang: self.retranslate())

        for name, w in ctx.devices.workers.items():
            self.on_device_event(name, dev.EVENT_STATUS, w.status)
        self._show_network(ctx.network.up)
        self.set_elder(False)
        self.nav.home()

        self.ticker = QTimer(self)
        self.ticker.setInterval(250)
        self.ticker.timeout.connect(self._tick)
        self.ticker.start()
        # The heap's free pages go back a second after a wipe, home drawn by then (5-30 ms
        # once a visit). One timer, restarted: wipes in a row trim once, and a static
        # singleShot with a delay leaks about 100 bytes a call in PySide6 6.11.
        self.trimmer = QTimer(self, singleShot=True, interval=1000)
        self.trimmer.timeout.connect(trim)
        self.care = Care(self)  # voice, adaptive time, 大字模式 offered (kiosk.care)
        QApplication.instance().installEventFilter(self)
        QApplication.instance().aboutToQuit.connect(self.allow_close)  # exit() paths too

    # --- screens ----------------------------------------------------------------------
    @property
    def current(self) -> Screen:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def screen(self, step: str) -> Any:
        """The screen of ``step`` (made now if it was never shown)."""
        return self.nav.screen(step)

    def _prepare(self, screen: Screen) -> None:
        """A screen joins the window: this kiosk's orientation, the look and language now."""
        screen.set_portrait(self.portrait)
        screen.apply_theme(self.theme)
        screen.retranslate()

    def _step_changed(self, _step: str) -> None:
        self.screen_changed()
        self.help_overlay.hide()
        self.footer.set_nav_enabled(not self.nav.holding)
        self.footer.set_can_go_back(self.nav.can_go_back)
        if self.nav.step == HOME and self._deferred_card is not None:
            event, payload, device = self._deferred_card  # placed while a number was up
            self._deferred_card = None
            self.on_device_event(device, event, payload)

    # --- input guard, session and idle -------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind in _TOUCH_EVENTS:
            self.touch()
        elif kind == QEvent.Type.Quit and obj is QApplication.instance():
            self.allow_close()  # the program quits (a signal, the end of a run): Qt closes us
        if not isinstance(obj, QAbstractButton) or not self.isAncestorOf(obj):
            return False  # the simulator panel and other windows are not guarded
        if kind in _PRESS_EVENTS:
            now = self.clock()
            if now - max(self._changed_at, self._last_tap) < TAP_GUARD_SECONDS:
                self._swallowed = obj
                log.debug("tap on %s ignored: too soon after a change", obj.objectName())
                return True
            self._last_tap = now
        elif kind == QEvent.Type.MouseButtonRelease and obj is self._swallowed:
            self._swallowed = None
            return True
        return False

    def screen_changed(self) -> None:
        """What is under the citizen's finger just changed: hold taps for a moment."""
        self._changed_at = self.clock()

    def touch(self) -> None:
        self.last_touch = self.clock()
        if self.idle_overlay.isVisible():
            self.idle_overlay.hide()

    def _session_active(self) -> bool:
        return (self.ctx.sessions.current.has_personal_data or self.nav.step != HOME
                or self._look_changed())

    def _look_changed(self) -> bool:
        """English or 大字 chosen by this citizen: the next one gets the hall's defaults."""
        return (translator.language != self.ctx.config.terminal.language
                or self.theme.elder != self.default_elder
                or self.theme.contrast != self.default_contrast)

    def _tick(self) -> None:
        self.header.tick(datetime.now())
        if self.ctx.help.changes != self._help_seen:  # 呼叫工作人员: staff answered (or over)
            self._help_seen = self.ctx.help.changes
            self.help_overlay.show_call(self.ctx.help.state, self.ctx.help.message)
            if self.ctx.help.state == "answered" and not self.help_overlay.isVisible():
                self.show_help()
        if self.nav.tick():  # the flow keeps its own time (a number on screen, a call)
            self.header.set_countdown(None)
            self.last_touch = self.clock()  # not idle time: after it, the full time again
            return
        if not self._session_active():
            self.header.set_countdown(None)
            return
        policy = self.ctx.idle_policy
        idle = self.clock() - self.last_touch
        left = policy.remaining(idle)
        self.header.set_countdown(left)
        state = policy.state(idle)
        if state is IdleState.ASKING:
            self.idle_overlay.set_seconds(left)
            if not self.idle_overlay.isVisible():
                self.idle_overlay.open()
                self.screen_changed()
        elif state is IdleState.EXPIRED:
            self.end_session("idle")

    def end_session(self, reason: str) -> None:
        """The citizen is done or gone: wipe their data, back to the hall's look, home."""
        self.ctx.sessions.wipe(reason)
        if self._look_changed():
            translator.set_language(self.ctx.config.terminal.language)
            self.set_contrast(self.default_contrast)
            self.set_elder(self.default_elder)
        self.nav.home()

    def _on_wipe(self, _reason: str) -> None:
        self.nav.wipe()
        # Qt keeps up to 10 MB of pictures it has drawn (a label's page thumbnail, the
        # holder's photo): none of this citizen's may stay for the next one.
        QPixmapCache.clear()
        self.trimmer.start()
        self.idle_overlay.hide()
        self.help_overlay.hide()
        self.header.set_countdown(None)
        self.last_touch = self.clock()

    # --- devices and cards ---------------------------------------------------------------
    def on_device_event(self, device: str, event: str, payload: Any) -> None:
        if event == dev.EVENT_STATUS:
            self.header.set_indicator(device, *_status_indicator(payload))
            if device in ("idcard", "sscard"):
                working = payload.state in (DeviceState.READY, DeviceState.BUSY)
                self.card_prompt.set_reader(device, working, payload.code)
            self.nav.device_changed(device, payload)
        elif event in (dev.EVENT_CARD_PLACED, dev.EVENT_CARD_ERROR):
            self.touch()
            if self.card_hook is not None and self.card_hook(device, event, payload):
                return
            flow = self.nav.flow
            if flow is not None and flow.defers_cards():
                self._deferred_card = (event, payload, device)  # what is up is someone's
                return
            self._end_previous_citizen()
            if event == dev.EVENT_CARD_PLACED:
                self.on_card(payload, device)
            else:
                self._card_problem(payload.code)
        # Card removal does not end the session: most citizens take their card back as
        # soon as it is read, and the idle timeout clears a walk-away (docs/ARCHITECTURE).

    def _end_previous_citizen(self) -> None:
        """Any card placed, valid or not, ends the session it finds first: whoever places
        a card must never see or act in the previous citizen's session."""
        if self.nav.visit_is_over:
            self.end_session("new_card")  # the last one's number or pages, still up
        elif self.ctx.sessions.current.has_personal_data:
            pending = self.nav.pending  # tapped by whoever is placing the card now
            self.ctx.sessions.wipe("new_card")
            self.nav.pending = pending
            if self.nav.step != CARD:
                self.nav.home()

    def on_card(self, card: Any, device: str = "idcard") -> None:
        """An ID card or a 社保卡 (``device`` "sscard") was read: either identifies."""
        identity = Identity.from_card(card)
        if not identity.id_number_valid:
            self._card_problem(f"{device}.invalid_number")
            return
        if identity.is_expired(date.today()):
            self._card_problem(f"{device}.expired")
            return
        session = self.ctx.sessions.identify(identity)
        self.card_prompt.show_error("")
        self.home.set_greeting(session.greeting_name)
        self.nav.identified()

    def _card_problem(self, code: str) -> None:
        self.card_prompt.show_error(code)
        self.nav.go(CARD)

    # --- look and language ------------------------------------------------------------
    def set_elder(self, on: bool) -> None:
        self._set_look(Theme(elder=on, contrast=self.theme.contrast))

    def set_contrast(self, on: bool) -> None:
        """高对比: black on white, no grey words (screens.theme.HIGH_CONTRAST)."""
        self._set_look(Theme(elder=self.theme.elder, contrast=on))

    def _set_look(self, theme: Theme) -> None:
        on = theme.elder
        self.theme = theme
        self.setStyleSheet(self.theme.style_sheet())
        self.footer.apply_theme(self.theme, self.portrait)
        for s in self.nav.screens.values():
            s.apply_theme(self.theme)
        if self.footer.elder_btn.isChecked() != on:
            self.footer.elder_btn.setChecked(on)
        if self.footer.contrast_btn.isChecked() != theme.contrast:
            self.footer.contrast_btn.setChecked(theme.contrast)
        self.footer.retranslate()
        self._refit_overlays()

    def toggle_language(self) -> None:
        translator.set_language("en" if translator.language == "zh_CN" else "zh_CN")

    def retranslate(self) -> None:
        self.header.retranslate()
        self.footer.retranslate()
        for s in self.nav.screens.values():
            s.retranslate()
        self.idle_overlay.set_seconds(self.ctx.idle_policy.remaining(
            self.clock() - self.last_touch))

    def call_staff(self) -> None:
        """呼叫工作人员: the fleet console is told at once (the next heartbeat, now)."""
        if self.ctx.help.ask(self.nav.step) and self.ctx.sync is not None:
            self.ctx.sync.trigger("heartbeat")
        self._help_seen = self.ctx.help.changes
        self.help_overlay.show_call(self.ctx.help.state, self.ctx.help.message)

    def show_help(self) -> None:
        term = self.ctx.config.terminal
        video = ("video_help" in self.nav.flows and not self.nav.holding
                 and self.nav.flow_of(self.nav.step) != "video_help")
        self.help_overlay.show_help(self.current.help_key, term.mode, term.help_phone, video)
        self.screen_changed()

    def on_sync_status(self, status: Any) -> None:
        self.header.set_sync(status, time.time())
        # The platform unreachable is "network down" too, whatever the local link says.
        self._show_network(self.ctx.network.up and status.link != "down")

    def _show_network(self, up: bool) -> None:
        self._online = up
        self.header.set_indicator("network", *(("ok", "status.ok") if up
                                              else ("bad", "status.offline")))

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._refit_overlays()

    def _refit_overlays(self) -> None:
        for o in (self.idle_overlay, self.help_overlay):
            if o.isVisible():
                o.setGeometry(self.rect())
                o.fit_dialog()

    def allow_close(self) -> None:
        """Let the window close: the program's own stop (a signal, the end of a run, through
        the application quitting), staff mode, tests' teardown. Until then a close request
        (what Alt+F4 or the window system sends) is refused: a citizen cannot leave the kiosk
        (development too: stop it with Ctrl+C)."""
        self._close_allowed = True

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        if not self._close_allowed:
            event.ignore()
            log.warning("window close request refused: the kiosk stays open (staff mode or "
                        "stopping the service closes it)")
            return
        if self._closed:  # closed already (the program's stop, then a test's teardown)
            return
        self._closed = True
        QApplication.instance().removeEventFilter(self)
        self._unsubscribe_language()
        self._unsubscribe_sync()
        self.ticker.stop()
        self.nav.shutdown()
        super().closeEvent(event)
