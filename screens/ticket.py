"""The queue ticket: printing, then the number in large type (and what to do if no paper).
"完成" then asks for the 好差评 rating of the service (a page of its own): five levels, one
tap, or skip."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QStackedLayout, QVBoxLayout, QWidget

from kiosk.flows.queue import TicketView
from kiosk.i18n import tr, translator
from kiosk.voice import Digits, Part, Prompt, Text
from screens.care import labels_prompt
from screens.widgets import DeviceIllustration, Screen, button, label, tr_or


class TicketScreen(Screen):
    name = "ticket"
    help_key = "help.ticket"
    finished = Signal()
    rating_shown = Signal()  # the window gives the citizen time to choose
    rated = Signal(int)  # 1 非常不满意 … 5 非常满意

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
        self.done.clicked.connect(self._show_rating)
        for w in (self.title, self.number, self.detail):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Landscape: the number on the left, what to do on the right; portrait: stacked.
        ticket_page = QWidget()
        lay = QVBoxLayout(ticket_page)
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

        self.score: int | None = None
        self.question = label("Title")
        self.question.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scores = {n: button() for n in range(5, 0, -1)}
        self.score_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.score_row.setSpacing(24)
        for n, b in self.scores.items():
            b.clicked.connect(lambda _=False, n=n: self._rate(n))
            self.score_row.addWidget(b, 1)
        self.skip = button()  # not primary: it must not outshine the answers
        self.skip.clicked.connect(self.finished.emit)
        rating_page = QWidget()
        rating = QVBoxLayout(rating_page)
        rating.setContentsMargins(60, 30, 60, 30)
        rating.setSpacing(40)
        rating.addStretch(1)
        rating.addWidget(self.question)
        rating.addLayout(self.score_row)
        rating.addStretch(1)
        rating.addWidget(self.skip, 0, Qt.AlignmentFlag.AlignHCenter)

        self.pages = QStackedLayout(self)
        self.pages.addWidget(ticket_page)
        self.pages.addWidget(rating_page)
        self.show_printing()

    @property
    def showing_number(self) -> bool:
        """The page with the number (not the rating after it) is up."""
        return self.pages.currentIndex() == 0

    def voice_prompt(self) -> Prompt:
        """The number said one character at a time (A 零 零 一), then what to do."""
        v = self.view
        if v is None or not self.showing_number:
            return labels_prompt(self)
        said: list[Part] = [Text(self.title.text())]
        if v.number != "—":
            said.append(Digits(v.number))
        if not v.printed:
            said.append(Text(self.error.text()))
        return (*said, Text(self.instructions.text()))

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.columns.setDirection(d.TopToBottom if portrait else d.LeftToRight)
        self.score_row.setDirection(d.TopToBottom if portrait else d.LeftToRight)

    def show_printing(self) -> None:
        self.view = None
        self.pages.setCurrentIndex(0)
        self.retranslate()

    def show_result(self, view: TicketView) -> None:
        self.view = view
        self.score = None
        self.pages.setCurrentIndex(0)
        self.retranslate()

    def _show_rating(self) -> None:
        self.pages.setCurrentIndex(1)
        self.rating_shown.emit()
        self.retranslate()

    def _rate(self, score: int) -> None:
        if self.score is None:  # one rating per ticket
            self.score = score
            self.rated.emit(score)
            self.retranslate()

    def set_seconds_left(self, seconds: int) -> None:
        self._seconds_left = seconds
        if self.view is not None:
            self.done.setText(tr("ticket.done", s=seconds))
            self.skip.setText(tr("ticket.skip" if self.score is None else "ticket.done",
                                 s=seconds))

    def reset(self) -> None:
        self.show_printing()

    def retranslate(self) -> None:
        self.question.setText(tr("ticket.rate" if self.score is None else "ticket.rated"))
        for n, b in self.scores.items():
            b.setText(tr(f"ticket.score.{n}"))
            b.setVisible(self.score is None)
        self.set_seconds_left(self._seconds_left)
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
        name = v.category.get(translator.language, "")
        self.detail.setText(tr("ticket.detail", category=name, n=v.waiting))
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
