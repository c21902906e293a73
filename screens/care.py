"""What the kiosk does for those who need it most: the speaker drawn on 重听 (no font on a
kiosk need have 🔊), and the question 大字模式? asked once of a card holder of 70 or more."""

from __future__ import annotations

import re

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from kiosk import voice as v
from kiosk.i18n import tr
from screens.overlays import Overlay
from screens.widgets import button, label

_MASKED = re.compile(r"\S\*+\S")  # 张*三, 4301**********123X: never read aloud


def _shown(w: QWidget, root: QWidget) -> bool:
    return w.isVisibleTo(root) and bool(getattr(w, "text", lambda: "")())


def labels_prompt(screen: QWidget) -> v.Prompt:
    """What a screen says unless it says otherwise (``voice_prompt``): its errors (what went
    wrong and what to do), then its title (what to do now), each as shown."""
    labels = sorted((w for w in screen.findChildren(QLabel) if _shown(w, screen)),
                    key=lambda w: w.mapTo(screen, w.rect().topLeft()).y())
    errors = [w.text() for w in labels if w.objectName() == "Error"]
    titles = [w.text() for w in labels if w.objectName() == "Title"]
    return tuple(v.Text(t) for t in [*errors, *titles[:1]] if not _MASKED.search(t))


def speaker_icon(size: int, colour: str) -> QIcon:
    """A loudspeaker with two sound waves, ``size`` px square, in ``colour``."""
    pix = QPixmap(QSize(size, size))
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 24
    p.scale(s, s)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(colour))
    p.drawPolygon(QPolygonF([QPointF(2, 9), QPointF(6, 9), QPointF(12, 3), QPointF(12, 21),
                             QPointF(6, 15), QPointF(2, 15)]))
    pen = QPen(QColor(colour), 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawArc(9, 7, 8, 10, -60 * 16, 120 * 16)
    p.drawArc(8, 3, 14, 18, -60 * 16, 120 * 16)
    p.end()
    return QIcon(pix)


class ElderOfferOverlay(Overlay):
    """需要把字放大吗? — asked once, when the card says the holder is 70 or older."""

    answered = Signal(bool)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.title = label("Title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = label("")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        row.setSpacing(32)
        self.yes = button(primary=True)
        self.no = button()
        self.yes.clicked.connect(lambda: self._answer(True))
        self.no.clicked.connect(lambda: self._answer(False))
        row.addWidget(self.yes, 1)
        row.addWidget(self.no, 1)
        self.body.addWidget(self.title)
        self.body.addWidget(self.text)
        self.body.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("care.elder_offer.title"))
        self.text.setText(tr("care.elder_offer.text"))
        self.yes.setText(tr("care.elder_offer.yes"))
        self.no.setText(tr("care.elder_offer.no"))

    def ask(self) -> None:
        self.retranslate()
        self.open()

    def _answer(self, yes: bool) -> None:
        self.hide()
        self.answered.emit(yes)
