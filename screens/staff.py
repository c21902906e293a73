"""维护模式: the pages staff see (devices, consumables, outbox, network, logs, system), chosen
in a column on the left. The screen only shows what the staff flow hands it and forwards taps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractSlider,
    QApplication,
    QBoxLayout,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScroller,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import tr
from screens.entry import DigitPadScreen
from screens.theme import AMBER, BLUE, GREEN, INK, LINE, RED, Theme
from screens.widgets import Screen, button, label, tr_or

PAGES = ("devices", "consumables", "outbox", "network", "logs", "system")
CONFIRM_SECONDS = 5  # a second tap within this long confirms restart / exit
OUTBOX_ROWS = 5  # records listed; the rest are counted
ELDER_OUTBOX_ROWS = 2  # in 大字 each takes three tall lines

_LEVEL = {"ready": "ok", "busy": "ok", "absent": "bad", "error": "bad", "paper_out": "bad"}
_MARK = {"ok": ("●", GREEN), "warn": ("▲", AMBER), "bad": ("✕", RED)}


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = int(seconds)
    if s < 60:
        return tr("staff.age_s", n=s)
    if s < 3600:
        return tr("staff.age_m", n=s // 60)
    if s < 86400:
        return tr("staff.age_h", n=s // 3600)
    return tr("staff.age_d", n=s // 86400)


def _marked(lbl: QLabel, level: str, text: str) -> None:
    """A state in a symbol and a word, never colour alone."""
    mark, colour = _MARK[level]
    lbl.setText(f"{mark} {text}")
    lbl.setStyleSheet(f"color: {colour}; font-weight: bold;")


class _Confirm(QPushButton):
    """A button that acts on a second tap within CONFIRM_SECONDS (restart, exit)."""

    confirmed = Signal()

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.armed = False
        self._disarm = QTimer(self)
        self._disarm.setSingleShot(True)
        self._disarm.setInterval(CONFIRM_SECONDS * 1000)
        self._disarm.timeout.connect(self.reset)
        self.clicked.connect(self._tapped)
        self.retranslate()

    def _tapped(self) -> None:
        if self.armed:
            self.reset()
            self.confirmed.emit()
            return
        self.armed = True
        self._disarm.start()
        self.retranslate()

    def reset(self) -> None:
        self.armed = False
        self._disarm.stop()
        self.retranslate()

    def retranslate(self) -> None:
        self.setText(tr("staff.confirm", what=tr(self.key)) if self.armed else tr(self.key))


class PinPadScreen(DigitPadScreen):
    """The digit pad for the staff PIN: a dot for each digit typed, never the digit."""

    name = "staff_pin"
    help_key = "staff.help.pin"

    def retranslate(self) -> None:
        super().retranslate()
        self.shown.setText("●" * len(self.digits) if self.digits else "—")


class StaffScreen(Screen):
    name = "staff"
    help_key = "staff.help.pages"
    touched = Signal()
    page_shown = Signal(str)
    test_device = Signal(str)
    paper_refilled = Signal()
    retry = Signal(str)  # a record's id; "": every failed one
    export_record = Signal(str)  # a refused record's id: to a USB stick for a counter
    sync_now = Signal()
    system = Signal(str)  # restart / reboot / desktop
    volume_step = Signal(int)  # +1 louder, -1 softer
    export_logs = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.page = "devices"
        self._devices: list[Any] = []
        self._checks: dict[str, Any] = {}  # device → CheckResult, or None while it runs
        self._paper: Any = None
        self._outbox: Any = None
        self._network: Any = None
        self._export: Any = ""  # "": nothing asked; None: exporting; else an ExportResult
        self._record_export: Any = ""  # the same for a refused record (outbox page)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(40, 24, 40, 20)
        outer.setSpacing(32)
        nav = QVBoxLayout()
        nav.setSpacing(14)
        self.nav_buttons: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        for page in PAGES:
            b = button()
            b.setCheckable(True)
            b.setObjectName(f"staff_{page}")
            b.clicked.connect(lambda _=False, p=page: self.show_page(p))
            group.addButton(b)
            nav.addWidget(b)
            self.nav_buttons[page] = b
        nav.addStretch(1)
        outer.addLayout(nav, 0)
        body = QVBoxLayout()
        body.setSpacing(12)
        self.title = label("Title")
        self.idle_hint = label("Hint")  # wraps where the page is narrow (portrait, 大字)
        self.idle_seconds = 120
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.idle_hint, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.stack = QStackedWidget()
        body.addLayout(head)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.pages: dict[str, QWidget] = {}
        for page in PAGES:
            w = QWidget()
            self.pages[page] = w
            self.stack.addWidget(w)
        self._build_devices()
        self._build_consumables()
        self._build_outbox()
        self._build_network()
        self._build_logs()
        self._build_system()
        self.retranslate()

    # --- touches keep staff mode open -------------------------------------------------------
    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        QApplication.instance().installEventFilter(self)
        super().showEvent(event)

    def hideEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        QApplication.instance().removeEventFilter(self)
        self.restart.reset()
        self.reboot.reset()
        self.desktop.reset()
        super().hideEvent(event)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self.touched.emit()
        return False

    # --- building -------------------------------------------------------------------------
    def _build_devices(self) -> None:
        self.device_grid = QGridLayout(self.pages["devices"])
        self.device_grid.setHorizontalSpacing(24)
        self.device_grid.setVerticalSpacing(10)
        self.device_grid.setColumnStretch(3, 1)
        self.device_widgets: dict[str, tuple[QLabel, QLabel, QLabel, QPushButton, QLabel]] = {}

    def _device_row(self, name: str) -> tuple[QLabel, QLabel, QLabel, QPushButton, QLabel]:
        row = len(self.device_widgets) * 2
        title, state = label(""), label("", wrap=False)
        error = label("ErrorCode")
        test = button()
        test.setObjectName(f"test_{name}")
        test.clicked.connect(lambda _=False, d=name: self.test_device.emit(d))
        result = label("")
        g = self.device_grid
        g.addWidget(title, row, 0)
        g.addWidget(state, row, 1)
        g.addWidget(test, row, 2)
        g.addWidget(result, row, 3)
        g.addWidget(error, row + 1, 0, 1, 4)
        self.device_widgets[name] = (title, state, error, test, result)
        g.setRowStretch(row + 2, 0)
        return self.device_widgets[name]

    def _build_consumables(self) -> None:
        lay = QVBoxLayout(self.pages["consumables"])
        lay.setSpacing(14)
        self.paper_left = label("")
        self.refill = button(primary=True)
        self.refill.setObjectName("paper_refilled")
        self.refill.clicked.connect(self.paper_refilled.emit)
        row = QHBoxLayout()
        row.addWidget(self.paper_left, 1)
        row.addWidget(self.refill)
        self.paper_bar = QProgressBar()
        self.paper_bar.setRange(0, 100)
        self.paper_bar.setTextVisible(False)
        self.paper_since = label("Hint")
        self.paper_sensor = label("")
        self.a4_state = label("")
        self.a4_note = label("ErrorCode")
        lay.addLayout(row)
        for w in (self.paper_bar, self.paper_since, self.paper_sensor):
            lay.addWidget(w)
        lay.addSpacing(24)
        lay.addWidget(self.a4_state)
        lay.addWidget(self.a4_note)
        lay.addStretch(1)

    def _build_outbox(self) -> None:
        lay = QVBoxLayout(self.pages["outbox"])
        lay.setSpacing(10)
        self.outbox_summary = label("")
        lay.addWidget(self.outbox_summary)
        self.outbox_rows: list[tuple[QLabel, QPushButton]] = []
        self.outbox_exports: list[QPushButton] = []  # 导出 on each refused row
        for n in range(OUTBOX_ROWS):
            row = QHBoxLayout()
            text = label("")
            again = button()
            again.clicked.connect(lambda _=False, i=n: self._retry_row(i))
            export = button()
            export.setObjectName(f"export_record_{n}")
            export.clicked.connect(lambda _=False, i=n: self._export_row(i))
            row.addWidget(text, 1)
            row.addWidget(again)
            row.addWidget(export)
            lay.addLayout(row)
            self.outbox_rows.append((text, again))
            self.outbox_exports.append(export)
        self.outbox_more = label("Hint")
        lay.addWidget(self.outbox_more)
        self.record_export_line = label("")
        self.record_export_line.hide()
        lay.addWidget(self.record_export_line)
        lay.addStretch(1)
        self.retry_all = button(primary=True)
        self.retry_all.setObjectName("retry_all")
        self.retry_all.clicked.connect(lambda: self.retry.emit(""))
        row = QHBoxLayout()
        row.addWidget(self.retry_all)
        row.addStretch(1)
        lay.addLayout(row)

    def _build_network(self) -> None:
        lay = QVBoxLayout(self.pages["network"])
        lay.setSpacing(14)
        self.net_lines = [label("") for _ in range(4)]
        for w in self.net_lines:
            lay.addWidget(w)
        lay.addStretch(1)
        self.sync_button = button(primary=True)
        self.sync_button.setObjectName("sync_now")
        self.sync_button.clicked.connect(self.sync_now.emit)
        row = QHBoxLayout()
        row.addWidget(self.sync_button)
        row.addStretch(1)
        lay.addLayout(row)

    def _build_logs(self) -> None:
        lay = QVBoxLayout(self.pages["logs"])
        lay.setSpacing(12)
        body = QHBoxLayout()
        body.setSpacing(16)
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("log_view")
        self.log_view.setReadOnly(True)
        self.log_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.log_view.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        # A finger drags the text (and flicks it); the wide bar and the two buttons too.
        QScroller.grabGesture(self.log_view.viewport(),
                              QScroller.ScrollerGestureType.LeftMouseButtonGesture)
        body.addWidget(self.log_view, 1)
        pager = QVBoxLayout()
        pager.setSpacing(16)
        self.log_up = button("▲")
        self.log_up.setObjectName("log_up")
        self.log_down = button("▼")
        self.log_down.setObjectName("log_down")
        self.log_up.clicked.connect(lambda: self._page_logs(-1))
        self.log_down.clicked.connect(lambda: self._page_logs(1))
        pager.addWidget(self.log_up)
        pager.addStretch(1)
        pager.addWidget(self.log_down)
        body.addLayout(pager)
        lay.addLayout(body, 1)
        self.export_button = button(primary=True)
        self.export_button.setObjectName("export_logs")
        self.export_button.clicked.connect(self.export_logs.emit)
        self.export_line = label("")
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.export_line, 1)
        lay.addLayout(row)

    def _page_logs(self, direction: int) -> None:
        action = (QAbstractSlider.SliderAction.SliderPageStepAdd if direction > 0
                  else QAbstractSlider.SliderAction.SliderPageStepSub)
        self.log_view.verticalScrollBar().triggerAction(action)

    def _build_system(self) -> None:
        lay = QVBoxLayout(self.pages["system"])
        lay.setSpacing(18)
        # How loud the kiosk speaks, for the room it stands in: each change is heard at once.
        self.volume = label("", wrap=False)
        self.softer = button("－")
        self.softer.setObjectName("softer")
        self.louder = button("＋")
        self.louder.setObjectName("louder")
        self.softer.clicked.connect(lambda: self.volume_step.emit(-1))
        self.louder.clicked.connect(lambda: self.volume_step.emit(1))
        self.volume_row = QWidget()  # the volume above its buttons: narrow in portrait too
        col = QVBoxLayout(self.volume_row)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(8)
        col.addWidget(self.volume)
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self.softer)
        row.addWidget(self.louder)
        row.addStretch(1)
        col.addLayout(row)
        self.volume_row.setVisible(False)  # until the flow says the kiosk has a voice
        self._volume: int | None = None
        lay.addWidget(self.volume_row)
        self.restart = _Confirm("staff.restart")
        self.restart.setObjectName("restart")
        self.restart.confirmed.connect(lambda: self.system.emit("restart"))
        self.restart_hint = label("Hint")
        self.reboot = _Confirm("staff.reboot")
        self.reboot.setObjectName("reboot")
        self.reboot.confirmed.connect(lambda: self.system.emit("reboot"))
        self.reboot_hint = label("Hint")  # what it does; once tapped, what it did
        self._reboot: str | None = ""  # "": not asked; None: asking; else how it went
        self.desktop = _Confirm("staff.desktop")
        self.desktop.setObjectName("desktop")
        self.desktop.confirmed.connect(lambda: self.system.emit("desktop"))
        self.desktop_hint = label("Hint")
        # Side by side where there is room (landscape), one above the other in portrait.
        buttons = self.system_buttons = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        buttons.setSpacing(16)
        buttons.addWidget(self.restart)
        buttons.addWidget(self.reboot)
        buttons.addWidget(self.desktop)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        lay.addWidget(self.restart_hint)
        lay.addWidget(self.reboot_hint)
        lay.addWidget(self.desktop_hint)
        lay.addStretch(1)

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.system_buttons.setDirection(d.TopToBottom if portrait else d.LeftToRight)

    # --- what the flow shows ----------------------------------------------------------------
    def set_reboot_allowed(self, allowed: bool) -> None:
        """config staff.allow_reboot: no 重启设备 where it is false."""
        self.reboot.setVisible(allowed)
        self.reboot_hint.setVisible(allowed)

    def show_reboot(self, key: str | None) -> None:
        """None: asking the system now; else rebooting / would_reboot / failed (in place of
        the hint under the buttons)."""
        self._reboot = key
        self._fill_reboot()

    def _fill_reboot(self) -> None:
        key, line = self._reboot, self.reboot_hint
        self.reboot.setEnabled(key not in (None, "rebooting"))
        if key == "":
            line.setText(tr("staff.reboot_hint"))
            line.setStyleSheet("")
        elif key is None:
            line.setText(tr("staff.reboot_state.asking"))
            line.setStyleSheet(f"color: {BLUE}; font-weight: bold;")
        else:
            _marked(line, "bad" if key == "failed" else "ok", tr(f"staff.reboot_state.{key}"))

    def show_volume(self, volume: int | None) -> None:
        """The voice's volume in percent; None: the kiosk does not speak (no row)."""
        self._volume = volume
        self.volume_row.setVisible(volume is not None)
        if volume is not None:
            self.volume.setText(tr("staff.volume", n=volume))
            self.softer.setEnabled(volume > 0)
            self.louder.setEnabled(volume < 100)

    def show_page(self, page: str) -> None:
        self.page = page
        self.nav_buttons[page].setChecked(True)
        self.stack.setCurrentWidget(self.pages[page])
        self.retranslate()
        self.page_shown.emit(page)

    def show_devices(self, rows: list[Any]) -> None:
        self._devices = rows
        self._fill_devices()

    def show_check(self, device: str, result: Any) -> None:
        """``result`` None: the test is running."""
        self._checks[device] = result
        self._fill_devices()

    def show_paper(self, view: Any) -> None:
        self._paper = view
        self._fill_paper()

    def show_outbox(self, view: Any) -> None:
        self._outbox = view
        self._fill_outbox()

    def show_network(self, view: Any) -> None:
        self._network = view
        self._fill_network()

    def show_logs(self, lines: list[str]) -> None:
        """The log's last lines (masked by the flow), the newest at the bottom, in view."""
        self.log_view.setPlainText("\n".join(lines) if lines else tr("staff.logs_empty"))
        bar = self.log_view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def show_export(self, result: Any) -> None:
        """None: exporting now; else the flow's ``ExportResult``."""
        self._export = result
        self._fill_export()

    def check_text(self, device: str) -> str:
        return self.device_widgets[device][4].text() if device in self.device_widgets else ""

    # --- filling ------------------------------------------------------------------------------
    def _fill_devices(self) -> None:
        for row in self._devices:
            title, state, error, test, result = (self.device_widgets.get(row.name)
                                                 or self._device_row(row.name))
            title.setText(tr_or(f"staff.device.{row.name}", row.name))
            _marked(state, _LEVEL.get(row.state, "bad"), tr(f"staff.state.{row.state}"))
            error.setText(tr("staff.last_error", code=row.code, reason=row.reason[:90])
                          if row.code else "")
            error.setVisible(bool(row.code))
            test.setText(tr(f"staff.test.{row.name}"))
            check = self._checks.get(row.name, "")
            test.setEnabled(check is not None)
            if check is None:
                wait = "staff.check.waiting_card" if row.name in ("idcard", "sscard") else (
                    "staff.check.running")
                result.setText(tr(wait))
                result.setStyleSheet(f"color: {BLUE}; font-weight: bold;")
            elif check:
                _marked(result, "ok" if check.ok else "bad",
                        tr(f"staff.check.{check.key}", **check.fmt))
            else:
                result.setText("")

    def _fill_paper(self) -> None:
        v = self._paper
        if v is None:
            return
        pct = round(v.fraction * 100)
        level = "bad" if v.sensor == "out" or pct <= 5 else (
            "warn" if v.sensor == "near_end" or pct <= 15 else "ok")
        _marked(self.paper_left, level, tr("staff.paper_left", m=f"{v.left_m:.1f}", pct=pct))
        self.paper_bar.setValue(pct)
        since = (datetime.fromtimestamp(v.refilled_at).strftime("%Y-%m-%d %H:%M")
                 if v.refilled_at else tr("staff.paper_never"))
        self.paper_since.setText(tr("staff.paper_since", since=since, m=f"{v.used_m:.1f}",
                                    roll=f"{v.roll_m:g}"))
        sensor_level = {"ok": "ok", "near_end": "warn", "out": "bad"}.get(v.sensor, "warn")
        _marked(self.paper_sensor, sensor_level, tr(
            "staff.paper_sensor", state=tr(f"staff.paper.{v.sensor}")))
        self.a4_state.setVisible(v.a4 is not None)
        self.a4_note.setVisible(v.a4 is not None)
        if v.a4 is not None:
            a4_level = {"ok": "ok", "near_end": "warn", "out": "bad"}.get(v.a4, "warn")
            _marked(self.a4_state, a4_level,
                    tr("staff.paper_a4", state=tr(f"staff.paper.{v.a4}")))

    def _fill_outbox(self) -> None:
        v = self._outbox
        if v is None:
            self.outbox_summary.setText(tr("staff.loading"))
            for (text, again), export in zip(self.outbox_rows, self.outbox_exports,
                                             strict=True):
                text.hide()
                again.hide()
                export.hide()
            self.outbox_more.hide()
            return
        self.outbox_summary.setText(tr("staff.outbox_summary", pending=v.pending,
                                       failed=v.failed, rejected=v.rejected,
                                       age=_age(v.oldest_age_s)))
        shown = ELDER_OUTBOX_ROWS if self.theme.elder else OUTBOX_ROWS  # no scrolling
        for i, (text, again) in enumerate(self.outbox_rows):
            row = v.rows[i] if i < min(len(v.rows), shown) else None
            text.setVisible(row is not None)
            again.setVisible(row is not None and row.retry and row.state != "finalized")
            export = self.outbox_exports[i]
            export.setVisible(row is not None and row.export)
            export.setEnabled(self._record_export is not None)
            export.setText(tr("staff.export.record"))
            if row is None:
                continue
            kind = tr_or(f"staff.kind.{row.kind}", row.kind)
            level = "bad" if row.state == "rejected" else (
                "warn" if row.state == "failed" else "ok")
            mark, colour = _MARK[level]
            code = f" [{row.code}]" if row.code else ""
            text.setText(f"{mark} {tr(f'staff.record.{row.state}')} · {kind} · "
                         f"{tr('staff.ago', age=_age(row.age_s))}\n"
                         f"{tr(f'staff.reason.{row.reason}')}{code}")
            text.setStyleSheet(f"color: {colour if level == 'bad' else INK};")
            again.setText(tr("staff.retry_one"))
        more = len(v.rows) - shown
        self.outbox_more.setVisible(more > 0)
        self.outbox_more.setText(tr("staff.outbox_more", n=more) if more > 0 else "")
        self.retry_all.setEnabled(v.failed > 0 or v.pending > 0)

    def _export_row(self, i: int) -> None:
        if self._outbox is not None and i < len(self._outbox.rows):
            self.export_record.emit(self._outbox.rows[i].uuid)

    def show_record_export(self, result: Any) -> None:
        """None: exporting a refused record now; else the flow's ``ExportResult``."""
        self._record_export = result
        line = self.record_export_line
        line.setVisible(result != "")
        for b in self.outbox_exports:
            b.setEnabled(result is not None)
        if result is None:
            line.setText(tr("staff.export.running"))
            line.setStyleSheet(f"color: {BLUE}; font-weight: bold;")
        elif result != "":
            _marked(line, "ok" if result.key == "done" else "bad",
                    tr(f"staff.export.{result.key}", where=result.where, code=result.code))

    def _retry_row(self, i: int) -> None:
        if self._outbox is not None and i < len(self._outbox.rows):
            self.retry.emit(self._outbox.rows[i].uuid)

    def _fill_export(self) -> None:
        r = self._export
        self.export_button.setEnabled(r is not None)
        if r == "":
            self.export_line.setText(tr("staff.export.hint"))
            self.export_line.setStyleSheet("")
        elif r is None:
            self.export_line.setText(tr("staff.export.running"))
            self.export_line.setStyleSheet(f"color: {BLUE}; font-weight: bold;")
        else:
            level = "ok" if r.key == "done" else "bad"
            _marked(self.export_line, level, tr(f"staff.export.{r.key}", where=r.where,
                                                code=r.code))

    def _fill_network(self) -> None:
        v = self._network
        if v is None:
            return
        _marked(self.net_lines[0], "ok" if v.online else "bad",
                tr("staff.net_local", state=tr("staff.net_up" if v.online else "staff.net_down")))
        link_level = {"ok": "ok", "down": "bad"}.get(v.link, "warn")
        _marked(self.net_lines[1], link_level,
                tr("staff.net_platform", state=tr(f"staff.link.{v.link}")))
        self.net_lines[2].setText(tr("staff.net_last_round", age=_age(v.last_round_age_s)))
        self.net_lines[3].setText(tr("staff.net_last_error", error=v.last_error[:120])
                                  if v.last_error else "")

    # --- the look and the words -------------------------------------------------------------
    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self._fill_outbox()
        compact = f"min-height: {theme.px(64)}px; padding: 4px 18px;"
        for b in self.nav_buttons.values():
            b.setStyleSheet(f"min-width: {theme.px(180)}px; text-align: left; "
                            f"min-height: {theme.px(64)}px; padding: 4px 18px;")
        for _t, _s, _e, test, _r in self.device_widgets.values():
            test.setStyleSheet(compact)
        for _text, again in self.outbox_rows:
            again.setStyleSheet(compact)
        for b in self.outbox_exports:
            b.setStyleSheet(compact)
        for b in (self.restart, self.reboot, self.desktop):
            b.setStyleSheet(compact)
        for b in (self.softer, self.louder):
            b.setStyleSheet(compact + f" min-width: {theme.px(110)}px;")
        for b in (self.log_up, self.log_down):
            b.setStyleSheet(f"min-width: {theme.px(96)}px; min-height: {theme.px(96)}px;")
        self.log_view.setStyleSheet(
            f"QPlainTextEdit {{ font-family: monospace; font-size: {min(theme.px(20), 24)}px; "
            f"background: white; border: 2px solid {LINE}; }} "
            f"QScrollBar:vertical {{ width: {theme.px(40)}px; }}")
        self.paper_bar.setStyleSheet(
            f"QProgressBar {{ min-height: {theme.px(28)}px; border: 2px solid {LINE}; "
            f"border-radius: 8px; background: white; }} "
            f"QProgressBar::chunk {{ background: {BLUE}; border-radius: 6px; }}")

    def on_enter(self) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr(f"staff.page.{self.page}"))
        self.idle_hint.setText(tr("staff.idle_hint", t=_age(self.idle_seconds)))
        for page, b in self.nav_buttons.items():
            b.setText(tr(f"staff.nav.{page}"))
        self.refill.setText(tr("staff.refilled"))
        self.a4_note.setText(tr("staff.a4_no_markers"))
        self.retry_all.setText(tr("staff.retry_all"))
        self.sync_button.setText(tr("staff.sync_now"))
        self.export_button.setText(tr("staff.export.button"))
        self.restart.retranslate()
        self.reboot.retranslate()
        self.desktop.retranslate()
        self.restart_hint.setText(tr("staff.restart_hint"))
        self._fill_reboot()
        self.desktop_hint.setText(tr("staff.desktop_hint"))
        self.show_volume(self._volume)
        self._fill_devices()
        self._fill_paper()
        self._fill_outbox()
        self._fill_network()
        self._fill_export()

    def reset(self) -> None:
        self._checks = {}
        self._export = ""
        self._outbox = None
        self._record_export = ""
        self.record_export_line.hide()
        self._reboot = ""
        self._fill_reboot()
        self.restart.reset()
        self.reboot.reset()
        self.desktop.reset()
