"""The queue ticket: printing, then the number in large type (and what to do if no paper)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QVBoxLayout

from kiosk.i18n import tr
from screens.widgets import DeviceIllustration, Screen, button, label, tr_or


@dataclass(frozen=True)
class TicketView:
    number: str
    category: str
    waiting: int
    printed: bool
    error_code: str = ""


class TicketScreen(Screen):
    name = "ticket"
    help_key = "help.ticket"
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.view: TicketView | None = None
        self._seconds_left = 0
        self.title = label("Title")
        self.number = label("BigNumber", wrap=False)
        self.detail = label("")
        self.printer = DeviceIllustration("printer")
        self.printer.setMinimumSize(260, 200)
        self.instructions = label("")
        self.error = label("Error")
        self.code = label("ErrorCode")
        self.done = button(primary=True)
        self.done.clicked.connect(self.finished.emit)
        for w in (self.title, self.number, self.detail):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Landscape: the number on the left, what to do on the right; portrait: stacked.
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 30, 60, 30)
        lay.setSpacing(16)
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.columns.setSpacing(40)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addStretch(1)
        for w in (self.title, self.number, self.detail):
            left.addWidget(w)
        left.addStretch(1)
        how = QHBoxLayout()
        how.addWidget(self.printer, 2)
        how.addWidget(self.instructions, 3)
        right.addStretch(1)
        right.addLayout(how)
        right.addWidget(self.error)
        right.addWidget(self.code)
        right.addStretch(1)
        self.columns.addLayout(left, 1)
        self.columns.addLayout(right, 1)
        lay.addLayout(self.columns, 1)
        lay.addWidget(self.done, 0, Qt.AlignmentFlag.AlignHCenter)
        self.show_printing()

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.columns.setDirection(d.TopToBottom if portrait else d.LeftToRight)

    def show_printing(self) -> None:
        self.view = None
        self.retranslate()

    def show_result(self, view: TicketView) -> None:
        self.view = view
        self.retranslate()

    def set_seconds_left(self, seconds: int) -> None:
        self._seconds_left = seconds
        if self.view is not None:
            self.done.setText(tr("ticket.done", s=seconds))

    def reset(self) -> None:
        self.show_printing()

    def retranslate(self) -> None:
        v = self.view
        self.number.setVisible(v is not None)
        self.detail.setVisible(v is not None)
        self.done.setVisible(v is not None)
        failed = v is not None and not v.printed
        self.error.setVisible(failed)
        self.code.setVisible(failed)
        self.printer.setVisible(v is None or v.printed)
        if v is None:
            self.title.setText(tr("ticket.printing"))
            self.instructions.setText(tr("ticket.printing_hint"))
            return
        self.number.setText(v.number)
        self.detail.setText(tr("ticket.detail", category=v.category, n=v.waiting))
        self.done.setText(tr("ticket.done", s=self._seconds_left))
        if v.printed:
            self.title.setText(tr("ticket.title_printed"))
            self.instructions.setText(tr("ticket.take_paper"))
        else:
            self.title.setText(tr("ticket.title_not_printed"))
            self.instructions.setText(tr("ticket.remember"))
            msg = tr_or(f"error.{v.error_code}", tr("error.printer_generic"))
            self.error.setText(msg)
            self.code.setText(tr("error.code", code=v.error_code))
