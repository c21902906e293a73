"""Asks for the ID card (or the 社保卡 where the kiosk has its reader), shows where the
reader is, and says what went wrong if it did."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout

from kiosk.i18n import tr
from screens.widgets import DeviceIllustration, Screen, label, tr_or


class CardPromptScreen(Screen):
    name = "card_prompt"
    help_key = "help.card_prompt"

    def __init__(self) -> None:
        super().__init__()
        self._error_code = ""
        self._cards = "card"  # catalog prefix: "card" (ID card) or "card.both" (+ 社保卡)
        self._either = False  # this kiosk reads the 社保卡 too
        self._alt_key = "no_card_hall"
        self._phone = ""
        self._down: dict[str, str] = {}  # reader → its status code, for readers not working
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 40, 80, 40)
        lay.setSpacing(24)
        self.title = label("Title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reader = DeviceIllustration("idcard")
        self.status = label("Hint")
        self.error = label("Error")
        self.code = label("ErrorCode")
        self.alt = label("Hint")
        for w in (self.status, self.error, self.code, self.alt):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.title)
        lay.addWidget(self.reader, 1)
        lay.addWidget(self.status)
        lay.addWidget(self.error)
        lay.addWidget(self.code)
        lay.addWidget(self.alt)
        self.retranslate()

    def set_village(self, phone: str) -> None:
        """Unattended stations have no desk to send people to: give the phone instead."""
        self._alt_key = "no_card_village" if phone else "no_card_hall"
        self._phone = phone
        self.retranslate()

    def set_sscard(self, available: bool) -> None:
        """With a 社保卡 reader the citizen may use either card."""
        self._either = available
        self.ask(only_idcard=False)

    def ask(self, only_idcard: bool, wrong_card: bool = False) -> None:
        """Ask for a card: the ID card alone where the service needs it (``wrong_card``:
        the citizen used the 社保卡 already, and it will not do for this one)."""
        self._cards = "card.both" if self._either and not only_idcard else "card"
        self._error_code = "card.idcard_needed" if wrong_card else ""
        self.retranslate()

    def set_reader(self, device: str, working: bool, code: str = "") -> None:
        """A card reader's state: one that does not work is said here, with another way,
        not only in the header (a citizen waiting at a dead reader would wait forever)."""
        if working:
            self._down.pop(device, None)
        else:
            self._down[device] = code
        self.retranslate()

    def _reader_problem(self) -> tuple[str, str]:
        """(message key, code) for the readers that do not work, or ("", "")."""
        both = self._cards == "card.both"
        if "idcard" in self._down and (not both or "sscard" in self._down):
            return "card.readers_down", self._down["idcard"]
        if "idcard" in self._down:
            return "card.idcard_down", self._down["idcard"]
        if both and "sscard" in self._down:
            return "card.sscard_down", self._down["sscard"]
        return "", ""

    def show_error(self, code: str) -> None:
        self._error_code = code
        self.retranslate()

    def reset(self) -> None:
        self.show_error("")

    def retranslate(self) -> None:
        self.title.setText(tr(f"{self._cards}.title"))
        self.status.setText(tr(f"{self._cards}.waiting"))
        code = self._error_code
        problem, reader_code = self._reader_problem()
        if code:
            device = code.split(".", 1)[0]
            fallback = tr_or(f"error.{device}.read_failed", tr("error.idcard.read_failed"))
            message = tr_or(f"error.{code}", fallback)
        elif problem:
            code, message = reader_code, tr(problem)
        else:
            message = ""
        self.error.setText(message)
        self.code.setText(tr("error.code", code=code) if code else "")
        self.error.setVisible(bool(message))
        self.code.setVisible(bool(code))
        no_reader = problem == "card.readers_down"
        self.status.setVisible(not no_reader)  # nothing is waiting for a card
        self.reader.setVisible(not no_reader)
        self.alt.setText(tr(f"{self._cards}.{self._alt_key}", phone=self._phone))
