"""暂停服务: the kiosk found a damaged local file at start and serves nobody until staff
have looked (kiosk.integrity). Said in Chinese first, English below, with the code staff
look up; nothing to tap."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.i18n import catalog
from screens.theme import Theme
from screens.widgets import label

CODE = "store.damaged"


class OutOfServiceWindow(QWidget):
    def __init__(self, files: list[str]) -> None:
        super().__init__()
        self.setWindowTitle("政务服务自助终端")
        self.setStyleSheet(Theme(elder=True).style_sheet())  # large: read from afar
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 40, 80, 40)
        lay.setSpacing(24)
        zh, en = catalog("zh_CN"), catalog("en")
        self.title = label("Title", zh["out_of_service.title"])
        self.text = label("", zh["out_of_service.text"])
        self.title_en = label("Hint", en["out_of_service.title"])
        self.text_en = label("Hint", en["out_of_service.text"])
        # The files' names, not their paths: enough for staff, nothing personal.
        self.code = label("ErrorCode", zh["error.code"].format(
            code=f"{CODE}:{','.join(files)}"))
        lay.addStretch(1)
        for w in (self.title, self.text, self.title_en, self.text_en, self.code):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
        lay.addStretch(1)

    def texts(self) -> list[str]:
        return [w.text() for w in (self.title, self.text, self.title_en, self.text_en,
                                   self.code)]
