"""A service that cannot start here now, and why: it needs the network and the kiosk is
offline. What happened, what to do, another way (docs/UI.md, "Errors")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout

from kiosk.i18n import tr
from screens.widgets import Screen, label


class OfflineScreen(Screen):
    name = "offline"
    help_key = "help.offline"

    def __init__(self) -> None:
        super().__init__()
        self._service = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 60, 80, 60)
        lay.setSpacing(32)
        self.title = label("Title")
        self.text = label("")
        self.alt = label("Hint")
        self.code = label("ErrorCode")
        for w in (self.title, self.text, self.alt, self.code):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addStretch(1)
        for w in (self.title, self.text, self.alt, self.code):
            lay.addWidget(w)
        lay.addStretch(1)
        self.retranslate()

    def show_service(self, service: str) -> None:
        self._service = service
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("offline.title"))
        self.text.setText(tr("offline.text"))
        self.alt.setText(tr("offline.alt"))
        self.code.setText(tr("error.code", code=f"network.required:{self._service}"))
