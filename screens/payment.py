"""The 缴费 screens: what to pay, the account number on a digit pad, the bill to check, the
payment QR with its countdown and the outcome, and the citizen's 缴费记录 with 重新打印.

Thin widgets: the flow (``kiosk.flows.payment``) says what to show; a tap goes out as a
signal. Every amount is shown in figures and in 大写; the account holder only masked.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.guide_view import Choice
from kiosk.i18n import tr
from kiosk.payment import ACCOUNT_KINDS, Bill, Order, yuan, yuan_upper
from screens import theme as th
from screens.guide import GuideChoiceScreen, Pager, QrLabel, both_tr
from screens.theme import Theme
from screens.widgets import DeviceIllustration, Screen, button, label, tr_or

_GLYPHS = {"medical": "医", "pension": "养", "water": "水", "electricity": "电", "gas": "气",
           "records": "录"}
MAX_ACCOUNT = 20
MIN_ACCOUNT = 6


def payment_choices() -> list[Choice]:
    return [Choice(k, both_tr(f"payment.{k}"), both_tr(f"payment.{k}_sub"), g)
            for k, g in _GLYPHS.items()]


def _card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("Dialog")
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(28, 20, 28, 20)
    lay.setSpacing(10)
    return frame, lay


def _clock(iso: str) -> str:
    try:
        return f"{datetime.fromisoformat(iso).astimezone():%Y-%m-%d %H:%M}"
    except ValueError:
        return iso


class PayChoiceScreen(GuideChoiceScreen):
    """缴费's first question: which fee (or the records)."""

    def __init__(self) -> None:
        super().__init__("pay_start", "payment.help.start")
        self.set_content(both_tr("payment.start_title"), payment_choices())


