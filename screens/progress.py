"""进度查询: the citizen's cases (with 扫描回执二维码 and, offline, how old what is shown is), one
case — where it is, each step with its date, what 补正 needs and by when (补交材料), by when it
is promised — and the receipt's QR read under the camera."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QBoxLayout, QVBoxLayout

from kiosk.guide_view import Choice
from kiosk.i18n import tr
from kiosk.supplement import age_parts
from screens.capture import FrameRelay, PreviewView
from screens.entry import ChoiceScreen
from screens.theme import Theme
from screens.widgets import Screen, button, label

_AGE_STYLE = "color: #8A4B00; font-weight: bold;"  # what is shown is not the newest


def age_text(age: float | None) -> str:
    """"以下为 3 小时前的状态，联网后可查看最新进度", or "" for an answer just had."""
    if age is None:
        return ""
    unit, n = age_parts(age)
    return tr("progress.offline_age", age=tr(f"progress.age.{unit}", n=n))


class ListScreen(ChoiceScreen):
    """The citizen's cases as tiles; under them 扫描回执二维码."""

    scan_requested = Signal()

    def __init__(self) -> None:
        super().__init__("progress_list")
        self._age: float | None = None
        self._scan_offered = True
        self.age = label("Hint")
        self.scan = button()
        self.scan.clicked.connect(self.scan_requested.emit)
        lay = self.layout()
        assert isinstance(lay, QVBoxLayout)
        lay.insertWidget(3, self.age)  # under the title, the hint and the error
        lay.addWidget(self.scan, 0, Qt.AlignmentFlag.AlignHCenter)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.age.setStyleSheet(_AGE_STYLE)

    def set_scan_offered(self, offered: bool) -> None:
        self._scan_offered = offered
        self.retranslate()

    def show_loading(self) -> None:
        self._age = None
        self.set_content("progress.list_title", [], "loading")

    def show_cases(self, choices: list[Choice], state: str = "") -> None:
        self.set_content("progress.list_title", choices, state)

    def set_age(self, age: float | None) -> None:
        self._age = age
        self.retranslate()

    def reset(self) -> None:
        super().reset()
        self._age = None

    def retranslate(self) -> None:
        super().retranslate()
        self.age.setText(age_text(self._age))
        self.age.setVisible(self._age is not None)
        self.scan.setText(tr("progress.scan"))
        self.scan.setVisible(self._scan_offered)


