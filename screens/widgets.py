"""Building blocks every screen shares: the screen base, tiles, the device illustration."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.i18n import tr
from screens import theme as th


def label(object_name: str = "", text: str = "", wrap: bool = True) -> QLabel:
    lbl = QLabel(text)
    if object_name:
        lbl.setObjectName(object_name)
    lbl.setWordWrap(wrap)
    lbl.setTextFormat(Qt.TextFormat.PlainText)
    return lbl


def button(text: str = "", primary: bool = False) -> QPushButton:
    b = QPushButton(text)
    b.setProperty("primary", primary)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return b


class Screen(QWidget):
    """One task per screen. The window calls these hooks; screens never touch devices."""

    name = "screen"
    help_key = "help.generic"

    def __init__(self) -> None:
        super().__init__()
        self.theme = th.Theme()

    def retranslate(self) -> None:
        """Re-label everything in the current language."""

    def apply_theme(self, theme: th.Theme) -> None:
        self.theme = theme

    def set_portrait(self, portrait: bool) -> None:
        """Lay out for a portrait (1080×1920) screen instead of a landscape one."""

    def reset(self) -> None:
        """Forget everything shown about the citizen (session ended)."""

    def on_enter(self) -> None:
        """Called each time the screen is shown."""


class Tile(QPushButton):
    """A large service tile: a glyph (letter or symbol), a name and an optional line."""

    def __init__(self, glyph: str = "", primary: bool = False) -> None:
        super().__init__()
        self.setObjectName("Tile")
        self.setProperty("primary", primary)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 16, 16, 16)
        self._compact = False
        self.glyph = label("", glyph, wrap=False)
        self.title = label("")
        self.sub = label("")
        for w in (self.glyph, self.title, self.sub):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            lay.addWidget(w)
        self.set_theme(th.Theme())

    def set_compact(self, compact: bool) -> None:
        """Glyph on the title's line instead of above it, where height is short (elder)."""
        self._compact = compact
        self.glyph.setVisible(not compact)

    def set_text(self, title: str, sub: str = "") -> None:
        self.title.setText(f"{self.glyph.text()}  {title}" if self._compact else title)
        self.sub.setText(sub)
        self.sub.setVisible(bool(sub))

    def set_theme(self, t: th.Theme) -> None:
        fg = "white" if self.property("primary") else th.INK
        glyph_fg = "white" if self.property("primary") else th.BLUE
        # The glyph is big already; scaling it too would crowd out the words in elder mode.
        self.glyph.setStyleSheet(f"font-size: 72px; font-weight: bold; color: {glyph_fg};")
        self.title.setStyleSheet(f"font-size: {t.px(42)}px; font-weight: bold; color: {fg};")
        self.sub.setStyleSheet(f"font-size: {t.px(28)}px; color: {fg};")
        self.setMinimumHeight(200)  # tiles stretch to fill; the minimum only must fit


class DeviceIllustration(QWidget):
    """Where to put the card / take the paper: a drawing with an arrow (docs/UI.md)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        assert kind in ("idcard", "printer")
        self.kind = kind
        self.setMinimumSize(300, 230)  # it scales; a small minimum lets text have room
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        s = min(w / 420, h / 320)
        p.translate((w - 420 * s) / 2, (h - 320 * s) / 2)
        p.scale(s, s)
        if self.kind == "idcard":
            self._paint_reader(p)
        else:
            self._paint_printer(p)
        p.end()

    def _arrow(self, p: QPainter, x: float, y0: float, y1: float) -> None:
        p.setPen(QPen(QColor(th.BLUE), 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(x, y0), QPointF(x, y1 - 18))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(th.BLUE))
        p.drawPolygon(QPolygonF([QPointF(x - 26, y1 - 26), QPointF(x + 26, y1 - 26),
                                 QPointF(x, y1 + 6)]))

    def _paint_reader(self, p: QPainter) -> None:
        # The reader: a dark plate with the marked reading area.
        p.setPen(QPen(QColor(th.LINE), 3))
        p.setBrush(QColor("#2B3440"))
        p.drawRoundedRect(QRectF(40, 200, 340, 110), 18, 18)
        p.setPen(QPen(QColor("#9FC3EC"), 4, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(QRectF(110, 220, 200, 70), 10, 10)
        # The card, above the reader, face up.
        p.setPen(QPen(QColor(th.BLUE), 3))
        p.setBrush(QColor("#EAF2FC"))
        p.drawRoundedRect(QRectF(120, 10, 180, 112), 12, 12)
        p.setBrush(QColor("#B9D3F0"))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawRoundedRect(QRectF(135, 30, 46, 58), 6, 6)
        for i in range(3):
            p.drawRect(QRectF(195, 36 + i * 20, 90, 8))
        self._arrow(p, 210, 130, 205)

    def _paint_printer(self, p: QPainter) -> None:
        # The printer slot, with paper coming out and an arrow to where it is taken.
        p.setPen(QPen(QColor(th.LINE), 3))
        p.setBrush(QColor("#2B3440"))
        p.drawRoundedRect(QRectF(40, 20, 340, 90), 18, 18)
        p.setBrush(QColor("#0F1720"))
        p.drawRoundedRect(QRectF(110, 80, 200, 14), 6, 6)
        path = QPainterPath()
        path.moveTo(130, 90)
        path.lineTo(290, 90)
        path.lineTo(290, 220)
        path.lineTo(130, 220)
        path.closeSubpath()
        p.setPen(QPen(QColor(th.LINE), 2))
        p.setBrush(QColor("white"))
        p.drawPath(path)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#9CA3AF"))
        for i in range(5):
            p.drawRect(QRectF(150, 110 + i * 20, 120 - (i % 2) * 40, 8))
        self._arrow(p, 210, 232, 310)


def tr_or(key: str, fallback: str) -> str:
    """Translate ``key`` if the catalog has it, else show ``fallback`` (e.g. an error code)."""
    try:
        return tr(key)
    except KeyError:
        return fallback
