"""缴费 without Qt: bills, orders, amounts in 大写, the durable order keys, and the desk that
asks the platform and prints the 缴费凭证.

Money is counted in 分 (integer cents) everywhere; the platform sets every amount and the
kiosk only echoes it back. An order is created under an idempotency key that is written to
``<data>/payments.sqlite3`` (fsynced) *before* the request leaves: an answer lost in
transit is asked again with the same key and gets the same order, so the platform never
holds two orders for one tap. Nothing personal is kept there: the key, the kind of bill,
the order number and its last known state.

Every call to the platform runs off the GUI thread (the flow uses ``host.run``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from offline_cache.client import OutcomeUnknown, PlatformClient, PlatformRefused
from offline_cache.sqlite import Immediate, open_db
from printer_templates.payment_receipt import PaymentReceipt, render_payment_receipt

if TYPE_CHECKING:
    from kiosk.context import KioskContext
    from kiosk.identity import Identity

log = logging.getLogger(__name__)

CARD_KINDS = ("medical", "pension")  # 城乡居民医保 / 养老保险: by ID card
ACCOUNT_KINDS = ("water", "electricity", "gas")  # 水、电、燃气: by account number
KINDS = CARD_KINDS + ACCOUNT_KINDS
PAYMENT_DEADLINE = 8.0  # seconds for one request to the platform while a citizen waits
CREATE_ATTEMPTS = 3  # a lost "create order" answer is asked again (same key) this often
FINAL = ("paid", "closed", "expired")

# --- amounts -------------------------------------------------------------------------------
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_GROUPS = ("", "万", "亿", "万亿")


def yuan(cents: int) -> str:
    """``35000`` → ``"350.00"``."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d}".replace(",", "")


def _group_upper(g: int) -> str:
    """1..9999 in capital numerals with 仟佰拾, inner zeros as one 零."""
    out, zero = "", False
    for pos, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        d = g // pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + unit
    return out


def _integer_upper(n: int) -> str:
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out, gap = "", False
    for i in reversed(range(len(groups))):
        g = groups[i]
        if g == 0:
            gap = bool(out)
            continue
        if out and (gap or g < 1000):
            out += "零"
        out += _group_upper(g) + _GROUPS[i]
        gap = False
    return out


def yuan_upper(cents: int) -> str:
    """An amount in Chinese capital numerals as written on a receipt (大写金额):
    ``35000`` → ``叁佰伍拾元整``, ``100505`` → ``壹仟零伍元零伍分``, ``35050`` →
    ``叁佰伍拾元伍角整``. "整" after 元 or 角, never after 分."""
    if cents < 0:
        raise ValueError("a negative amount has no 大写 on a receipt")
    whole, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    out = _integer_upper(whole) + "元" if whole else ""
    if jiao == 0 and fen == 0:
        return (out or "零元") + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif whole:
        out += "零"
    if fen:
        return out + _DIGITS[fen] + "分"
    return out + "整"


def mask_account(account: str) -> str:
    """An account number on screen and paper: ``3301****5678``."""
    keep = 4 if len(account) >= 12 else 2
    if len(account) <= 2 * keep:
        return "*" * len(account)
    return account[:keep] + "*" * (len(account) - 2 * keep) + account[-keep:]


# --- what the platform answers -----------------------------------------------------------
@dataclass(frozen=True)
class Grade:
    """A 缴费档次 of the 城乡居民养老保险 the citizen may choose."""

    id: str
    label: str
    amount_cents: int


@dataclass(frozen=True)
class Bill:
    kind: str
    ref: str  # the platform's handle of this bill (opaque)
    item: str  # what is paid, e.g. 2025年度城乡居民基本医疗保险
    payee: str  # 收款单位
    amount_cents: int  # due now (for 养老: of the grade chosen, 0 until then)
    arrears_cents: int = 0  # of it, overdue from earlier periods (utilities)
    year: int | None = None
    owner_masked: str = ""  # the account's holder, masked by the platform (张*三)
    account: str = ""  # the account number typed (utilities)
    grades: tuple[Grade, ...] = ()
    paid: bool = False  # already paid (this year's premium): nothing to pay

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Bill:
        try:
            return cls(kind=str(doc["kind"]), ref=str(doc["ref"]), item=str(doc["item"]),
                       payee=str(doc["payee"]), amount_cents=int(doc["amount_cents"]),
                       arrears_cents=int(doc.get("arrears_cents", 0)),
                       year=int(doc["year"]) if doc.get("year") else None,
                       owner_masked=str(doc.get("owner_masked", "")),
                       account=str(doc.get("account", "")),
                       grades=tuple(Grade(str(g["id"]), str(g["label"]), int(g["amount_cents"]))
                                    for g in doc.get("grades", ())),
                       paid=bool(doc.get("paid", False)))
        except (KeyError, TypeError, ValueError) as e:
            raise OutcomeUnknown(f"the bill answer is not a bill ({e!r})") from None


