"""The Qt application shell: one full-screen window, screens in a stack, header and footer.

Data flows one way. Device threads publish events; ``DeviceBridge`` re-emits them as Qt
signals, delivered on the GUI thread. Taps go from a screen to this window, which calls a
flow (``kiosk.flows``) and shows its outcome when the future completes. The window is
also the session's watchdog: it tracks the last touch and wipes everything on idle.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from drivers.base import DeviceError, DeviceState, DeviceStatus
from drivers.camera.quality import SAME_PAGE
from kiosk import devices as dev
from kiosk.context import KioskContext
from kiosk.flows import ServiceFlows, TicketOutcome
from kiosk.guide import GuideUnavailable
from kiosk.guide_flow import GuideFlow, PrintOutcome
from kiosk.i18n import translator
from kiosk.identity import Identity
from kiosk.session import IdleState
from kiosk.tasks import TaskRunner
from screens.capture import CaptureScreen, ScanSummaryScreen, to_qimage
from screens.card_prompt import CardPromptScreen
from screens.category import CategoryChoice, CategoryScreen
from screens.chrome import Footer, Header
from screens.guide import (
    GuideChoiceScreen,
    GuideMoreScreen,
    GuidePageScreen,
    GuideQrScreen,
    GuideSearchScreen,
    both_tr,
    start_choices,
)
from screens.home import HomeScreen
from screens.overlays import HelpOverlay, IdleOverlay
from screens.report import ReportScreen
from screens.theme import Theme
from screens.ticket import TicketScreen, TicketView
from screens.widgets import Screen

log = logging.getLogger(__name__)

TICKET_SCREEN_SECONDS = 30  # the number stays on screen this long, then back home
RATING_SECONDS = 20  # the 好差评 question after it, unanswered, this long
THANKS_SECONDS = 3
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
        self.theme = Theme()
        self.flow = ServiceFlows(ctx)
        self._step_no = 0  # counts screen changes: a result for an earlier step is dropped
        self.tasks = TaskRunner(lambda: ctx.sessions.current.id, lambda: self._step_no)
        self.bridge = DeviceBridge()
        self.history: list[str] = []
        self.after_card: str | None = None  # where to go once the citizen is identified
        self.last_touch = clock()
        self._changed_at = -TAP_GUARD_SECONDS  # when the screen last changed under a finger
        self._last_tap = -TAP_GUARD_SECONDS
        self._swallowed: QObject | None = None  # the button whose press was ignored
        self.ticket_deadline = 0.0
        self.ticket_prefix: str | None = None  # the category of the ticket on screen
        self._issuing = False  # a queue number is being taken and printed
        self._visit_over = False  # a ticket or the scanned pages are on screen, nothing next
        self._deferred_card: tuple[str, Any, str] | None = None  # (event, payload, device)
        self.default_elder = False  # the hall's look, which every visit starts from

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        portrait = term.orientation == "portrait"
        self.header = Header(term.hall_name, term.self_service_24h, portrait,
                             devices=tuple(ctx.devices.workers))
        self.stack = QStackedWidget()
        self.stack.setObjectName("Content")
        self.footer = Footer()
        lay.addWidget(self.header)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.footer)

        self.home = HomeScreen()
        self.card_prompt = CardPromptScreen()
        self.category = CategoryScreen()
        self.ticket = TicketScreen()
        self.capture = CaptureScreen()
        self.scan_summary = ScanSummaryScreen()
        self.report = ReportScreen()
        self.home.set_portrait(portrait)
        self.ticket.set_portrait(portrait)
        self.capture.set_portrait(portrait)
        self.report.set_portrait(portrait)
        if term.mode == "village":
            self.card_prompt.set_village(term.help_phone)
        self.card_prompt.set_sscard("sscard" in ctx.devices.workers)
        self.screens: dict[str, Screen] = {}
        for s in (self.home, self.card_prompt, self.category, self.ticket, self.capture,
                  self.scan_summary, self.report):
            self.screens[s.name] = s
            self.stack.addWidget(s)
        self._build_guide(portrait)
        self.idle_overlay = IdleOverlay(self)
        self.help_overlay = HelpOverlay(self)

        self.home.service_chosen.connect(self.on_service)
        self.category.category_chosen.connect(self.on_category)
        self.ticket.finished.connect(lambda: self.end_session("ticket_done"))
        self.ticket.rated.connect(self.on_rated)
        self.ticket.rating_shown.connect(self._give_time_to_rate)
        self.report.reported.connect(lambda key: self.tasks.run(self.flow.report, key))
        self.report.finished.connect(lambda: self.go_home())
        self.capture.capture_requested.connect(self.on_capture)
        self.capture.delete_requested.connect(self.on_page_delete)
        self.capture.finished.connect(self.on_scan_finished)
        self.scan_summary.finished.connect(lambda: self.end_session("scan_done"))
        camera = ctx.devices.camera
        self.home.tiles["scan"].setVisible(camera is not None)
        if camera is not None:
            camera.frame_sink = self.capture.relay.push  # frames skip the event queue
            self.capture.set_camera(camera.status.state is DeviceState.READY, camera.status.code)
        self.footer.back.connect(self.go_back)
        self.footer.home.connect(lambda: self.go_home())
        self.footer.elder_toggled.connect(self.set_elder)
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
            self.header.set_indicator(name, *_status_indicator(w.status))
            if name in ("idcard", "sscard"):
                self._show_reader(name, w.status)
        self._show_network(ctx.network.up)
        self.set_elder(False)
        self.go_home()

        self.ticker = QTimer(self)
        self.ticker.setInterval(250)
        self.ticker.timeout.connect(self._tick)
        self.ticker.start()
        QApplication.instance().installEventFilter(self)

    # --- navigation -------------------------------------------------------------------
    @property
    def current(self) -> Screen:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def go(self, name: str) -> None:
        if self.history and self.history[-1] == name:
            return
        self.history.append(name)
        self._show(name)

    def _show(self, name: str) -> None:
        screen = self.screens[name]
        if screen is not self.current:
            self._step_no += 1
            self.screen_changed()
        self.stack.setCurrentWidget(screen)
        self.footer.set_nav_enabled(True)
        self.footer.set_can_go_back(len(self.history) > 1)
        if self.ctx.devices.camera is not None:  # the camera streams only while watched
            self.ctx.devices.camera.set_streaming(name == "capture")
        screen.on_enter()

    def _printing(self) -> bool:
        return self.current is self.ticket and self._issuing

    def go_back(self) -> None:
        if self._printing():
            return  # the number being issued must reach the citizen it is issued to
        if self.current is self.ticket or len(self.history) <= 1:
            self.go_home()  # the ticket is taken: there is nothing to go back to
            return
        self.history.pop()
        self._show(self.history[-1])

    def go_home(self) -> None:
        if self._printing():
            return
        if self._visit_over:  # the number or the pages were shown: the visit is done
            self.end_session("visit_done")
            return
        self.history = ["home"]
        self.after_card = None
        self.help_overlay.hide()
        self._show("home")
        if self._deferred_card is not None:  # placed while a ticket was on screen
            event, payload, device = self._deferred_card
            self._deferred_card = None
            self.on_device_event(device, event, payload)

    # --- session and idle -------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind in _TOUCH_EVENTS:
            self.touch()
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
        return (self.ctx.sessions.current.has_personal_data or self.current is not self.home
                or self._look_changed())

    def _look_changed(self) -> bool:
        """English or 大字 chosen by this citizen: the next one gets the hall's defaults."""
        return (translator.language != self.ctx.config.terminal.language
                or self.theme.elder != self.default_elder)

    def _tick(self) -> None:
        now = self.clock()
        self.header.tick(datetime.now())
        if self._printing():  # the number being issued waits for nobody's idle timeout
            self.header.set_countdown(None)
            return
        if self.current is self.ticket and self.ticket.view is not None:
            left = round(self.ticket_deadline - now)
            self.ticket.set_seconds_left(max(0, left))
            if left <= 0:
                self.go_home()
            return
        if not self._session_active():
            self.header.set_countdown(None)
            return
        policy = self.ctx.idle_policy
        idle = now - self.last_touch
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
        self._visit_over = False
        self.ctx.sessions.wipe(reason)
        if self._look_changed():
            translator.set_language(self.ctx.config.terminal.language)
            self.set_elder(self.default_elder)
        self.go_home()

    def _on_wipe(self, _reason: str) -> None:
        for s in self.screens.values():
            s.reset()
        self.idle_overlay.hide()
        self.help_overlay.hide()
        self.header.set_countdown(None)
        self.last_touch = self.clock()

    # --- devices ----------------------------------------------------------------------
    def on_device_event(self, device: str, event: str, payload: Any) -> None:
        if event == dev.EVENT_STATUS:
            self.header.set_indicator(device, *_status_indicator(payload))
            if device == "camera":
                self.capture.set_camera(payload.state is DeviceState.READY, payload.code)
            elif device in ("idcard", "sscard"):
                self._show_reader(device, payload)
        elif event in (dev.EVENT_CARD_PLACED, dev.EVENT_CARD_ERROR):
            self.touch()
            if self._printing() or (self.current is self.ticket and self.ticket.showing_number):
                self._deferred_card = (event, payload, device)  # the number is someone's
                return
            if self._visit_over:
                self.end_session("new_card")
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
        if self.ctx.sessions.current.has_personal_data:
            self.ctx.sessions.wipe("new_card")
            if self.current is not self.card_prompt:
                self.history = ["home"]
                self._show("home")

    def _show_reader(self, device: str, status: DeviceStatus) -> None:
        working = status.state in (DeviceState.READY, DeviceState.BUSY)
        self.card_prompt.set_reader(device, working, status.code)

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
        target, self.after_card = self.after_card, None
        if target:
            self.history = ["home"]
            self.go(target)
        elif self.current is not self.home:
            self.go_home()

    def _card_problem(self, code: str) -> None:
        self.card_prompt.show_error(code)
        if self.current is not self.card_prompt:
            self.go("card_prompt")

    # --- services ---------------------------------------------------------------------
    def on_service(self, service: str) -> None:
        if service == "report":  # 办不成事 needs no card: anyone may say what went wrong
            self.go("report")
            return
        if service == "guide":  # reading the guide needs no card either
            self.open_guide()
            return
        target = {"queue": "category", "scan": "capture"}.get(service)
        if target is None:
            raise ValueError(f"unknown service {service!r}")
        if service == "queue":
            self._show_categories()
        if self.ctx.sessions.current.identity is not None:
            self.go(target)
        else:
            self.after_card = target
            self.card_prompt.show_error("")
            self.go("card_prompt")

    # --- 材料拍照: pages go into the session as JPEG bytearrays (zeroed on wipe) ----------
    def on_capture(self, auto: bool) -> None:
        camera = self.ctx.devices.camera
        assert camera is not None
        self.capture.start_capture()
        fut = camera.capture("document", self.capture.earlier_hashes())
        # The page is the session's even if the citizen looked at another screen meanwhile.
        self.tasks.watch(fut, lambda f: self.on_scan_done(f, auto), keep_on_leave=True)

    def on_scan_done(self, fut: Any, auto: bool) -> None:
        session = self.ctx.sessions.current
        try:
            result = fut.result()
        except DeviceError as e:
            self.capture.page_rejected(e.code)
            return
        except Exception:  # a bug in the pipeline: the citizen still gets a clear message
            log.exception("page capture failed")
            self.capture.page_rejected("camera.internal")
            return
        if result.page is None:
            if auto and result.verdict.code == SAME_PAGE:
                self.capture.capture_ignored()  # the same page lying on: nothing new
            else:
                self.capture.page_rejected(result.verdict.code, result.repeats)
            return
        index = self.capture.page_taken(to_qimage(result.page.thumbnail), result.page.phash)
        page = bytearray(result.page.jpeg)
        if index < len(session.scans):
            old = session.scans[index]
            old[:] = bytes(len(old))
            session.scans[index] = page
        else:
            session.scans.append(page)
        log.info("page %d taken (%s, %d bytes)", index + 1, result.page.format, len(page))

    def on_page_delete(self, index: int) -> None:
        scans = self.ctx.sessions.current.scans
        scans[index][:] = bytes(len(scans[index]))
        del scans[index]
        self.capture.remove_page(index)

    def on_scan_finished(self) -> None:
        # Where the case store attaches the pages to the citizen's case, once it exists:
        # session.scans holds the JPEGs in page order (drivers.camera.output.pages_pdf
        # makes the PDF); it must copy them before the session is wiped.
        self.scan_summary.show_pages([p.image for p in self.capture.pages])
        self.history = ["home"]
        self.go("scan_summary")
        self._visit_over = True  # nothing keeps the pages yet: 完成 ends the visit

    def _show_categories(self) -> None:
        queue = self.ctx.queue
        assert queue is not None
        today = date.today()
        zh = translator.language == "zh_CN"
        self.category.set_choices([
            CategoryChoice(c.prefix, c.name_zh if zh else c.name_en, queue.waiting(c.prefix, today))
            for c in self.ctx.config.queue.categories
        ])

    def _give_time_to_rate(self) -> None:
        self.ticket_deadline = self.clock() + RATING_SECONDS
        self.ticket.set_seconds_left(RATING_SECONDS)

    def on_rated(self, score: int) -> None:
        assert self.ticket_prefix is not None
        self.tasks.run(self.flow.rate, self.ticket_prefix, score)
        self.ticket_deadline = self.clock() + THANKS_SECONDS  # then home by itself
        self.ticket.set_seconds_left(THANKS_SECONDS)

    def on_category(self, prefix: str) -> None:
        self.ticket_prefix = prefix
        self._issuing = True
        self.ticket.show_printing()
        self.go("ticket")
        self.footer.set_nav_enabled(False)  # until the number is on screen
        self.tasks.run(self.flow.take, prefix, on_done=self.on_ticket_done)

    def on_ticket_done(self, fut: Any) -> None:
        # The ticket ends the visit: personal data goes now, the number stays on screen.
        self._issuing = False
        self.ctx.sessions.wipe("ticket_issued")
        try:
            out: TicketOutcome = fut.result()
        except Exception:  # a bug in the flow: the citizen still gets a clear message
            log.exception("ticket flow failed")
            self.ticket.show_result(TicketView("—", {}, 0, False, "kiosk.internal"))
        else:
            names = {"zh_CN": out.category.name_zh, "en": out.category.name_en}
            self.ticket.show_result(
                TicketView(out.number, names, out.waiting, out.printed, out.error_code)
            )
        self.ticket_deadline = self.clock() + TICKET_SCREEN_SECONDS
        self.history = ["home", "ticket"]
        self._visit_over = True
        self.footer.set_nav_enabled(True)
        self.screen_changed()

    # --- 办事指南: browse, read, take away, search (kiosk.guide_flow, screens.guide) ------
    def _build_guide(self, portrait: bool) -> None:
        self.guide = GuideFlow(self.ctx)
        self._guide_audience = "person"
        self._guide_entry: str | None = None
        self.guide_start = GuideChoiceScreen("guide_start")
        self.guide_topics = GuideChoiceScreen("guide_topics")
        self.guide_depts = GuideChoiceScreen("guide_depts")
        self.guide_items = GuideChoiceScreen("guide_items")
        self.guide_page = GuidePageScreen()
        self.guide_more = GuideMoreScreen()
        self.guide_qr = GuideQrScreen()
        self.guide_search = GuideSearchScreen()
        term = self.ctx.config.terminal
        if term.mode == "village":
            self.guide_search.set_village(term.help_phone)
        for s in (self.guide_start, self.guide_topics, self.guide_depts, self.guide_items,
                  self.guide_page, self.guide_more, self.guide_qr, self.guide_search):
            if hasattr(s, "set_portrait"):
                s.set_portrait(portrait)
            self.screens[s.name] = s
            self.stack.addWidget(s)
        self.guide_start.chosen.connect(self.on_guide_start)
        self.guide_topics.chosen.connect(self.on_guide_topic)
        self.guide_depts.chosen.connect(self.on_guide_department)
        self.guide_items.chosen.connect(self.open_guide_entry)
        self.guide_search.chosen.connect(self.open_guide_entry)
        self.guide_search.typed.connect(self.on_guide_typed)
        self.guide_page.print_requested.connect(self.on_guide_print)
        self.guide_page.qr_requested.connect(
            lambda: (self.guide_qr.show_entry(self.guide_page.views), self.go("guide_qr")))
        self.guide_page.more_requested.connect(
            lambda: (self.guide_more.show_entry(self.guide_page.views), self.go("guide_more")))

    def open_guide(self) -> None:
        """The guide's first question at once from the copy on disk; the platform is asked
        meanwhile whether there is a newer catalog."""
        if not self.guide.ready:
            self.guide.load()
        self._show_guide_start()
        self.go("guide_start")
        self.tasks.run(self.guide.fetch, on_done=self._on_guide_fetched, keep_on_leave=True)

    def _show_guide_start(self, problem: str = "") -> None:
        if problem:
            self.guide_start.set_content(both_tr(f"error.{problem}"), [])
        elif not self.guide.ready:
            self.guide_start.set_content(both_tr("guide.loading"), [])
        else:
            self.guide_start.set_content(both_tr("guide.start_title"), start_choices(),
                                         self.guide.freshness())

    def _on_guide_fetched(self, fut: Any) -> None:
        before = (self.guide.ready, self.guide.freshness())
        try:
            self.guide.adopt(fut.result())
        except GuideUnavailable as e:
            log.warning("service guide unavailable: %s", e.tech)
            if not self.guide.ready:
                self._show_guide_start(e.code)
            return
        except Exception:
            log.exception("service guide: reading the catalog failed")
            if not self.guide.ready:
                self._show_guide_start("kiosk.internal")
            return
        if self.current is self.guide_start and before != (True, self.guide.freshness()):
            self._show_guide_start()  # the tiles change under the finger: hold taps
            self.screen_changed()

    def on_guide_start(self, key: str) -> None:
        if key == "search":
            self.guide_search.reset()
            self.on_guide_typed("")
            self.go("guide_search")
        elif key == "department":
            self.guide_depts.set_content(both_tr("guide.depts_title"),
                                         self.guide.departments(), self.guide.freshness())
            self.go("guide_depts")
        else:
            self._guide_audience = key
            self.guide_topics.set_content(
                both_tr("guide.topics_title", audience=self.guide.audience_name(key)),
                self.guide.topics(key), self.guide.freshness())  # type: ignore[arg-type]
            self.go("guide_topics")

    def on_guide_topic(self, topic: str) -> None:
        self.guide_items.set_content(
            both_tr("guide.items_title", topic=self.guide.topic_name(topic)),
            self.guide.entries(self._guide_audience, topic),  # type: ignore[arg-type]
            self.guide.freshness())
        self.go("guide_items")

    def on_guide_department(self, department: str) -> None:
        self.guide_items.set_content(
            both_tr("guide.items_title", topic=self.guide.department_name(department)),
            self.guide.entries(department=department), self.guide.freshness())
        self.go("guide_items")

    def open_guide_entry(self, entry_id: str) -> None:
        self._guide_entry = entry_id
        self.guide_page.show_entry(self.guide.page(entry_id), self.guide.freshness())
        self.go("guide_page")

    def on_guide_typed(self, text: str) -> None:
        if self.guide.ready:
            self.guide_search.show_results(*self.guide.search(text))

    def on_guide_print(self) -> None:
        entry = self._guide_entry
        if entry is None:
            return
        self.guide_page.set_print_state("printing")

        def done(fut: Any) -> None:
            if self._guide_entry != entry:
                return  # the citizen went on to another item meanwhile
            try:
                out: PrintOutcome = fut.result()
            except Exception:
                log.exception("guide notice failed")
                out = PrintOutcome(False, "kiosk.internal")
            self.guide_page.set_print_state("printed" if out.printed else out.error_code)

        self.tasks.run(self.guide.print_notice, entry, on_done=done, keep_on_leave=True)

    # --- look and language ------------------------------------------------------------
    def set_elder(self, on: bool) -> None:
        self.theme = Theme(elder=on)
        self.setStyleSheet(self.theme.style_sheet())
        self.footer.apply_theme(self.theme, self.ctx.config.terminal.orientation == "portrait")
        for s in self.screens.values():
            s.apply_theme(self.theme)
        if self.footer.elder_btn.isChecked() != on:
            self.footer.elder_btn.setChecked(on)
        self.footer.retranslate()
        self._refit_overlays()

    def toggle_language(self) -> None:
        translator.set_language("en" if translator.language == "zh_CN" else "zh_CN")

    def retranslate(self) -> None:
        self.header.retranslate()
        self.footer.retranslate()
        if self.current is self.category:
            self._show_categories()
        for s in self.screens.values():
            s.retranslate()
        self.idle_overlay.set_seconds(self.ctx.idle_policy.remaining(
            self.clock() - self.last_touch))

    def show_help(self) -> None:
        term = self.ctx.config.terminal
        self.help_overlay.show_help(self.current.help_key, term.mode, term.help_phone)
        self.screen_changed()

    def on_sync_status(self, status: Any) -> None:
        self.header.set_sync(status, time.time())
        # The platform unreachable is "network down" too, whatever the local link says.
        self._show_network(self.ctx.network.up and status.link != "down")

    def _show_network(self, up: bool) -> None:
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

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        QApplication.instance().removeEventFilter(self)
        if self.ctx.devices.camera is not None:
            self.ctx.devices.camera.frame_sink = None
            self.ctx.devices.camera.set_streaming(False)
        self._unsubscribe_language()
        self._unsubscribe_sync()
        self.ticker.stop()
        self.tasks.shutdown()
        self.guide.close()
        super().closeEvent(event)
