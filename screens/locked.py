"""暂停服务 by a remote command: the whole window covered, the technician's message in
Chinese (as typed on the platform) and the standard lines in Chinese and English; nothing
to tap, and a tap anywhere reaches nothing beneath."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.i18n import catalog
from screens.widgets import label


class LockedOverlay(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("Locked")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#Locked { background: #F8FAFC; }")  # opaque: nothing shows through
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 40, 80, 40)
        lay.setSpacing(24)
        self.title = label("Title")
        self.message = label("")
        self.text = label("")
        self.title_en = label("Hint")
        self.text_en = label("Hint")
        lay.addStretch(1)
        for w in (self.title, self.message, self.text, self.title_en, self.text_en):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
        lay.addStretch(1)
        self.hide()

    def show_message(self, message: str) -> None:
        """Locked: the words are put in only now (a hidden overlay holds none)."""
        zh, en = catalog("zh_CN"), catalog("en")
        self.title.setText(zh["remote.locked.title"])
        self.text.setText(zh["remote.locked.text"])
        self.title_en.setText(en["remote.locked.title"])
        self.text_en.setText(en["remote.locked.text"])
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()

    def unlock(self) -> None:
        self.hide()
        for w in (self.title, self.message, self.text, self.title_en, self.text_en):
            w.clear()

    def texts(self) -> list[str]:
        return [w.text() for w in (self.title, self.message, self.text, self.title_en,
                                   self.text_en) if w.text()]

    # Taps end here: nothing beneath is reached.
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        event.accept()
