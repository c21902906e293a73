"""Outside opening hours (config ``[hours]``): the whole window dark, a few lines of large
plain text in Chinese and English (closed now, the hours, when it opens next); nothing to
tap, and a tap anywhere reaches nothing beneath. Shown and hidden by ``kiosk.cover``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from kiosk.opening import ClosedText
from screens.theme import Theme
from screens.widgets import label

BACKGROUND = "#0B0F14"  # near black: a dark room at night, and little light from the panel
TEXT = "#E5E7EB"  # 15:1 on it
QUIET = "#AEB6C2"  # the English lines, 9:1


class ClosedOverlay(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("Overlay")  # in front of the window (its own colours below)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 40, 80, 40)
        lay.setSpacing(20)
        self.title = label("ClosedTitle")
        self.hours = label("ClosedLine")
        self.next = label("ClosedLine")
        self.help = label("ClosedLine")
        self.title_en = label("ClosedEnTitle")
        self.hours_en = label("ClosedEn")
        self.next_en = label("ClosedEn")
        self.help_en = label("ClosedEn")
        lay.addStretch(1)
        for w in self.lines:
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
            if w is self.help:
                lay.addSpacing(40)
        lay.addStretch(1)
        self.apply_theme(Theme())
        self.hide()

    @property
    def lines(self) -> tuple[QLabel, ...]:
        return (self.title, self.hours, self.next, self.help,
                self.title_en, self.hours_en, self.next_en, self.help_en)

    def apply_theme(self, theme: Theme) -> None:
        """Its own look (the window's style sheet is for light screens): large light text."""
        self.setStyleSheet(
            f"#Overlay {{ background: {BACKGROUND}; }}"
            f"#ClosedTitle {{ color: {TEXT}; font-size: {theme.px(64)}px; font-weight: bold; }}"
            f"#ClosedLine {{ color: {TEXT}; font-size: {theme.px(44)}px; }}"
            f"#ClosedEnTitle {{ color: {QUIET}; font-size: {theme.px(40)}px; }}"
            f"#ClosedEn {{ color: {QUIET}; font-size: {theme.px(32)}px; }}")

    def show_closed(self, zh: ClosedText, en: ClosedText, theme: Theme) -> None:
        texts = (zh.title, zh.hours, zh.next, zh.help, en.title, en.hours, en.next, en.help)
        for w, text in zip(self.lines, texts, strict=True):
            w.setText(text)
            w.setVisible(bool(text))
        self.apply_theme(theme)
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()

    def clear(self) -> None:
        self.hide()
        for w in self.lines:
            w.clear()

    def texts(self) -> list[str]:
        return [w.text() for w in self.lines if w.text()]

    # Taps end here: nothing beneath is reached.
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        event.accept()
