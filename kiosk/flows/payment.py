"""缴费: 城乡居民医保/养老保险 by ID card, 水、电、燃气 by account number, paid by QR.

The citizen chooses what to pay; the bill comes from the platform; 扫码支付 creates an order
under a key stored before the request (``kiosk.payment``), the QR is shown with the time
left to pay, and the order is polled until it is paid, then the 缴费凭证 is printed.

Every uncertain moment ends in a state the platform confirmed:
- the QR runs out (or the citizen cancels or leaves): the order is closed on the platform,
  whose answer is the end: ``closed`` (nothing charged) or ``paid`` (the payment arrived
  first: the receipt prints);
- no answer to that question: the screen says the payment is not confirmed and what to do
  (the 缴费记录 step lists what the platform settled, with 重新打印), never "success".

Utilities need no card; 医保, 养老 and the records need the ID card: the ``payment_card``
gate (a flow without steps that needs it) asks for it through the navigator
(``host.start`` with the choice) and hands the citizen back here.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any, Protocol, cast

from kiosk.flow import Flow, FlowHost, IdentityNeed, Needs, NetworkNeed, Tile
from kiosk.payment import (
    ACCOUNT_KINDS,
    CARD_KINDS,
    Bill,
    Order,
    PaymentDesk,
    PaymentError,
    set_shown_order,
)
from offline_cache.client import OutcomeUnknown, PlatformRefused

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0  # how often the order is asked after while its QR is shown
RESULT_SECONDS = 30  # an outcome stays on screen this long, then the visit ends
CHECKS_AT_END = 2  # failed final checks (no answer) before "not confirmed"

# Phases of one payment on the QR step.
IDLE, CREATING, WAITING, CANCELLING, CLOSING, PRINTING, RESULT = (
    "idle", "creating", "waiting", "cancelling", "closing", "printing", "result")
_BUSY = (CREATING, CANCELLING, CLOSING, PRINTING)


class _Navigator(FlowHost, Protocol):
    """What the gate needs of the navigator beyond ``FlowHost``: the payment flow it
    hands the citizen back to."""

    flows: dict[str, Flow]


class PaymentFlow(Flow):
    id = "payment"
    tile = Tile("缴", order=40)
    needs = Needs(network=NetworkNeed.REQUIRED, devices=("printer",))
    steps = {
        "pay_start": "screens.payment:PayChoiceScreen",
        "pay_account": "screens.payment:PayAccountScreen",
        "pay_bill": "screens.payment:PayBillScreen",
        "pay_qr": "screens.payment:PayQrScreen",
        "pay_records": "screens.payment:PayRecordsScreen",
    }

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self._desk: PaymentDesk | None = None
        self.kind = ""
        self.bill: Bill | None = None
        self.grade = ""
        self.reset_visit()

    @property
    def desk(self) -> PaymentDesk:
        if self._desk is None:
            self._desk = PaymentDesk(self.ctx)
        return self._desk

    def reset_visit(self) -> None:
        self.kind, self.bill, self.grade = "", None, ""
        self.order: Order | None = None
        self.phase = IDLE
        self.deadline = 0.0  # the QR's end (host clock), then the outcome's
        self.next_poll = 0.0
        self.polling = False
        self.end_checks = 0
        self.reprinting = False
        set_shown_order(None)

    # --- engine hooks ---------------------------------------------------------------------
    def bind(self, step: str, screen: Any) -> None:
        if step == "pay_start":
            screen.chosen.connect(self.choose)
        elif step == "pay_account":
            screen.query.connect(self.query_account)
        elif step == "pay_bill":
            screen.grade_chosen.connect(self.choose_grade)
            screen.pay.connect(self.confirm)
            screen.records.connect(self.open_records)
        elif step == "pay_qr":
            screen.cancel.connect(self.cancel)
            screen.done.connect(lambda: self.host.end_visit("payment_done"))
            screen.retry.connect(self.confirm)
        elif step == "pay_records":
            screen.reprint.connect(self.reprint)

    def start(self) -> None:
        self.reset_visit()
        self.host.go("pay_start")

    def shown(self, step: str) -> None:
        if step != "pay_qr" and self.phase == WAITING:
            self._abandon("back")  # back from the QR: the order is closed

    def left(self) -> None:
        if self.phase == WAITING:
            self._abandon("left")
        self.reset_visit()

    def close(self) -> None:
        if self._desk is not None:
            self._desk.close()
            self._desk = None

    def holds(self) -> bool:
        return self.phase in _BUSY or self.reprinting

    def defers_cards(self) -> bool:
        """The QR, the payment being settled and its outcome are this citizen's."""
        return self.host.step == "pay_qr" and self.phase != IDLE

    def tick(self, now: float) -> bool:
        if self.host.step != "pay_qr" or self.phase == IDLE:
            return False
        qr = self.host.screen("pay_qr")
        left = self.deadline - now
        if self.phase == WAITING:
            qr.set_left(int(max(0, left) + 0.999))
            if left <= 0:
                self._close_at_end()
            elif now >= self.next_poll and not self.polling:
                self._poll()
        elif self.phase == RESULT:
            qr.set_seconds(max(0, round(left)))
            if left <= 0:
                self.host.end_visit("payment_timeout")
        return True  # the QR's time and the outcome's are the flow's own

    # --- choosing what to pay ---------------------------------------------------------------
    def choose(self, key: str) -> None:
        who = self.ctx.sessions.current.identity
        if key in ACCOUNT_KINDS:
            self.kind = key
            self.host.screen("pay_account").start(key)
            self.host.go("pay_account")
        elif who is None or who.source != "idcard":
            self.host.start("payment_card", key)  # the card first, then back here
        else:
            self.with_card(key)

    def with_card(self, key: str) -> None:
        """The citizen's ID card is read: the bill of ``key`` (医保, 养老) or the records."""
        if key == "records":
            self.open_records()
            return
        who = self.ctx.sessions.current.identity
        assert key in CARD_KINDS and who is not None
        self.kind, self.bill, self.grade = key, None, ""
        self.host.screen("pay_bill").show_loading()
        self.host.go("pay_bill")
        self.host.run(lambda: self.desk.bill(key, who=who), on_done=self._billed)

    def query_account(self, account: str) -> None:
        kind = self.kind
        self.host.run(lambda: self.desk.bill(kind, account=account), on_done=self._billed_account)

    def _billed_account(self, fut: Future[Bill]) -> None:
        try:
            bill = fut.result()
        except PaymentError as e:
            self.host.screen("pay_account").show_error(e.key, e.code)
            self.host.content_changed()
            return
        except Exception:
            log.exception("payment: bill query failed")
            self.host.screen("pay_account").show_error("refused", "kiosk.internal")
            return
        self.host.screen("pay_account").set_busy(False)
        self.bill, self.grade = bill, ""
        self.host.screen("pay_bill").show_bill(bill)
        self.host.go("pay_bill")

    def _billed(self, fut: Future[Bill]) -> None:
        screen = self.host.screen("pay_bill")
        try:
            self.bill = fut.result()
        except PaymentError as e:
            screen.show_error(e.key, e.code)
        except Exception:
            log.exception("payment: bill query failed")
            screen.show_error("refused", "kiosk.internal")
        else:
            screen.show_bill(self.bill)
        self.host.content_changed()  # the bill and its button came up under the finger

    def choose_grade(self, grade: str) -> None:
        self.grade = grade
        self.host.screen("pay_bill").set_grade(grade)

    # --- the order and its QR --------------------------------------------------------------
    def confirm(self) -> None:
        """扫码支付 (or 重新生成二维码 after an expiry): a new order, its QR."""
        bill = self.bill
        if bill is None or bill.paid or self.phase not in (IDLE, RESULT):
            return  # a second tap, or nothing to pay
        if bill.grades and not self.grade:
            return
        who = self.ctx.sessions.current.identity
        who = who if who is not None and who.source == "idcard" else None
        self.order, self.phase, self.end_checks = None, CREATING, 0
        qr = self.host.screen("pay_qr")
        qr.order = None
        qr.show_outcome("creating")
        if self.host.step == "pay_qr":
            self.host.content_changed()
        else:
            self.host.go("pay_qr")
        grade = self.grade
        self.host.run(lambda: self.desk.create_order(bill, grade, who), on_done=self._created)

    def _created(self, fut: Future[Order]) -> None:
        qr = self.host.screen("pay_qr")
        try:
            order = fut.result()
        except PaymentError as e:
            self._result("failed", e.key, e.code)
            return
        except Exception:
            log.exception("payment: creating the order failed")
            self._result("failed", "create_unknown", "kiosk.internal")
            return
        self.order, self.phase = order, WAITING
        now = self.host.now()
        self.deadline = now + order.expires_in
        self.next_poll = now + POLL_SECONDS
        qr.show_qr(order)
        qr.set_left(int(order.expires_in))
        set_shown_order(order.order_no)
        self.host.content_changed()

    def _poll(self) -> None:
        order = self.order
        assert order is not None
        self.polling = True
        self.host.run(lambda: self.desk.status(order), on_done=self._polled)

    def _polled(self, fut: Future[Order]) -> None:
        self.polling = False
        self.next_poll = self.host.now() + POLL_SECONDS
        if self.phase != WAITING:
            return  # cancelled or closing meanwhile: that answer decides
        try:
            now = fut.result()
        except (OutcomeUnknown, PlatformRefused) as e:
            log.info("payment: poll without an answer (%s)", e)
            return  # asked again at the next poll; the end decides
        self._settled(now)

    def _settled(self, order: Order) -> None:
        """The platform says where the order is now."""
        self.order = order
        if order.status == "paid":
            self._print(order)
        elif order.status == "closed":
            self._result("cancelled" if self.phase == CANCELLING else "expired")
        elif order.status == "expired":
            self._result("expired")

    def cancel(self) -> None:
        if self.phase != WAITING or self.order is None:
            return  # a second tap: the first one is being answered
        self.phase = CANCELLING
        self.host.screen("pay_qr").show_outcome("cancelling")
        self.host.content_changed()
        order = self.order
        self.host.run(lambda: self.desk.cancel(order), on_done=self._closed)

    def _close_at_end(self) -> None:
        """The QR ran out on screen: close the order; the answer is its end."""
        assert self.order is not None
        self.phase = CLOSING
        self.host.screen("pay_qr").show_outcome("checking")
        self.host.content_changed()
        order = self.order
        self.host.run(lambda: self.desk.cancel(order), on_done=self._closed)

    def _closed(self, fut: Future[Order]) -> None:
        try:
            now = fut.result()
        except (OutcomeUnknown, PlatformRefused) as e:
            self.end_checks += 1
            log.warning("payment: closing order %s without an answer (%s)",
                        self.order.order_no if self.order else "?", e)
            if self.end_checks < CHECKS_AT_END and self.order is not None:
                order = self.order
                self.host.run(lambda: self.desk.cancel(order), on_done=self._closed)
                return
            self._result("unconfirmed", code="payment.unconfirmed")
            return
        except Exception:
            log.exception("payment: closing the order failed")
            self._result("unconfirmed", code="kiosk.internal")
            return
        if now.status == "pending":  # cannot be after a close; say nothing is sure
            self._result("unconfirmed", code="payment.still_pending")
            return
        self._settled(now)

    def _abandon(self, why: str) -> None:
        """The citizen left the QR: close the order in the background. If it was paid
        first, the platform keeps it paid and its receipt is in 缴费记录."""
        order = self.order
        if order is None:
            return
        log.info("payment: order %s left on screen (%s), closing it", order.order_no, why)
        self.host.run(self.desk.cancel, order)
        self.phase = IDLE
        set_shown_order(None)

    def _print(self, order: Order) -> None:
        self.phase = PRINTING
        set_shown_order(None)
        self.host.visit_over()  # paid: leaving now ends the visit
        self.host.screen("pay_qr").show_outcome("printing")
        self.host.content_changed()
        self.host.run(lambda: self.desk.print_receipt(order), on_done=self._printed,
                      keep_on_leave=True)

    def _printed(self, fut: Future[str]) -> None:
        try:
            error = fut.result()
        except Exception:
            log.exception("payment: printing the receipt failed")
            error = "kiosk.internal"
        self._result("printed" if not error else "print_failed", code=error)

    def _result(self, outcome: str, key: str = "", code: str = "") -> None:
        self.phase = RESULT
        set_shown_order(None)
        self.deadline = self.host.now() + RESULT_SECONDS
        qr = self.host.screen("pay_qr")
        qr.show_outcome(outcome, key, code)
        qr.set_seconds(RESULT_SECONDS)
        if outcome == "failed" and self.host.step != "pay_qr":
            self.host.go("pay_qr")
        self.host.content_changed()

    # --- 缴费记录 -----------------------------------------------------------------------------
    def open_records(self) -> None:
        who = self.ctx.sessions.current.identity
        if who is None or who.source != "idcard":
            self.choose("records")
            return
        screen = self.host.screen("pay_records")
        screen.show_loading()
        self.host.go("pay_records")

        def done(fut: Future[list[Order]]) -> None:
            try:
                screen.show_orders(fut.result())
            except PaymentError as e:
                screen.show_error(e.key, e.code)
            except Exception:
                log.exception("payment: records failed")
                screen.show_error("refused", "kiosk.internal")
            self.host.content_changed()

        self.host.run(lambda: self.desk.paid_orders(who), on_done=done)

    def reprint(self, order_no: str) -> None:
        screen = self.host.screen("pay_records")
        order = next((o for o in screen.orders if o.order_no == order_no), None)
        if order is None or self.reprinting:
            return
        self.reprinting = True
        screen.set_print_state(order_no, "printing")

        def done(fut: Future[str]) -> None:
            self.reprinting = False
            try:
                error = fut.result()
            except Exception:
                log.exception("payment: reprint failed")
                error = "kiosk.internal"
            screen.set_print_state(order_no, error or "printed")

        self.host.run(lambda: self.desk.print_receipt(order, reprint=True), on_done=done,
                      keep_on_leave=True)


class PaymentCardFlow(Flow):
    """The gate to 医保, 养老 and 缴费记录: needs the ID card, which the navigator asks for;
    once read, on to the payment flow. No steps of its own, no tile."""

    id = "payment_card"
    needs = Needs(identity=IdentityNeed.ID_CARD, network=NetworkNeed.REQUIRED,
                  devices=("printer",))

    def start(self) -> None:
        payment = cast(PaymentFlow, cast(_Navigator, self.host).flows["payment"])
        payment.with_card(self.arg or "medical")  # what the citizen chose before the card
