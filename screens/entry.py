"""Screens that ask one thing, shared by the services: a question with tiles, a line typed
on the on-screen keyboard, digits on a pad."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.guide_view import Choice
from kiosk.i18n import tr
from screens.guide import (
    LANDSCAPE_KEYBOARD,
    PORTRAIT_KEYBOARD,
    PORTRAIT_MARGIN,
    KeyboardSlot,
    SearchEdit,
    TileGrid,
)
from screens.theme import BLUE, Theme
from screens.widgets import Screen, button, label


class ChoiceScreen(Screen):
    """A question with tiles; while the answer is being fetched, or when it cannot be, a
    line says so."""

    chosen = Signal(str)

    def __init__(self, name: str, help_prefix: str = "") -> None:
        """``name``: the step; its words are under ``help_prefix`` (default: the name's
        first part, e.g. "progress" for "progress_list"): .loading, .error.*, .help.*."""
        super().__init__()
        self.name = name
        help_prefix = help_prefix or name.split("_")[0]
        self.help_key = f"{help_prefix}.help.{name}"
        self._loading_key = f"{help_prefix}.loading"
        self._error_prefix = f"{help_prefix}.error"
        self._title = ""
        self._state = ""  # "", "loading" or an error code
        self._fmt: dict[str, object] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 30, 60, 24)
        lay.setSpacing(16)
        self.title = label("Title")
        self.hint = label("Hint")
        self.error = label("Error")
        self.grid = TileGrid()
        self.grid.chosen.connect(self.chosen.emit)
        for w in (self.title, self.hint, self.error):
            lay.addWidget(w)
        lay.addWidget(self.grid, 1)

    def set_portrait(self, portrait: bool) -> None:
        self.grid.portrait = portrait
        self.grid.rebuild()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.grid.theme = theme
        self.grid.page = 0
        self.grid.rebuild()

    def set_content(self, title_key: str, choices: list[Choice], state: str = "",
                    **fmt: object) -> None:
        self._title, self._state, self._fmt = title_key, state, fmt
        self.grid.set_choices(choices)
        self.retranslate()

    def reset(self) -> None:
        self.grid.set_choices([])

    def retranslate(self) -> None:
        self.title.setText(tr(self._title, **self._fmt) if self._title else "")
        self.hint.setText(tr(self._loading_key) if self._state == "loading" else "")
        self.hint.setVisible(self._state == "loading")
        err = self._state not in ("", "loading")
        self.error.setText(tr(f"{self._error_prefix}.{self._state}") if err else "")
        self.error.setVisible(err)
        self.grid.retranslate()

    def tile(self, key: str):
        return self.grid.tile(key)


class TextEntryScreen(Screen):
    """A line typed on the on-screen keyboard (Qt Virtual Keyboard, pinyin included), then
    确定: what a form's text field or a purpose "其他" takes."""

    name = "text_entry"
    help_key = "apply.help.text_entry"
    entered = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._keys = ("", "", "")
        self._max = 30
        self._fmt: dict[str, object] = {}
        self.portrait = False
        self.lay = lay = QVBoxLayout(self)
        lay.setSpacing(12)
        self.title = label("Title")
        self.edit = SearchEdit()
        self.edit.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.edit.typed.connect(lambda _t: self.retranslate())
        self.ok = button(primary=True)
        self.ok.clicked.connect(self._ok)
        self.hint = label("Hint")
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self.edit, 1)
        row.addWidget(self.ok)
        self.keyboard_slot = KeyboardSlot()
        self.keyboard = self.keyboard_slot.take()
        QGuiApplication.instance().focusWindowChanged.connect(self._keep_focus)
        lay.addWidget(self.title)
        lay.addLayout(row)
        lay.addWidget(self.hint)
        lay.addWidget(self.keyboard_slot, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(1)
        self.set_portrait(False)
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        side = PORTRAIT_MARGIN if portrait else 60
        self.lay.setContentsMargins(side, 20, side, 16)
        self.keyboard_slot.set_width(PORTRAIT_KEYBOARD if portrait else LANDSCAPE_KEYBOARD)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.edit.setStyleSheet(
            f"font-size: {theme.px(40)}px; min-height: {theme.px(80)}px; padding: 4px 16px; "
            f"border: 3px solid {BLUE}; border-radius: 12px; background: white;")

    def on_enter(self) -> None:
        self.keyboard = self.keyboard_slot.take()
        self.edit.setFocus()
        QGuiApplication.inputMethod().show()

    def _keep_focus(self, focused: object) -> None:
        """The keyboard's QML can take the window's activation while it loads; the line on
        screen must keep the keys the citizen types."""
        if focused is None and self.isVisible():
            self.window().activateWindow()
            self.edit.setFocus()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API
        QGuiApplication.inputMethod().reset()  # half-typed pinyin is not committed behind
        super().hideEvent(event)

    def prompt(self, title_key: str, placeholder_key: str, hint_key: str, max_length: int,
               value: str = "", **fmt: object) -> None:
        self._keys, self._max, self._fmt = (title_key, placeholder_key, hint_key), max_length, fmt
        self.edit.setMaxLength(max_length)
        self.edit.clear_all()
        self.edit.setText(value)
        self.retranslate()

    def reset(self) -> None:
        self.edit.clear_all()
        self.retranslate()

    def _ok(self) -> None:
        text = self.edit.text().strip()
        if text:
            self.entered.emit(text)

    def retranslate(self) -> None:
        title, placeholder, hint = self._keys
        self.title.setText(tr(title, **self._fmt) if title else "")
        self.edit.setPlaceholderText(tr(placeholder) if placeholder else "")
        self.ok.setText(tr("apply.ok"))
        self.ok.setEnabled(bool(self.edit.text().strip()))
        self.hint.setText(tr(hint, n=self._max) if hint else "")


class DigitPadScreen(Screen):
    """Digits on a big pad (a phone number, a date as 8 digits, an account): the numbers
    are where a finger expects them, 删除 and 清空 beside 0, then 确定."""

    name = "digit_pad"
    help_key = "apply.help.digit_pad"
    entered = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._title_key, self._hint_key, self._max = "", "", 11
        self._x_last = False  # an ID number: X may end it, in place of 清空
        self._fmt: dict[str, object] = {}
        self.digits = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 20, 60, 16)
        lay.setSpacing(14)
        self.title = label("Title")
        self.shown = label("", wrap=False)
        self.shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = label("Hint")
        self.keys: dict[str, object] = {}
        grid = QGridLayout()
        grid.setSpacing(14)
        for i, key in enumerate("123456789"):
            self.keys[key] = self._key(grid, key, i // 3, i % 3)
        self.keys["del"] = self._key(grid, "del", 3, 0)
        self.keys["0"] = self._key(grid, "0", 3, 1)
        self.keys["clear"] = self._key(grid, "clear", 3, 2)
        self.ok = button(primary=True)
        self.ok.clicked.connect(lambda: self.entered.emit(self.digits))
        lay.addWidget(self.title)
        # Landscape: what is typed, the hint and 确定 beside the pad; portrait: above it.
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(40)
        side = QVBoxLayout()
        side.setSpacing(14)
        side.addStretch(1)
        side.addWidget(self.shown)
        side.addWidget(self.hint)
        side.addStretch(1)
        side.addWidget(self.ok)
        self.body.addLayout(side, 1)
        self.body.addLayout(grid, 1)
        lay.addLayout(self.body, 1)
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.body.setDirection(d.TopToBottom if portrait else d.LeftToRight)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.shown.setStyleSheet(f"font-size: {theme.px(60)}px; font-weight: bold; "
                                 f"color: {BLUE}; letter-spacing: 4px;")

    def _key(self, grid: QGridLayout, key: str, row: int, col: int):
        b = button(key if key.isdigit() else "")
        b.setMinimumSize(150, 84)
        b.clicked.connect(lambda _=False, k=key: self.press(k))
        grid.addWidget(b, row, col)
        return b

    def prompt(self, title_key: str, hint_key: str, max_digits: int, value: str = "",
               x_last: bool = False, **fmt: object) -> None:
        """``x_last``: an ID number, whose last character may be X (the key 清空 becomes X,
        usable only as the last character)."""
        self._title_key, self._hint_key, self._max, self._fmt = (title_key, hint_key,
                                                                 max_digits, fmt)
        self._x_last = x_last
        self.digits = "".join(c for c in value.upper()
                              if c.isdigit() or (x_last and c == "X"))[:max_digits]
        self.retranslate()

    def press(self, key: str) -> None:
        if key == "del":
            self.digits = self.digits[:-1]
        elif key == "clear" and self._x_last:
            if len(self.digits) == self._max - 1:
                self.digits += "X"
        elif key == "clear":
            self.digits = ""
        elif "X" in self.digits:
            pass  # nothing comes after the X
        elif len(self.digits) < self._max:
            self.digits += key
        self.retranslate()

    def reset(self) -> None:
        self.digits = ""
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr(self._title_key, **self._fmt) if self._title_key else "")
        self.hint.setText(tr(self._hint_key) if self._hint_key else "")
        self.shown.setText(self.digits or "—")
        self.keys["del"].setText(tr("apply.key_delete"))  # type: ignore[attr-defined]
        clear = self.keys["clear"]
        clear.setText("X" if self._x_last else tr("apply.key_clear"))  # type: ignore[attr-defined]
        clear.setEnabled(not self._x_last or len(self.digits) == self._max - 1)  # type: ignore[attr-defined]
        self.ok.setText(tr("apply.ok"))
        self.ok.setEnabled(bool(self.digits))
