"""签名: a signature written with a finger on the screen, beside or under the text being
signed (the 承诺书 of 容缺受理 and 告知承诺). The strokes (points in the pad's coordinates)
and a PNG of them are what the flow keeps with the case."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.i18n import tr
from screens.widgets import Screen, button, label

MIN_INK = 120.0  # px of strokes: a tap or a dot is not a signature


class SignaturePad(QWidget):
    """Where the finger writes: white, a line to sign on, ink that follows the finger."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(600, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.strokes: list[list[tuple[float, float]]] = []

    def clear(self) -> None:
        self.strokes = []
        self.update()
        self.changed.emit()

    def ink(self) -> float:
        """How much was written, in px of stroke."""
        total = 0.0
        for s in self.strokes:
            for (x0, y0), (x1, y1) in zip(s, s[1:], strict=False):
                total += ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        return total

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = event.position()
        self.strokes.append([(p.x(), p.y())])
        self.update()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.strokes and event.buttons() & Qt.MouseButton.LeftButton:
            p = event.position()
            self.strokes[-1].append((p.x(), p.y()))
            self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.changed.emit()

    def _paint(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor("#111111"), 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        for s in self.strokes:
            path = QPainterPath(QPointF(*s[0]))
            for pt in s[1:]:
                path.lineTo(QPointF(*pt))
            painter.drawPath(path)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setPen(QPen(QColor("#0B57A4"), 3))  # where to write, plain to see
        painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
        painter.setPen(QPen(QColor("#9aa4ae"), 2, Qt.PenStyle.DashLine))
        y = int(self.height() * 0.75)
        painter.drawLine(24, y, self.width() - 24, y)
        self._paint(painter)
        painter.end()

    def png(self) -> bytes:
        """The strokes alone, black on white, as PNG."""
        image = QImage(self.size(), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        self._paint(painter)
        painter.end()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        return bytes(data.data())


class SignatureScreen(Screen):
    """The text to sign, the pad, 重写 and 确认签名 (only once something is written)."""

    name = "signature"
    help_key = "apply.help.signature"
    signed = Signal(bytes, list)  # PNG, strokes

    def __init__(self) -> None:
        super().__init__()
        self._text = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 20, 60, 16)
        lay.setSpacing(12)
        self.title = label("Title")
        self.text = label("Hint")
        self.pad = SignaturePad()
        self.pad.changed.connect(self.retranslate)
        self.clear = button()
        self.clear.clicked.connect(self.pad.clear)
        self.ok = button(primary=True)
        self.ok.clicked.connect(self._ok)
        row = QHBoxLayout()
        row.addWidget(self.clear)
        row.addStretch(1)
        row.addWidget(self.ok)
        # Landscape: the text on the left, the pad beside it (a long promise — 容缺 and
        # 告知承诺 together — still leaves room to write); portrait: the text above.
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(24)
        self.body.addWidget(self.text, 3, Qt.AlignmentFlag.AlignTop)
        self.body.addWidget(self.pad, 2)
        lay.addWidget(self.title)
        lay.addLayout(self.body, 1)
        lay.addLayout(row)
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.body.setDirection(d.TopToBottom if portrait else d.LeftToRight)
        self.body.setStretch(0, 0 if portrait else 3)

    def ask(self, text: str) -> None:
        self._text = text
        self.pad.clear()
        self.retranslate()

    def reset(self) -> None:
        self.pad.clear()

    def _ok(self) -> None:
        if self.pad.ink() >= MIN_INK:
            self.signed.emit(self.pad.png(), [list(s) for s in self.pad.strokes])

    def retranslate(self) -> None:
        self.title.setText(tr("apply.sign_title"))
        self.text.setText(self._text)
        self.clear.setText(tr("apply.sign_clear"))
        self.ok.setText(tr("apply.sign_ok"))
        self.ok.setEnabled(self.pad.ink() >= MIN_INK)
