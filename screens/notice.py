"""A service that cannot start here now, and why: it needs the network and the kiosk is
offline. What happened, what to do, another way (docs/UI.md, "Errors")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout

from kiosk.i18n import tr
from screens.guide import QrLabel
from screens.widgets import Screen, label


class OfflineScreen(Screen):
    name = "offline"
    help_key = "help.offline"

    def __init__(self) -> None:
        super().__init__()
        self._service = ""
        self.url = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 40, 80, 40)
        lay.setSpacing(24)
        self.title = label("Title")
        self.text = label("")
        self.alt = label("Hint")
        self.code = label("ErrorCode")
        for w in (self.title, self.text, self.alt, self.code):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # 扫码带走: the same service online, on the citizen's phone, where there is one.
        self.qr = QrLabel()
        self.qr_hint = label("Hint")
        self.qr_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addStretch(1)
        for w in (self.title, self.text, self.alt):
            lay.addWidget(w)
        lay.addWidget(self.qr, 3)
        lay.addWidget(self.qr_hint)
        lay.addWidget(self.code)
        lay.addStretch(1)
        self.retranslate()

    def show_service(self, service: str, url: str = "") -> None:
        self._service, self.url = service, url
        if url:
            self.qr.set_data(url)
        self.qr.setVisible(bool(url))
        self.qr_hint.setVisible(bool(url))
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("offline.title"))
        self.text.setText(tr("offline.text"))
        self.alt.setText(tr("offline.alt"))
        self.qr_hint.setText(tr("offline.qr"))
        self.code.setText(tr("error.code", code=f"network.required:{self._service}"))
