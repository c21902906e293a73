"""The header and footer every screen shares (docs/UI.md, "Every screen has the same anatomy")."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel

from kiosk.i18n import tr
from screens.theme import Theme
from screens.widgets import button, label

# Indicator state → (symbol, catalog key). A symbol and a word, never colour alone.
_MARK = {"ok": "●", "warn": "▲", "bad": "✕"}


class Header(QFrame):
    def __init__(self, hall_name: str, badge_24h: bool) -> None:
        super().__init__()
        self.setObjectName("Header")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(32, 12, 32, 12)
        lay.setSpacing(24)
        self.hall = label("", hall_name, wrap=False)
        self.hall.setObjectName("HallName")
        self.badge = label("Badge", wrap=False)
        self.badge.setVisible(badge_24h)
        self.countdown = label("Countdown", wrap=False)
        self.countdown.setVisible(False)
        self.indicators: dict[str, QLabel] = {}
        self._states: dict[str, tuple[str, str]] = {}
        self.clock = label("Clock", wrap=False)
        lay.addWidget(self.hall)
        lay.addWidget(self.badge)
        lay.addStretch(1)
        lay.addWidget(self.countdown)
        lay.addStretch(1)
        for name in ("network", "idcard", "printer"):
            ind = label("", wrap=False)
            self.indicators[name] = ind
            lay.addWidget(ind)
        lay.addWidget(self.clock)
        self.retranslate()

    def set_indicator(self, name: str, level: str, state_key: str) -> None:
        """level: ok / warn / bad; state_key: a catalog key for the word shown."""
        self._states[name] = (level, state_key)
        self._show_indicator(name)

    def _show_indicator(self, name: str) -> None:
        level, key = self._states.get(name, ("bad", "status.unknown"))
        self.indicators[name].setText(f"{_MARK[level]} {tr('status.' + name)} {tr(key)}")

    def set_countdown(self, seconds: int | None) -> None:
        self.countdown.setVisible(seconds is not None)
        if seconds is not None:
            self.countdown.setText(tr("header.countdown", s=seconds))

    def tick(self, now: datetime) -> None:
        weekday = tr("header.weekdays").split(",")[now.weekday()]
        self.clock.setText(tr("header.clock", d=now, weekday=weekday))

    def retranslate(self) -> None:
        self.badge.setText(tr("header.badge_24h"))
        for name in self.indicators:
            self._show_indicator(name)
        self.tick(datetime.now())


class Footer(QFrame):
    back = Signal()
    home = Signal()
    elder_toggled = Signal(bool)
    language = Signal()
    help = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("Footer")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(32, 14, 32, 14)
        lay.setSpacing(24)
        self.back_btn = button()
        self.home_btn = button()
        self.elder_btn = button()
        self.elder_btn.setCheckable(True)
        self.lang_btn = button()
        self.help_btn = button()
        self.back_btn.clicked.connect(self.back.emit)
        self.home_btn.clicked.connect(self.home.emit)
        self.elder_btn.toggled.connect(self.elder_toggled.emit)
        self.lang_btn.clicked.connect(self.language.emit)
        self.help_btn.clicked.connect(self.help.emit)
        for b in (self.back_btn, self.home_btn, self.elder_btn, self.lang_btn, self.help_btn):
            lay.addWidget(b, 1)
        self.retranslate()

    def set_can_go_back(self, can: bool) -> None:
        self.back_btn.setEnabled(can)

    def apply_theme(self, theme: Theme) -> None:
        self.setMinimumHeight(theme.px(88) + 28)

    def retranslate(self) -> None:
        self.back_btn.setText("◀ " + tr("footer.back"))
        self.home_btn.setText("⌂ " + tr("footer.home"))
        self.elder_btn.setText(tr("footer.elder_on") if self.elder_btn.isChecked()
                               else tr("footer.elder"))
        self.lang_btn.setText(tr("footer.language"))
        self.help_btn.setText("? " + tr("footer.help"))
