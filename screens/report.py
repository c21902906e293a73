"""办不成事: a citizen who could not get something done says why, with one tap.

No card and no typing: the reasons are the ones 办不成事 windows hear most. The report goes
to the platform through the outbox; nothing about the person goes with it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QVBoxLayout

from kiosk.i18n import tr
from kiosk.records import REPORT_REASONS
from screens.widgets import Screen, button, label, tr_or


class ReportScreen(Screen):
    name = "report"
    help_key = "help.report"
    reported = Signal(str)  # the reason's key
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.sent = False
        self.error_code = ""  # the report could not be kept (e.g. store.full)
        self.title = label("Title")
        self.text = label("Hint")
        self.reasons = {key: button() for key in REPORT_REASONS}
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        for key, b in self.reasons.items():
            b.clicked.connect(lambda _=False, k=key: self._report(k))
        self.done = button()
        self.done.clicked.connect(self.finished.emit)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 30, 60, 30)
        lay.setSpacing(30)
        lay.addWidget(self.title)
        lay.addWidget(self.text)
        lay.addLayout(self.grid)
        lay.addStretch(1)
        self.set_portrait(False)
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        """Two columns across a landscape screen; one under the other in portrait. The
        way out takes the last place, so even elder mode needs no scrolling."""
        columns = 1 if portrait else 2
        for i, b in enumerate((*self.reasons.values(), self.done)):
            self.grid.addWidget(b, i // columns, i % columns)

    def _report(self, key: str) -> None:
        if not self.sent:  # one report per visit to this screen
            self.sent = True
            self.reported.emit(key)
            self.retranslate()

    def show_error(self, code: str) -> None:
        """The report was not kept: say so plainly, in place of the thanks."""
        self.error_code = code
        self.retranslate()

    def reset(self) -> None:
        self.sent = False
        self.error_code = ""
        self.retranslate()

    def on_enter(self) -> None:
        self.reset()  # each visit starts fresh: the last citizen's report is not this one's

    def retranslate(self) -> None:
        if self.error_code:
            self.title.setText(tr("report.failed_title"))
            self.text.setText(tr_or(f"error.{self.error_code}", tr("error.generic")))
        else:
            self.title.setText(tr("report.sent_title" if self.sent else "report.title"))
            self.text.setText(tr("report.sent_text" if self.sent else "report.text"))
        for key, b in self.reasons.items():
            b.setText(tr(f"report.reason.{key}"))
            b.setVisible(not self.sent)
        self.done.setText(tr("report.done" if self.sent else "report.cancel"))
        if self.done.property("primary") != self.sent:  # "go back" must not outshine a reason
            self.done.setProperty("primary", self.sent)
            self.done.style().unpolish(self.done)
            self.done.style().polish(self.done)