@dataclass(frozen=True)
class Order:
    order_no: str
    request_id: str
    status: str  # pending, paid, closed, expired
    kind: str
    item: str
    payee: str
    amount_cents: int
    pay_url: str  # the aggregated 微信/支付宝/云闪付 QR's content
    verify_url: str  # printed as the receipt's QR
    expires_in: float  # seconds of validity left when the platform answered
    created_at: str
    paid_at: str = ""
    payer_masked: str = ""  # 张*三, or the masked account number
    grade: str = ""
    year: int | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Order:
        try:
            status = str(doc["status"])
            if status not in ("pending", *FINAL):
                raise ValueError(status)
            return cls(order_no=str(doc["order_no"]), request_id=str(doc["request_id"]),
                       status=status, kind=str(doc["kind"]), item=str(doc["item"]),
                       payee=str(doc["payee"]), amount_cents=int(doc["amount_cents"]),
                       pay_url=str(doc["pay_url"]), verify_url=str(doc["verify_url"]),
                       expires_in=max(0.0, float(doc["expires_in"])),
                       created_at=str(doc["created_at"]), paid_at=str(doc.get("paid_at") or ""),
                       payer_masked=str(doc.get("payer_masked", "")),
                       grade=str(doc.get("grade_label", "")),
                       year=int(doc["year"]) if doc.get("year") else None)
        except (KeyError, TypeError, ValueError) as e:
            raise OutcomeUnknown(f"the order answer is not an order ({e!r})") from None


class PaymentError(Exception):
    """What to tell the citizen, as a catalog key under ``error.payment`` and a code."""

    def __init__(self, key: str, code: str) -> None:
        super().__init__(code)
        self.key = key
        self.code = code


# --- the durable keys ------------------------------------------------------------------------
_SCHEMA = """
CREATE TABLE IF NOT EXISTS pay_request (
    request_id TEXT PRIMARY KEY, kind TEXT NOT NULL, asked_at REAL NOT NULL,
    order_no TEXT, status TEXT);
"""


class PaymentKeys:
    """The idempotency keys of the orders this kiosk asked for, kept durably before each
    request leaves (nothing personal: the key, the kind, the order and its state)."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = open_db(path, durable=True)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def new_key(self, kind: str) -> str:
        key = str(uuid.uuid4())
        with Immediate(self._db, self._lock) as db:
            db.execute("INSERT INTO pay_request(request_id, kind, asked_at) VALUES (?, ?, ?)",
                       (key, kind, time.time()))
        return key

    def note(self, key: str, order_no: str, status: str) -> None:
        with Immediate(self._db, self._lock) as db:
            db.execute("UPDATE pay_request SET order_no = ?, status = ? WHERE request_id = ?",
                       (order_no, status, key))

    def rows(self) -> list[tuple[str, str, str | None, str | None]]:
        """(key, kind, order number, status), oldest first (tests, ``kiosk doctor``)."""
        with self._lock:
            return self._db.execute("SELECT request_id, kind, order_no, status FROM "
                                    "pay_request ORDER BY asked_at").fetchall()

    def unsettled(self) -> list[str]:
        """Keys whose order's end this kiosk never learnt (an answer lost, a crash)."""
        with self._lock:
            return [k for (k,) in self._db.execute(
                "SELECT request_id FROM pay_request WHERE status IS NULL OR status = "
                "'pending' ORDER BY asked_at")]


# --- the shown order (the simulator panel's 模拟支付 pays it) -------------------------------
_shown: dict[str, str] = {}


def set_shown_order(order_no: str | None) -> None:
    if order_no:
        _shown["order_no"] = order_no
    else:
        _shown.pop("order_no", None)


def shown_order() -> str | None:
    """The order whose payment QR is on screen now, if any."""
    return _shown.get("order_no")


