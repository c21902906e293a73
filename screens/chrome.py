"""The header and footer every screen shares (docs/UI.md, "Every screen has the same anatomy")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from kiosk.i18n import tr
from screens.care import speaker_icon
from screens.theme import Theme
from screens.widgets import button, label

PORTRAIT_ROW = 80  # px: a footer button's height in portrait, where the footer has two rows
# Indicator state → (symbol, catalog key). A symbol and a word, never colour alone.
_MARK = {"ok": "●", "warn": "▲", "bad": "✕"}


class Header(QFrame):
    def __init__(self, hall_name: str, badge_24h: bool, portrait: bool = False,
                 devices: Iterable[str] = ("idcard", "printer")) -> None:
        super().__init__()
        self.setObjectName("Header")
        self.hall = label("", hall_name, wrap=False)
        self.hall.setObjectName("HallName")
        self.badge = label("Badge", wrap=False)
        self.badge.setVisible(badge_24h)
        self.countdown = label("Countdown", wrap=False)
        self.countdown.setVisible(False)
        # Its room is kept while it is hidden: the header does not grow when the countdown
        # comes, so the screen under it does not move while the citizen is reading it.
        keep = self.countdown.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.countdown.setSizePolicy(keep)
        self.countdown.setText(tr("header.countdown", s=60))  # the room it takes
        self.indicators: dict[str, QLabel] = {
            name: label("", wrap=False) for name in ("network", "sync", *devices)
        }
        self._states: dict[str, tuple[str, str, dict[str, object]]] = {}
        self.clock = label("Clock", wrap=False)
        # Landscape: one row. Portrait (1080 px wide): the countdown, network and sync under
        # the name, and the devices on a third row.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 10, 24, 10)
        outer.setSpacing(6)
        rows = [QHBoxLayout() for _ in range(3 if portrait else 1)]
        for row in rows:
            row.setSpacing(20)
            outer.addLayout(row)
        top, status, devices_row = rows if portrait else rows * 3
        top.addWidget(self.hall)
        top.addWidget(self.badge)
        top.addStretch(1)
        status.addWidget(self.countdown)
        status.addStretch(1)
        for name, ind in self.indicators.items():
            (status if name in ("network", "sync") else devices_row).addWidget(ind)
        if portrait:
            devices_row.insertStretch(0, 1)
        top.addWidget(self.clock)
        self.set_staff_view(False)
        self.retranslate()

    def set_staff_view(self, staff: bool) -> None:
        """The outbox backlog ("同步 3件 1分") is for staff: a citizen can do nothing about
        it, so their header does not show it."""
        self.indicators["sync"].setVisible(staff)

    def set_indicator(self, name: str, level: str, state_key: str, **fmt: object) -> None:
        """level: ok / warn / bad; state_key: a catalog key for the word shown (``fmt``
        fills its placeholders)."""
        self._states[name] = (level, state_key, fmt)
        self._show_indicator(name)

    def set_sync(self, status: Any, now: float) -> None:
        """The outbox at a glance (an ``offline_cache.sync.SyncStatus``): what waits and
        for how long, what staff must look at, and a store running out of room."""
        box = status.outbox
        age = box.oldest_unsent_age(now)
        if box.disk.level != "ok":
            self.set_indicator("sync", "bad" if box.disk.level == "full" else "warn",
                               f"status.store_{box.disk.level}")
        elif box.rejected:
            self.set_indicator("sync", "bad", "status.sync_rejected", n=box.rejected)
        elif box.unsent and age is not None:
            unit, value = ("d", age // 86400) if age >= 172800 else (
                ("h", age // 3600) if age >= 3600 else ("m", max(1, age // 60)))
            self.set_indicator("sync", "warn", f"status.sync_pending_{unit}", n=box.unsent,
                               age=int(value))
        else:
            self.set_indicator("sync", "ok", "status.ok")

    def _show_indicator(self, name: str) -> None:
        # When all is well the shape and the device name say so; a problem adds its word.
        level, key, fmt = self._states.get(name, ("bad", "status.unknown", {}))
        word = "" if level == "ok" else " " + tr(key, **fmt)
        self.indicators[name].setText(f"{_MARK[level]} {tr('status.' + name)}{word}")

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
    contrast_toggled = Signal(bool)
    language = Signal()
    replay = Signal()  # 🔊 重听: say this screen's prompt again
    help = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("Footer")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(24, 14, 24, 14)
        self.grid.setSpacing(16)
        self.back_btn = button()
        self.home_btn = button()
        self.elder_btn = button()
        self.elder_btn.setCheckable(True)
        self.contrast_btn = button()
        self.contrast_btn.setCheckable(True)
        self.lang_btn = button()
        self.replay_btn = button()
        self.help_btn = button()
        self.back_btn.clicked.connect(self.back.emit)
        self.home_btn.clicked.connect(self.home.emit)
        self.elder_btn.toggled.connect(self.elder_toggled.emit)
        self.contrast_btn.toggled.connect(self.contrast_toggled.emit)
        self.lang_btn.clicked.connect(self.language.emit)
        self.replay_btn.clicked.connect(self.replay.emit)
        self.help_btn.clicked.connect(self.help.emit)
        self._rows = 1
        self._voice = True  # the kiosk speaks: 重听 is offered
        self._portrait = False
        self._place(portrait=False)
        self.retranslate()

    @property
    def buttons(self) -> tuple[QPushButton, ...]:
        return (self.back_btn, self.home_btn, self.elder_btn, self.contrast_btn,
                self.lang_btn, self.replay_btn, self.help_btn)

    def _place(self, portrait: bool) -> None:
        """One row in landscape; two in portrait (seven buttons across 1080 px would leave
        each too narrow for its word in large type)."""
        shown = [b for b in self.buttons if b is not self.replay_btn or self._voice]
        per_row = -(-len(shown) // 2) if portrait else len(shown)
        self._rows = 2 if portrait else 1
        self._portrait = portrait
        for b in self.buttons:
            self.grid.removeWidget(b)
        for i, b in enumerate(shown):
            self.grid.addWidget(b, i // per_row, i % per_row)
        for c in range(self.grid.columnCount()):
            self.grid.setColumnStretch(c, 1 if c < per_row else 0)

    def set_voice_available(self, available: bool) -> None:
        self._voice = available
        self.replay_btn.setVisible(available)
        self._place(self._portrait)

    def set_can_go_back(self, can: bool) -> None:
        self.back_btn.setEnabled(can)

    def set_nav_enabled(self, enabled: bool) -> None:
        """返回 and 首页 off while something must not be left (a number being printed)."""
        self.back_btn.setEnabled(enabled)
        self.home_btn.setEnabled(enabled)

    def apply_theme(self, theme: Theme, portrait: bool = False) -> None:
        """Buttons exactly as high as docs/UI.md asks (88 px, ×1.5 in 大字; 80 px in the two
        rows of portrait) and the footer fixed around them: its height does not give way
        to a screen that wants more room, so every screen is laid out against the same
        space (a footer squeezed by one screen and not by the next made layouts jump)."""
        self._place(portrait)
        edge = theme.colours.border  # the button's border, inside its height
        if portrait:  # two rows, tightly set
            row, pad, margin, spacing = PORTRAIT_ROW, 2, 8, 8
            self.setFixedHeight(2 * row + spacing + 2 * margin)
        else:
            row, pad, margin, spacing = theme.px(88), 8, 14, 16
            self.setFixedHeight(row + 2 * margin)
        self.grid.setContentsMargins(24, margin, 24, margin)
        self.grid.setSpacing(spacing)
        # min-height is the content box's: the padding and border come on top of it.
        self.setStyleSheet(f"QPushButton {{ font-size: {theme.button}px; padding: {pad}px 8px; "
                           f"min-height: {row - 2 * pad - 2 * edge}px; "
                           f"max-height: {row - 2 * pad - 2 * edge}px; }}")
        colour = theme.colours.blue
        self.replay_btn.setIcon(speaker_icon(theme.button, colour))
        self.replay_btn.setIconSize(QSize(theme.button, theme.button))

    def retranslate(self) -> None:
        self.back_btn.setText("◀ " + tr("footer.back"))
        self.home_btn.setText("⌂ " + tr("footer.home"))
        self.elder_btn.setText(tr("footer.elder_on") if self.elder_btn.isChecked()
                               else tr("footer.elder"))
        self.contrast_btn.setText(tr("footer.contrast"))
        self.lang_btn.setText(tr("footer.language"))
        self.replay_btn.setText(tr("footer.replay"))
        self.help_btn.setText("? " + tr("footer.help"))