class PayAccountScreen(Screen):
    """水、电、燃气: the account number typed on a digit pad (no keyboard needed)."""

    name = "pay_account"
    help_key = "payment.help.account"
    query = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.kind = "water"
        self.digits = ""
        self.busy = False
        self._error = ("", "")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 30, 60, 24)
        lay.setSpacing(18)
        self.title = label("Title")
        lay.addWidget(self.title)
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(40)
        left = QVBoxLayout()
        left.setSpacing(16)
        self.display = label("AccountDisplay", wrap=False)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = label("Hint")
        self.error = label("Error")
        self.code = label("ErrorCode")
        for w in (self.display, self.hint, self.error, self.code):
            left.addWidget(w)
        left.addStretch(1)
        self.body.addLayout(left, 1)
        pad = QGridLayout()
        pad.setSpacing(14)
        self.keys: dict[str, QPushButton] = {}
        for i, k in enumerate("123456789"):
            self.keys[k] = button(k)
            pad.addWidget(self.keys[k], i // 3, i % 3)
        self.keys["clear"] = button()
        self.keys["0"] = button("0")
        self.keys["delete"] = button()
        for col, k in enumerate(("clear", "0", "delete")):
            pad.addWidget(self.keys[k], 3, col)
        for k, b in self.keys.items():
            b.clicked.connect(lambda _=False, k=k: self._press(k))
        self.query_btn = button(primary=True)
        self.query_btn.clicked.connect(self._query)
        pad.addWidget(self.query_btn, 4, 0, 1, 3)
        self.body.addLayout(pad)
        lay.addLayout(self.body, 1)
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.body.setDirection(d.TopToBottom if portrait else d.LeftToRight)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.display.setStyleSheet(
            f"font-size: {theme.px(48)}px; font-weight: bold; background: white; "
            f"border: 3px solid {th.BLUE}; border-radius: 12px; padding: 12px; "
            f"min-height: {theme.px(80)}px;")
        # Keys well above the 80 px floor, five rows that fit under the elder title.
        w, h = (190, 104) if theme.elder else (150, 92)
        for k, b in self.keys.items():
            size = theme.px(44) if k.isdigit() else theme.button
            b.setStyleSheet(f"font-size: {size}px; min-height: {h}px; min-width: {w}px; "
                            "padding: 4px 8px;")
        self.query_btn.setStyleSheet(f"min-height: {h}px;")
        self.retranslate()

    def start(self, kind: str) -> None:
        self.kind = kind
        self.digits = ""
        self.busy = False
        self._error = ("", "")
        self.retranslate()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.retranslate()

    def show_error(self, key: str, code: str) -> None:
        self.busy = False
        self._error = (key, code)
        self.retranslate()

    def _press(self, key: str) -> None:
        if self.busy:
            return
        if key == "clear":
            self.digits = ""
        elif key == "delete":
            self.digits = self.digits[:-1]
        elif len(self.digits) < MAX_ACCOUNT:
            self.digits += key
        self._error = ("", "")
        self.retranslate()

    def _query(self) -> None:
        if not self.busy and MIN_ACCOUNT <= len(self.digits) <= MAX_ACCOUNT:
            self.busy = True
            self.retranslate()
            self.query.emit(self.digits)

    def reset(self) -> None:
        self.start(self.kind)

    def retranslate(self) -> None:
        self.title.setText(tr("payment.account.title", kind=tr(f"payment.{self.kind}")))
        grouped = " ".join(self.digits[i:i + 4] for i in range(0, len(self.digits), 4))
        self.display.setText(grouped or tr("payment.account.placeholder"))
        colour = th.INK if self.digits else th.MUTED
        self.display.setStyleSheet(self.display.styleSheet().split(" color:")[0]
                                   + f" color: {colour};")
        key, code = self._error
        self.hint.setText(tr("payment.account.querying") if self.busy
                          else tr("payment.account.hint"))
        self.error.setText(tr(f"error.payment.{key}") if key else "")
        self.error.setVisible(bool(key))
        self.code.setText(tr("error.code", code=code) if code else "")
        self.code.setVisible(bool(code))
        self.keys["clear"].setText(tr("payment.account.clear"))
        self.keys["delete"].setText(tr("payment.account.delete"))
        self.query_btn.setText(tr("payment.account.query"))
        self.query_btn.setEnabled(not self.busy and len(self.digits) >= MIN_ACCOUNT)
        for b in self.keys.values():
            b.setEnabled(not self.busy)


class PayBillScreen(Screen):
    """The bill to check: item, payee, the holder masked, the amount in figures and 大写;
    for 养老 the grade to choose; then 扫码支付."""

    name = "pay_bill"
    help_key = "payment.help.bill"
    pay = Signal()
    grade_chosen = Signal(str)
    records = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.bill: Bill | None = None
        self.grade = ""
        self.state = "loading"  # loading, bill, error
        self._error = ("", "")
        self.portrait = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 30, 60, 24)
        lay.setSpacing(18)
        self.title = label("Title")
        lay.addWidget(self.title)
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.columns.setSpacing(30)
        self.facts_box, facts = _card()
        self.facts = {k: label("") for k in ("item", "payee", "account", "owner", "year",
                                              "arrears")}
        for w in self.facts.values():
            facts.addWidget(w)
        facts.addStretch(1)
        self.pay_box, pay = _card()
        self.due = label("Hint")
        self.amount = label("Amount", wrap=False)
        self.upper = label("")
        self.grade_title = label("")
        self.grade_grid = QGridLayout()
        self.grade_grid.setSpacing(16)
        self.grade_buttons: dict[str, QPushButton] = {}
        self.note = label("Hint")
        for w in (self.due, self.amount, self.upper, self.grade_title):
            pay.addWidget(w)
        pay.addLayout(self.grade_grid)
        pay.addWidget(self.note)
        pay.addStretch(1)
        self.columns.addWidget(self.facts_box, 1)
        self.columns.addWidget(self.pay_box, 1)
        lay.addLayout(self.columns, 1)
        self.message = label("")
        self.error = label("Error")
        self.code = label("ErrorCode")
        for w in (self.message, self.error, self.code):
            lay.addWidget(w)
        actions = QHBoxLayout()
        actions.setSpacing(24)
        self.records_btn = button()
        self.records_btn.clicked.connect(self.records.emit)
        self.pay_btn = button(primary=True)
        self.pay_btn.clicked.connect(self.pay.emit)
        actions.addStretch(1)
        actions.addWidget(self.records_btn)
        actions.addWidget(self.pay_btn)
        lay.addLayout(actions)
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        d = QBoxLayout.Direction
        self.columns.setDirection(d.TopToBottom if portrait else d.LeftToRight)
        self._build_grades()
        self.retranslate()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.amount.setStyleSheet(f"font-size: {theme.px(64)}px; font-weight: bold; "
                                  f"color: {th.BLUE};")
        self.grade_title.setStyleSheet(f"font-size: {theme.body}px; font-weight: bold;")
        self._build_grades()
        self.retranslate()

    def show_loading(self) -> None:
        self.state, self.bill, self.grade = "loading", None, ""
        self._build_grades()
        self.retranslate()

    def show_error(self, key: str, code: str) -> None:
        self.state, self._error = "error", (key, code)
        self.retranslate()

    def show_bill(self, bill: Bill, grade: str = "") -> None:
        self.state, self.bill, self.grade = "bill", bill, grade
        self._build_grades()
        self.retranslate()

    def set_grade(self, grade: str) -> None:
        self.grade = grade
        self.retranslate()

    def reset(self) -> None:
        self.show_loading()

    def _build_grades(self) -> None:
        for b in self.grade_buttons.values():
            b.setParent(None)
            b.deleteLater()
        self.grade_buttons = {}
        grades = self.bill.grades if self.bill and not self.bill.paid else ()
        cols = 2 if self.theme.elder and self.portrait else 3
        # The grades need the room: the bill's facts take the narrower column then.
        self.columns.setStretch(1, 2 if grades else 1)
        for i, g in enumerate(grades):
            b = button()
            b.setStyleSheet("padding: 8px 8px;")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, gid=g.id: self.grade_chosen.emit(gid))
            self.grade_grid.addWidget(b, i // cols, i % cols)
            b.show()
            self.grade_buttons[g.id] = b

    def _amount(self) -> int:
        b = self.bill
        if b is None:
            return 0
        return next((g.amount_cents for g in b.grades if g.id == self.grade), b.amount_cents)

    def retranslate(self) -> None:
        b = self.bill
        showing = self.state == "bill" and b is not None
        self.facts_box.setVisible(showing)
        self.pay_box.setVisible(showing and not b.paid)  # type: ignore[union-attr]
        key, code = self._error
        self.error.setVisible(self.state == "error")
        self.code.setVisible(self.state == "error" and bool(code))
        self.error.setText(tr_or(f"error.payment.{key}", tr("error.generic")) if key else "")
        self.code.setText(tr("error.code", code=code) if code else "")
        self.records_btn.setText(tr("payment.bill.see_records"))
        if self.state == "loading":
            self.title.setText(tr("payment.bill.loading"))
        elif self.state == "error":
            self.title.setText(tr("payment.result.failed_title"))
        else:
            self.title.setText(tr("payment.bill.title"))
        self.message.setVisible(showing and b.paid)  # type: ignore[union-attr]
        self.pay_btn.setVisible(showing and not b.paid)  # type: ignore[union-attr]
        self.records_btn.setVisible(
            (showing and b.paid and b.kind not in ACCOUNT_KINDS)  # type: ignore[union-attr]
            or (self.state == "error" and key == "already_paid"))
        if not showing:
            return
        assert b is not None
        f = self.facts
        f["item"].setText(tr("payment.bill.item", text=b.item))
        f["payee"].setText(tr("payment.bill.payee", text=b.payee))
        f["account"].setText(tr("payment.bill.account", text=b.account))
        f["owner"].setText(tr("payment.bill.owner", text=b.owner_masked))
        f["year"].setText(tr("payment.bill.year", year=b.year or ""))
        f["arrears"].setText(tr("payment.bill.arrears", amount=yuan(b.arrears_cents)))
        f["account"].setVisible(bool(b.account))
        f["owner"].setVisible(bool(b.owner_masked))
        f["year"].setVisible(b.year is not None)
        f["arrears"].setVisible(b.arrears_cents > 0 and not b.paid)
        if b.paid:
            self.message.setText(tr("payment.bill.paid_utility") if b.kind in ACCOUNT_KINDS
                                 else tr("payment.bill.paid_insurance", year=b.year or ""))
            return
        amount = self._amount()
        needs_grade = bool(b.grades) and not self.grade
        self.due.setText(tr("payment.bill.due"))
        # With grades, the chosen button and 扫码支付 say the amount; the figures stay for
        # a bill of one amount (no room for both under the elder mode's type).
        self.due.setVisible(not b.grades)
        self.amount.setVisible(not b.grades)
        self.upper.setVisible(not needs_grade)
        self.amount.setText(tr("payment.bill.amount", amount=yuan(amount)))
        self.upper.setText(tr("payment.bill.upper", text=yuan_upper(amount)))
        self.grade_title.setVisible(bool(b.grades))
        self.grade_title.setText(tr("payment.bill.choose_grade"))
        for g in b.grades:
            gb = self.grade_buttons.get(g.id)
            if gb is not None:
                gb.setText(tr("payment.bill.grade", label=g.label,
                              amount=g.amount_cents // 100))
                gb.setChecked(g.id == self.grade)
        self.note.setVisible(needs_grade)
        self.note.setText(tr("payment.bill.grade_first"))
        self.pay_btn.setEnabled(not needs_grade and amount > 0)
        self.pay_btn.setText(tr("payment.bill.pay", amount=yuan(amount)) if not needs_grade
                             else tr("payment.bill.pay", amount="—"))


# What each outcome shows: (title key, text key, printer drawn, retry offered, done offered)
_OUTCOMES: dict[str, tuple[str, str, bool, bool, bool]] = {
    "creating": ("payment.qr.creating", "", False, False, False),
    "cancelling": ("payment.qr.cancelling", "", False, False, False),
    "checking": ("payment.qr.checking", "", False, False, False),
    "printing": ("payment.result.paid_title", "payment.result.printing", True, False, False),
    "printed": ("payment.result.paid_title", "payment.result.printed", True, False, True),
    "print_failed": ("payment.result.paid_title", "payment.result.print_failed", False,
                     False, True),
    "cancelled": ("payment.result.cancelled_title", "payment.result.cancelled", False, False,
                  True),
    "expired": ("payment.result.expired_title", "payment.result.expired", False, True, True),
    "unconfirmed": ("payment.result.unconfirmed_title", "payment.result.unconfirmed", False,
                    False, True),
    "failed": ("payment.result.failed_title", "", False, False, True),
}


class PayQrScreen(Screen):
    """The payment QR, the amount and the time left to pay; then what came of it."""

    name = "pay_qr"
    help_key = "payment.help.qr"
    cancel = Signal()
    done = Signal()
    retry = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.order: Order | None = None
        self.outcome = "creating"
        self._error = ("", "")
        self._left = 0
        self._seconds = 0
        # The QR page: the code on the left (above in portrait), what it pays on the right.
        qr_page = QWidget()
        lay = QVBoxLayout(qr_page)
        lay.setContentsMargins(60, 24, 60, 24)
        lay.setSpacing(14)
        self.qr_title = label("Title")
        self.qr_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.qr_title)
        self.qr_columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.qr_columns.setSpacing(40)
        # Under the code: how to pay with it and how long it lasts; beside it: what it pays.
        code = QVBoxLayout()
        code.setSpacing(10)
        self.qr = QrLabel()
        self.qr.setMinimumSize(360, 360)
        self.channels = label("Hint")
        self.countdown = label("Countdown", wrap=False)
        self.wait = label("")
        for w in (self.channels, self.countdown, self.wait):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
        code.addWidget(self.qr, 1)
        for w in (self.channels, self.countdown, self.wait):
            code.addWidget(w)
        self.qr_columns.addLayout(code, 1)
        side = QVBoxLayout()
        side.setSpacing(12)
        self.item = label("")
        self.amount = label("Amount", wrap=False)
        self.upper = label("")
        self.order_no = label("ErrorCode")
        side.addStretch(1)
        for w in (self.item, self.amount, self.upper, self.order_no):
            side.addWidget(w)
        side.addStretch(1)
        self.cancel_btn = button()
        self.cancel_btn.clicked.connect(self._cancel)
        side.addWidget(self.cancel_btn, 0, Qt.AlignmentFlag.AlignLeft)
        self.qr_columns.addLayout(side, 1)
        lay.addLayout(self.qr_columns, 1)
        # The outcome page: what happened, what to do, the printer's slot when printing.
        msg_page = QWidget()
        ml = QVBoxLayout(msg_page)
        ml.setContentsMargins(80, 40, 80, 30)
        ml.setSpacing(20)
        self.msg_title = label("Title")
        self.msg_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.printer = DeviceIllustration("printer")
        self.printer.setMinimumSize(260, 200)
        self.msg_text = label("")
        self.msg_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.msg_code = label("ErrorCode")
        self.msg_code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.msg_order = label("ErrorCode")
        self.msg_order.setAlignment(Qt.AlignmentFlag.AlignCenter)
        ml.addStretch(1)
        ml.addWidget(self.msg_title)
        ml.addWidget(self.printer, 2)
        ml.addWidget(self.msg_text)
        ml.addWidget(self.msg_code)
        ml.addWidget(self.msg_order)
        ml.addStretch(1)
        self.buttons = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.buttons.setSpacing(24)
        self.retry_btn = button()
        self.done_btn = button(primary=True)
        self.retry_btn.clicked.connect(self.retry.emit)
        self.done_btn.clicked.connect(self.done.emit)
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.retry_btn)
        self.buttons.addWidget(self.done_btn)
        self.buttons.addStretch(1)
        ml.addLayout(self.buttons)
        self.pages = QStackedLayout(self)
        self.pages.addWidget(qr_page)
        self.pages.addWidget(msg_page)
        self.show_outcome("creating")

    def set_portrait(self, portrait: bool) -> None:
        d = QBoxLayout.Direction
        self.qr_columns.setDirection(d.TopToBottom if portrait else d.LeftToRight)
        self.buttons.setDirection(d.TopToBottom if portrait else d.LeftToRight)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.amount.setStyleSheet(f"font-size: {theme.px(64)}px; font-weight: bold; "
                                  f"color: {th.BLUE};")
        self.countdown.setStyleSheet(f"font-size: {theme.px(34)}px; font-weight: bold; "
                                     f"color: {th.AMBER};")
        self.item.setStyleSheet(f"font-size: {theme.body}px; font-weight: bold;")
        self.retranslate()

    @property
    def showing_qr(self) -> bool:
        return self.pages.currentIndex() == 0

    def show_qr(self, order: Order) -> None:
        self.order = order
        self.outcome = "qr"
        self.qr.set_data(order.pay_url)
        self.cancel_btn.setEnabled(True)
        self.pages.setCurrentIndex(0)
        self.retranslate()

    def set_left(self, seconds: int) -> None:
        self._left = max(0, seconds)
        m, s = divmod(self._left, 60)
        self.countdown.setText(tr("payment.qr.left", m=m, s=s))

    def show_outcome(self, outcome: str, error_key: str = "", code: str = "") -> None:
        self.outcome = outcome
        self._error = (error_key, code)
        self.pages.setCurrentIndex(1)
        self.retranslate()

    def set_seconds(self, seconds: int) -> None:
        self._seconds = seconds
        self.done_btn.setText(tr("payment.result.done", s=seconds))

    def _cancel(self) -> None:
        self.cancel_btn.setEnabled(False)  # one tap, one cancel
        self.cancel.emit()

    def reset(self) -> None:
        self.order = None
        self.qr.clear()
        self.show_outcome("creating")

    def retranslate(self) -> None:
        self.qr_title.setText(tr("payment.qr.title"))
        self.channels.setText(tr("payment.qr.channels"))
        self.wait.setText(tr("payment.qr.wait"))
        self.cancel_btn.setText(tr("payment.qr.cancel"))
        self.set_left(self._left)
        self.retry_btn.setText(tr("payment.result.retry"))
        self.set_seconds(self._seconds)
        o = self.order
        if o is not None:
            self.item.setText(o.item + (f" · {o.grade}" if o.grade else ""))
            self.amount.setText(tr("payment.qr.amount", amount=yuan(o.amount_cents)))
            self.upper.setText(tr("payment.qr.upper", text=yuan_upper(o.amount_cents)))
            self.order_no.setText(tr("payment.qr.order", order=o.order_no))
        if self.outcome == "qr":
            return
        title, text, printer, retry, done = _OUTCOMES[self.outcome]
        key, code = self._error
        self.msg_title.setText(tr(title))
        if self.outcome == "failed":
            self.msg_text.setText(tr_or(f"error.payment.{key}", tr("error.generic")))
        else:
            self.msg_text.setText(tr(text) if text else "")
        self.msg_text.setVisible(bool(self.msg_text.text()))
        colour = th.RED if self.outcome in ("failed", "unconfirmed", "print_failed") else th.INK
        self.msg_text.setStyleSheet(f"font-size: {self.theme.body}px; color: {colour}; "
                                    "font-weight: bold;")
        self.msg_code.setText(tr("error.code", code=code) if code else "")
        self.msg_code.setVisible(bool(code))
        shown_order = o is not None and self.outcome not in ("creating", "failed")
        self.msg_order.setText(tr("payment.qr.order", order=o.order_no) if o else "")
        self.msg_order.setVisible(shown_order)
        self.printer.setVisible(printer)
        self.retry_btn.setVisible(retry)
        self.done_btn.setVisible(done)


class PayRecordsScreen(Screen):
    """缴费记录: this person's paid orders, a page at a time, each with 重新打印."""

    name = "pay_records"
    help_key = "payment.help.records"
    reprint = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.orders: list[Order] = []
        self.state = "loading"  # loading, list, error
        self._error = ("", "")
        self.print_state: tuple[str, str] = ("", "")  # (order, "printing"/"printed"/code)
        self.page = 0
        self.portrait = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 30, 60, 24)
        lay.setSpacing(16)
        self.title = label("Title")
        self.status = label("")
        self.code = label("ErrorCode")
        lay.addWidget(self.title)
        lay.addWidget(self.status)
        lay.addWidget(self.code)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(16)
        lay.addLayout(self.rows_box)
        lay.addStretch(1)
        self.pager = Pager(self.turn)
        lay.addLayout(self.pager)
        self.rows: list[tuple[QFrame, QPushButton, str]] = []
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait
        self._rebuild()

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self.page = 0
        self._rebuild()

    def per_page(self) -> int:
        if self.portrait:
            return 3 if self.theme.elder else 5
        return 2 if self.theme.elder else 3

    def pages(self) -> int:
        return max(1, -(-len(self.orders) // self.per_page()))

    def turn(self, step: int) -> None:
        self.page = min(max(0, self.page + step), self.pages() - 1)
        self._rebuild()

    def show_loading(self) -> None:
        self.state, self.orders, self.page = "loading", [], 0
        self.print_state = ("", "")
        self._rebuild()

    def show_error(self, key: str, code: str) -> None:
        self.state, self._error = "error", (key, code)
        self._rebuild()

    def show_orders(self, orders: list[Order]) -> None:
        self.state, self.orders, self.page = "list", list(orders), 0
        self.print_state = ("", "")
        self._rebuild()

    def set_print_state(self, order_no: str, state: str) -> None:
        self.print_state = (order_no, state)
        self.retranslate()

    def reset(self) -> None:
        self.show_loading()

    def button_for(self, order_no: str) -> QPushButton | None:
        return next((b for _, b, n in self.rows if n == order_no), None)

    def _rebuild(self) -> None:
        for frame, _, _ in self.rows:
            frame.setParent(None)
            frame.deleteLater()
        self.rows = []
        per = self.per_page()
        for o in self.orders[self.page * per:(self.page + 1) * per]:
            frame = QFrame()
            frame.setObjectName("Dialog")
            row = QHBoxLayout(frame)
            row.setContentsMargins(24, 10, 24, 10)
            row.setSpacing(24)
            words = QVBoxLayout()
            item = label("")
            item.setStyleSheet(f"font-size: {self.theme.body}px; font-weight: bold;")
            detail = label("Hint")
            words.addWidget(item)
            words.addWidget(detail)
            row.addLayout(words, 1)
            b = button(tr("payment.history.reprint"))
            b.clicked.connect(lambda _=False, n=o.order_no: self.reprint.emit(n))
            row.addWidget(b)
            self.rows_box.addWidget(frame)
            frame.show()
            self.rows.append((frame, b, o.order_no))
        self.retranslate()

    def retranslate(self) -> None:
        key, code = self._error
        busy = self.print_state[1] == "printing"
        if self.state == "loading":
            self.title.setText(tr("payment.history.loading"))
        elif self.state == "error":
            self.title.setText(tr("payment.result.failed_title"))
        else:
            self.title.setText(tr("payment.history.title"))
        _, state = self.print_state
        status, err = "", ""
        if self.state == "error":
            err = tr_or(f"error.payment.{key}", tr("error.generic"))
        elif self.state == "list" and not self.orders:
            status = tr("payment.history.none")
        elif state == "printing":
            status = tr("payment.history.printing")
        elif state == "printed":
            status = tr("payment.history.printed")
        elif state:
            err = tr("payment.history.print_failed")
            code = state
        self.status.setText(err or status)
        self.status.setVisible(bool(err or status))
        colour = th.RED if err else th.INK
        self.status.setStyleSheet(f"font-size: {self.theme.body}px; font-weight: bold; "
                                  f"color: {colour};")
        self.code.setText(tr("error.code", code=code) if err and code else "")
        self.code.setVisible(bool(err and code))
        shown = self.orders[self.page * self.per_page():]
        for (frame, b, _), o in zip(self.rows, shown, strict=False):
            b.setText(tr("payment.history.reprint"))
            b.setEnabled(not busy)
            item, detail = frame.findChildren(QLabel)[:2]
            item.setText(tr("payment.history.row", item=o.item))
            detail.setText(tr("payment.history.row_detail", amount=yuan(o.amount_cents),
                              time=_clock(o.paid_at))
                           + ("\n" if self.portrait else " · ")
                           + tr("payment.history.row_order", order=o.order_no))
        self.pager.show_page(self.page, self.pages(), narrow=self.portrait)