# --- the desk ------------------------------------------------------------------------------
@dataclass
class PaymentDesk:
    """The kiosk's side of 缴费: asks the platform, keeps the keys, prints the receipts.
    Every method blocks: call them off the GUI thread."""

    ctx: KioskContext
    keys: PaymentKeys = field(init=False)
    _client: PlatformClient | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.keys = PaymentKeys(self.ctx.config.data_dir / "payments.sqlite3")

    @property
    def client(self) -> PlatformClient:
        if self._client is None:
            from kiosk.link import terminal_secret

            assert self.ctx.link is not None
            cfg = self.ctx.config
            self._client = PlatformClient(self.ctx.link.url, cfg.terminal.id,
                                          terminal_secret(cfg), ca_file=cfg.platform.ca_file,
                                          deadline=PAYMENT_DEADLINE)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        self.keys.close()

    # --- bills and orders ---------------------------------------------------------------
    def bill(self, kind: str, *, who: Identity | None = None, account: str = "") -> Bill:
        try:
            doc = self.client.payment_bill(kind, id_number=who.id_number if who else "",
                                           account=account,
                                           presence=who.presence if who else None)
        except PlatformRefused as e:
            if e.error == "unknown_account":
                raise PaymentError("unknown_account", f"payment.{e.error}") from None
            log.warning("bill refused: %s", e.error)
            raise PaymentError("refused", f"payment.{e.error}") from None
        except OutcomeUnknown as e:
            log.warning("bill query: no answer (%s)", e)
            raise PaymentError("no_answer", "payment.bill_unknown") from None
        return Bill.from_doc(doc)

    def create_order(self, bill: Bill, grade: str = "", who: Identity | None = None) -> Order:
        """An order for ``bill`` under a new key stored first; a lost answer is asked again
        with the same key (the platform gives the same order)."""
        key = self.keys.new_key(bill.kind)
        amount = next((g.amount_cents for g in bill.grades if g.id == grade),
                      bill.amount_cents)
        last: Exception | None = None
        for attempt in range(CREATE_ATTEMPTS):
            try:
                doc = self.client.create_order(key, bill.ref, amount, grade=grade,
                                               payer_id_number=who.id_number if who else "",
                                               payer_name=who.name if who else "")
            except OutcomeUnknown as e:
                last = e
                log.info("create order: no answer (attempt %d: %s), asking again with the "
                         "same key", attempt + 1, e)
                continue
            except PlatformRefused as e:
                log.warning("create order refused: %s", e.error)
                self.keys.note(key, "", "refused")
                raise PaymentError("already_paid" if e.error == "already_paid" else "refused",
                                   f"payment.{e.error}") from None
            order = Order.from_doc(doc)
            self.keys.note(key, order.order_no, order.status)
            log.info("order %s created (%s, %s yuan)", order.order_no, bill.kind,
                     yuan(order.amount_cents))
            return order
        log.warning("create order: no answer after %d attempts (%s); an order made under "
                    "the key is never shown, so it cannot be paid, and expires", CREATE_ATTEMPTS,
                    last)
        raise PaymentError("create_unknown", "payment.create_unknown")

    def status(self, order: Order) -> Order:
        """The order as the platform has it now (OutcomeUnknown when it does not say)."""
        now = Order.from_doc(self.client.order(order.order_no))
        if now.status != order.status:
            self.keys.note(order.request_id, order.order_no, now.status)
        return now

    def cancel(self, order: Order) -> Order:
        """Close the order on the platform; its answer is the order's end: ``closed``, or
        ``paid`` if the payment arrived first (OutcomeUnknown when it does not say)."""
        now = Order.from_doc(self.client.cancel_order(order.order_no))
        self.keys.note(order.request_id, order.order_no, now.status)
        log.info("order %s: cancel answered %s", order.order_no, now.status)
        return now

    def paid_orders(self, who: Identity) -> list[Order]:
        try:
            docs = self.client.payment_records(who.id_number, presence=who.presence)
        except PlatformRefused as e:
            raise PaymentError("refused", f"payment.{e.error}") from None
        except OutcomeUnknown as e:
            log.warning("payment records: no answer (%s)", e)
            raise PaymentError("no_answer", "payment.records_unknown") from None
        return [Order.from_doc(d) for d in docs]

    # --- the receipt ----------------------------------------------------------------------
    def print_receipt(self, order: Order, reprint: bool = False) -> str:
        """The 缴费凭证 of a paid order on the receipt printer: "" once it is out, else the
        printer's error code."""
        if order.status != "paid":
            raise ValueError("a receipt is printed only for a paid order")
        term = self.ctx.config.terminal
        now = datetime.now().astimezone()
        receipt = PaymentReceipt(
            hall_name=term.hall_name, terminal_id=term.id, order_no=order.order_no,
            item=order.item, payee=order.payee, payer=order.payer_masked,
            amount_cents=order.amount_cents, paid_at=_parse_time(order.paid_at) or now,
            qr_data=order.verify_url, grade=order.grade, printed_at=now, reprint=reprint)
        suffix = hashlib.sha256(f"{order.order_no}{time.time()}".encode()).hexdigest()[:4]
        job = f"pay-{order.order_no}-{'r' + suffix if reprint else 'p'}"
        data = render_payment_receipt(receipt, job_id=job, profile=self.ctx.receipt_profile)
        return self.ctx.print_receipt(job, data, f"payment receipt {order.order_no}"
                                      + (" (reprint)" if reprint else ""))


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text).astimezone() if text else None
    except ValueError:
        return None