class CaseScreen(Screen):
    name = "progress_case"
    help_key = "progress.help.progress_case"
    supply_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._case: dict[str, Any] = {}
        self._age: float | None = None
        self._waiting = ""  # the material handed in here and not yet at the platform
        self._can_supply = False
        self._done = ""  # "", "saving", "supplied", "supplied_offline" or an error code
        self._printed = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 12, 60, 12)
        lay.setSpacing(10)
        self.title = label("Title")
        self.age = label("Hint")
        self.state = label("")
        self.next = label("Error")
        self.supply = button(primary=True)
        self.supply.clicked.connect(self.supply_requested.emit)
        self.supplied = label("Hint")
        self.receipt = label("Hint")  # the 补交回执: take it, or why it did not print
        self.steps = label("Hint")
        self.promised = label("")
        lay.addWidget(self.title)
        lay.addWidget(self.age)
        # Where it is and what to do on the left, its steps on the right (landscape); one
        # column in portrait.
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(40)
        now = QVBoxLayout()
        now.setSpacing(14)
        for w in (self.state, self.next):
            now.addWidget(w)
        now.addWidget(self.supply, 0, Qt.AlignmentFlag.AlignLeft)
        now.addWidget(self.supplied)
        now.addWidget(self.receipt)
        now.addStretch(1)
        life = QVBoxLayout()
        life.setSpacing(10)
        life.addWidget(self.steps)
        life.addWidget(self.promised)
        life.addStretch(1)
        self.body.addLayout(now, 11)
        self.body.addLayout(life, 9)
        lay.addLayout(self.body, 1)

    def set_portrait(self, portrait: bool) -> None:
        self.body.setDirection(QBoxLayout.Direction.TopToBottom if portrait
                               else QBoxLayout.Direction.LeftToRight)
        # One column: the steps follow what to do, the room left goes below them.
        self.body.setStretch(0, 0 if portrait else 11)
        self.body.setStretch(1, 1 if portrait else 9)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.state.setStyleSheet(f"font-size: {theme.px(44)}px; font-weight: bold; "
                                 "color: #0B57A4;")
        self.supplied.setStyleSheet("font-weight: bold; color: #1E8E3E;")
        self.supply.setStyleSheet(f"min-width: {theme.px(320)}px;")
        self.age.setStyleSheet(_AGE_STYLE)

    def show_case(self, case: dict[str, Any], age: float | None = None, waiting: str = "",
                  can_supply: bool = False) -> None:
        if case.get("case_number") != self._case.get("case_number"):
            self._done, self._printed = "", ""
        self._case, self._age, self._waiting = case, age, waiting
        self._can_supply = can_supply
        self.retranslate()

    def show_saving(self) -> None:
        self._done, self._printed = "saving", ""
        self.retranslate()

    def show_supplied(self, material: str, online: bool, printed: str) -> None:
        """Handed in: ``printed`` is "" when the 补交回执 came out, else the printer's error."""
        self._waiting = material
        self._done = "supplied" if online else "supplied_offline"
        self._printed = printed
        self.retranslate()

    def show_error(self, code: str) -> None:
        self._done = code
        self.retranslate()

    def reset(self) -> None:
        self._case, self._age, self._waiting, self._done, self._printed = {}, None, "", "", ""
        self.retranslate()

    def retranslate(self) -> None:
        c = self._case
        if not c:
            for w in (self.title, self.age, self.state, self.next, self.supplied, self.receipt,
                      self.steps, self.promised):
                w.setText("")
            self.supply.setVisible(False)
            return
        self.title.setText(tr("progress.case_title", entry=c["entry_name"],
                              case=c["case_number"]))
        self.age.setText(age_text(self._age))
        self.age.setVisible(self._age is not None)
        correction = c["state"] == "correction" and not self._waiting
        state = "supplied" if c["state"] == "correction" and self._waiting else c["state"]
        self.state.setText(tr(f"progress.state.{state}"))
        self.next.setText(self._need(c) if correction else "")
        self.next.setVisible(correction)
        self.supply.setText(tr("progress.supply"))
        self.supply.setVisible(correction and self._can_supply and self._done != "saving")
        self.supplied.setText(self._supplied_text())
        self.supplied.setVisible(bool(self.supplied.text()))
        handed_in = self._done in ("supplied", "supplied_offline")
        self.receipt.setText("" if not handed_in else tr("progress.receipt_printed")
                             if not self._printed else tr("progress.receipt_not_printed",
                                                         reason=tr(f"error.{self._printed}")))
        self.receipt.setVisible(handed_in)
        self.receipt.setStyleSheet("color: #B3261E; font-weight: bold;" if self._printed
                                   else "font-weight: bold;")
        self.steps.setText("\n".join(
            tr("progress.step", at=s["at"][:10], state=tr(f"progress.state.{s['state']}"),
               note=f"：{s['note']}" if s["note"] else "") for s in c["steps"]))
        self.promised.setText(tr("progress.promised", date=c["promised_by"])
                              if c["state"] not in ("done", "rejected") else "")

    def _need(self, c: dict[str, Any]) -> str:
        needs = c.get("needs") or {}
        materials = "、".join(needs.get("materials") or [])
        if not materials:  # a 补正 that names no material: what the note says
            return tr("progress.next_correction", note=c["steps"][-1]["note"])
        if needs.get("due"):
            y, m, d = (int(x) for x in needs["due"].split("-"))
            return tr("progress.need_by", materials=materials,
                      date=tr("progress.due_date", y=y, m=m, d=d))
        return tr("progress.need", materials=materials)

    def _supplied_text(self) -> str:
        if self._done == "saving":
            return tr("progress.saving")
        if self._done in ("supplied", "supplied_offline"):
            return tr(f"progress.{self._done}")
        if self._done:
            return tr(f"error.{self._done}")
        if self._waiting:
            return tr("progress.waiting", material=self._waiting)
        return ""


class ScanScreen(Screen):
    """扫描回执二维码: the live camera picture, and what to do; the case opens when the
    receipt's QR is read (the flow reads the camera's stills)."""

    name = "progress_scan"
    help_key = "progress.help.progress_scan"

    def __init__(self) -> None:
        super().__init__()
        self._result = ""
        self.relay = FrameRelay()
        self.poll = QTimer(self)  # runs only while shown
        self.poll.setInterval(30)
        self.poll.timeout.connect(self._on_frame)
        self.title = label("Title")
        self.preview = PreviewView()
        self.hint = label("")
        self.status = label("Hint")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 12, 40, 12)
        lay.setSpacing(16)
        lay.addWidget(self.title)
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(32)
        self.body.addWidget(self.preview, 3)
        words = QVBoxLayout()
        words.setSpacing(24)
        words.addWidget(self.hint)
        words.addWidget(self.status)
        words.addStretch(1)
        self.body.addLayout(words, 2)
        lay.addLayout(self.body, 1)

    def set_portrait(self, portrait: bool) -> None:
        self.body.setDirection(QBoxLayout.Direction.TopToBottom if portrait
                               else QBoxLayout.Direction.LeftToRight)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.hint.setStyleSheet(f"font-size: {theme.px(32)}px;")

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        self.relay.take()  # a frame left from the last visit is not news
        self.poll.start()
        super().showEvent(event)

    def hideEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        self.poll.stop()
        super().hideEvent(event)

    def _on_frame(self) -> None:
        frame, _ = self.relay.take()
        if frame is not None:
            self.preview.show_frame(frame)

    def show_result(self, result: str) -> None:
        self._result = result
        self.retranslate()

    def reset(self) -> None:
        self._result = ""
        self.preview.show_frame(None)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("progress.scan_title"))
        self.hint.setText(tr("progress.scan_hint"))
        self.status.setText(tr(f"progress.scan_result.{self._result or 'waiting'}"))
        bad = self._result not in ("", "looking")
        self.status.setStyleSheet("color: #B3261E; font-weight: bold;" if bad
                                  else "font-weight: bold;")
