"""好差评 of one case (一事一评): five scores; 不满意 and 非常不满意 need at least one reason
before they are sent, as the 好差评 rules ask; then thanks."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.i18n import tr
from kiosk.records import BAD_REASONS
from screens.widgets import Screen, button, label


class RatingScreen(Screen):
    name = "rating"
    help_key = "rating.help"
    rated = Signal(int, list)  # score, reason keys
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.score: int | None = None
        self.sent = False
        self.chosen: list[str] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 40, 80, 40)
        lay.setSpacing(24)
        self.title = label("Title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scores = {n: button() for n in range(5, 0, -1)}
        self.score_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.score_row.setSpacing(20)
        for n, b in self.scores.items():
            b.clicked.connect(lambda _=False, s=n: self._score(s))
            self.score_row.addWidget(b, 1)
        self.why = label("Hint")
        self.reasons = {key: button() for key in BAD_REASONS}
        self.grid = grid = QGridLayout()
        grid.setSpacing(16)
        for key, b in self.reasons.items():
            b.clicked.connect(lambda _=False, k=key: self._reason(k))
        self._place_reasons(3)
        self.send = button(primary=True)
        self.send.clicked.connect(self._send)
        self.done = button()
        self.done.clicked.connect(self.finished.emit)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.send)
        row.addWidget(self.done)
        lay.addWidget(self.title)
        lay.addLayout(self.score_row)
        lay.addWidget(self.why)
        lay.addLayout(grid)
        lay.addStretch(1)
        lay.addLayout(row)
        self.retranslate()

    def _place_reasons(self, columns: int) -> None:
        for i, b in enumerate(self.reasons.values()):
            self.grid.removeWidget(b)
            self.grid.addWidget(b, i // columns, i % columns)

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.score_row.setDirection(d.TopToBottom if portrait else d.LeftToRight)
        self._place_reasons(1 if portrait else 3)  # portrait: one a row, ✓ and all

    def reset(self) -> None:
        self.score, self.sent, self.chosen = None, False, []
        self.retranslate()

    def _score(self, score: int) -> None:
        if self.sent:
            return
        self.score, self.chosen = score, []
        if score >= 3:  # no reason needed: sent at once
            self._send()
        self.retranslate()

    def _reason(self, key: str) -> None:
        if key in self.chosen:
            self.chosen.remove(key)
        else:
            self.chosen.append(key)
        self.retranslate()

    def _send(self) -> None:
        if self.sent or self.score is None or (self.score <= 2 and not self.chosen):
            return
        self.sent = True
        self.rated.emit(self.score, list(self.chosen))
        self.retranslate()

    def retranslate(self) -> None:
        bad = self.score is not None and self.score <= 2 and not self.sent
        self.title.setText(tr("rating.thanks") if self.sent else tr(
            "rating.chosen", score=tr(f"ticket.score.{self.score}")) if bad
            else tr("rating.question"))
        for n, b in self.scores.items():
            b.setText(tr(f"ticket.score.{n}"))
            b.setVisible(not self.sent and not bad)  # a 差评 chosen: now only why
            b.setProperty("primary", n == self.score)
            b.style().polish(b)
        self.why.setText(tr("rating.why"))
        self.why.setVisible(bad)
        for key, b in self.reasons.items():
            b.setText(("✓ " if key in self.chosen else "") + tr(f"rating.reason.{key}"))
            b.setVisible(bad)
        self.send.setText(tr("rating.send"))
        self.send.setVisible(bad)
        self.send.setEnabled(bool(self.chosen))
        self.done.setText(tr("rating.done") if self.sent else tr("rating.skip"))
