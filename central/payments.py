"""缴费 at the reference platform: bills, orders paid by QR, and the simulated channel.

A terminal asks for a bill (城乡居民医保/养老保险 by ID number, 水/电/燃气 by account), then
creates an order under its own idempotency key (the same key always gets the same order),
shows the aggregated payment QR, polls the order and prints the receipt once it is paid.
Creating a new order for a bill closes that bill's other pending orders, so one bill is
never paid twice; an order unpaid after ``ORDER_VALIDITY`` seconds expires. The payment
channel is simulated: ``PaymentBook.pay`` (``kiosk platform pay ORDER``, the simulator
panel's 模拟支付) marks an order paid.

The data (amounts, payees, holders) is invented but stable, as the rest of ``central/``:
a real platform asks the 医保/社保 departments and the utilities.

Orders live in ``payments.sqlite3`` beside the platform's database, so the CLI can pay an
order while the platform runs (SQLite in WAL mode, one write transaction at a time). It
holds no ID number, name or account number: people and utility accounts are keyed
pseudonyms (HMAC-SHA256 under a key derived from ``platform.key``), names and account
numbers on bills and orders are masked, and an order's request is kept as a keyed hash.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import FastAPI
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from central.app import SignedJson, _parse  # the platform's signed-body rules
from central.presence import looked_up, token_field
from central.store import Refusal, pseudonym, pseudonym_key
from drivers.idcard.codes import check_id_number
from drivers.idcard.privacy import mask_id_number, mask_name
from offline_cache.crypto import load_or_create_key
from offline_cache.sqlite import Immediate, open_db, shred_wal

ORDER_VALIDITY = 180.0  # seconds an order's QR may be paid
DB_NAME = "payments.sqlite3"
_ORDER_NO = r"^JF[0-9]{16}$"
OrderNo = Annotated[str, PathParam(pattern=_ORDER_NO)]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pay_bill (
    ref TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pay_order (
    order_no TEXT PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, terminal TEXT NOT NULL,
    ref TEXT NOT NULL, request_sha TEXT NOT NULL, payer_id TEXT NOT NULL,
    status TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL,
    paid_at REAL, closed_at REAL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS pay_order_ref ON pay_order(ref, status);
CREATE INDEX IF NOT EXISTS pay_order_payer ON pay_order(payer_id, status);
"""

_INSURANCE = {
    "medical": ("城乡居民基本医疗保险（个人缴费）", "示例市滨江区医疗保障局"),
    "pension": ("城乡居民基本养老保险", "示例市滨江区社会保险事业管理中心"),
}
_MEDICAL_CENTS = 40000
_PENSION_GRADES = (20000, 30000, 50000, 100000, 150000, 200000)
_UTILITIES = {
    "water": ("水费", "示例市滨江水务有限公司"),
    "electricity": ("电费", "国网示例市供电公司"),
    "gas": ("燃气费", "示例市滨江燃气有限公司"),
}
_HOLDERS = ("李文华", "张建国", "陈秀英", "刘志强", "赵丽娟", "王德明", "孙玉兰", "周海涛")
_CN_NUMERALS = "一二三四五六"


# --- request bodies -------------------------------------------------------------------------
class BillQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["medical", "pension", "water", "electricity", "gas"]
    id_number: str = Field("", pattern=r"^([0-9]{17}[0-9X])?$")
    account: str = Field("", pattern=r"^[0-9]{0,20}$")
    presence: str = token_field()  # by ID number: the person's (central.presence)


class OrderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: UUID
    ref: str = Field(pattern=r"^[0-9a-f]{24}$")
    amount_cents: int = Field(ge=1, le=100_000_000)
    grade: str = Field("", max_length=8)
    payer_id_number: str = Field("", pattern=r"^([0-9]{17}[0-9X])?$")
    payer_name: str = Field("", max_length=30)


class RecordsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(pattern=r"^[0-9]{17}[0-9X]$")
    presence: str = token_field()


# --- the book -----------------------------------------------------------------------------
def _iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).astimezone().isoformat(
        timespec="seconds")


def _seed(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:12], 16)


def _mask_account(account: str) -> str:
    keep = 4 if len(account) >= 12 else 2
    return account[:keep] + "*" * (len(account) - 2 * keep) + account[-keep:]


def collection_year(today: datetime) -> int:
    """城乡居民医保/养老 are collected in the autumn for the next year."""
    return today.year + 1 if today.month >= 9 else today.year


class PaymentBook:
    """Bills and orders of the reference platform (its own SQLite file)."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        self._db = open_db(path, durable=True)
        path.chmod(0o600)
        self._db.executescript(_SCHEMA)
        # ID numbers and account numbers are kept only as keyed hashes (pseudonyms): the
        # platform can still find a person's orders and a bill by them, a copy of this file
        # cannot read them.
        self._pseudonym_key = pseudonym_key(load_or_create_key(path.parent / "platform.key"))
        self._seal_plain_rows()

    def _pseudonym(self, id_number: str) -> str:
        return pseudonym(self._pseudonym_key, id_number)

    def _account(self, account: str) -> str:
        return pseudonym(self._pseudonym_key, f"account:{account}")

    def _request_hash(self, plain_sha: str) -> str:
        return pseudonym(self._pseudonym_key, f"request:{plain_sha}")

    def _seal_plain_rows(self) -> None:
        """A book from before account numbers were pseudonymised (``user_version`` 0): a
        utility bill's account becomes its pseudonym (masked in the bill), each order's
        request hash a keyed one."""
        with self._lock:
            if self._db.execute("PRAGMA user_version").fetchone()[0] >= 1:
                return
        with self._tx() as db:
            for ref, kind, subject, doc in db.execute(
                    "SELECT ref, kind, subject, doc FROM pay_bill WHERE kind NOT IN ('medical', "
                    "'pension')").fetchall():
                bill = json.loads(doc)
                account = bill.get("account") or subject
                # The ref was a plain hash of the account: made again from its pseudonym.
                month = re.search(r"（(\d{4})年(\d{1,2})月账单）", bill.get("item", ""))
                new_ref = ref if month is None else hashlib.sha256(
                    f"{kind}|{self._account(account)}|{int(month[1]):04d}{int(month[2]):02d}"
                    .encode()).hexdigest()[:24]
                bill |= {"account": "", "account_masked": _mask_account(account),
                         "ref": new_ref}
                db.execute("UPDATE pay_bill SET ref = ?, subject = ?, doc = ? WHERE ref = ?",
                           (new_ref, self._account(account),
                            json.dumps(bill, ensure_ascii=False), ref))
                db.execute("UPDATE pay_order SET ref = ? WHERE ref = ?", (new_ref, ref))
            for order_no, sha in db.execute("SELECT order_no, request_sha FROM pay_order"
                                            ).fetchall():
                db.execute("UPDATE pay_order SET request_sha = ? WHERE order_no = ?",
                           (self._request_hash(sha), order_no))
            db.execute("PRAGMA user_version = 1")
        with self._lock:
            shred_wal(self._db)

    @classmethod
    def beside(cls, root: Path) -> PaymentBook:
        """The book of the platform whose data folder is ``root``."""
        return cls(root / DB_NAME)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _tx(self) -> Immediate:
        return Immediate(self._db, self._lock)

    # --- bills ------------------------------------------------------------------------------
    def bill(self, q: BillQuery) -> dict[str, Any]:
        now = datetime.now().astimezone()
        if q.kind in _INSURANCE:
            if not q.id_number or not check_id_number(q.id_number):
                raise Refusal(422, "invalid_id_number", "an ID number with a right check "
                              "character is needed for this bill")
            year = collection_year(now)
            subject, period = self._pseudonym(q.id_number), str(year)
            payer_masked = mask_id_number(q.id_number)
            item, payee = _INSURANCE[q.kind]
            doc: dict[str, Any] = {"kind": q.kind, "item": f"{year}年度{item}", "payee": payee,
                                   "year": year, "arrears_cents": 0, "account": "",
                                   "owner_masked": ""}
            if q.kind == "medical":
                doc |= {"amount_cents": _MEDICAL_CENTS, "grades": []}
            else:
                doc |= {"amount_cents": 0, "grades": [
                    {"id": f"g{i + 1}", "label": f"第{_CN_NUMERALS[i]}档",
                     "amount_cents": cents} for i, cents in enumerate(_PENSION_GRADES)]}
        else:
            if not 6 <= len(q.account) <= 20:
                raise Refusal(422, "invalid_account", "an account number is 6 to 20 digits")
            if q.account.startswith("0"):
                raise Refusal(404, "unknown_account", "no such account at this utility")
            subject, period = self._account(q.account), f"{now:%Y%m}"
            payer_masked = ""
            item, payee = _UTILITIES[q.kind]
            seed = _seed(q.kind, q.account)
            due = 3000 + seed % 40000
            arrears = (seed >> 20) % 2 * (1000 + (seed >> 8) % 9000)
            doc = {"kind": q.kind, "item": f"{item}（{now.year}年{now.month}月账单）",
                   "payee": payee, "year": None, "amount_cents": due + arrears,
                   "arrears_cents": arrears, "account": q.account, "grades": [],
                   "owner_masked": mask_name(_HOLDERS[seed % len(_HOLDERS)])}
        ref = hashlib.sha256(f"{q.kind}|{subject}|{period}".encode()).hexdigest()[:24]
        doc["ref"] = ref
        with self._tx() as db:
            # What is kept of the bill: the order's 缴费人 and the account only masked.
            kept = {**doc, "payer_id_masked": payer_masked, "account": "",
                    "account_masked": _mask_account(q.account) if q.account else ""}
            db.execute("INSERT INTO pay_bill VALUES (?, ?, ?, ?) ON CONFLICT(ref) DO NOTHING",
                       (ref, q.kind, subject, json.dumps(kept, ensure_ascii=False)))
            self._settle(db, time.time())
            paid = db.execute("SELECT 1 FROM pay_order WHERE ref = ? AND status = 'paid'",
                              (ref,)).fetchone() is not None
        if paid and q.kind not in _INSURANCE:
            doc |= {"amount_cents": 0, "arrears_cents": 0}
        return doc | {"paid": paid}

    # --- orders -----------------------------------------------------------------------------
    def create_order(self, req: OrderRequest, terminal: str) -> tuple[bool, dict[str, Any]]:
        """(new, order): the same request id always gets the same order. Raises Refusal."""
        key = str(req.request_id)
        # Kept keyed: the request names the payer (ID number, name).
        sha = self._request_hash(hashlib.sha256(req.model_dump_json().encode()).hexdigest())
        now = time.time()
        with self._tx() as db:
            self._settle(db, now)
            seen = db.execute("SELECT request_sha, terminal, order_no FROM pay_order WHERE "
                              "request_id = ?", (key,)).fetchone()
            if seen is not None:
                if (seen[0], seen[1]) != (sha, terminal):
                    raise Refusal(409, "request_id_reused", "this request id was used for "
                                  "another order")
                return False, self._order(db, seen[2])
            row = db.execute("SELECT kind, subject, doc FROM pay_bill WHERE ref = ?",
                             (req.ref,)).fetchone()
            if row is None:
                raise Refusal(404, "unknown_bill", "no bill with this ref: ask for the bill first")
            kind, subject, bill = row[0], row[1], json.loads(row[2])
            if db.execute("SELECT 1 FROM pay_order WHERE ref = ? AND status = 'paid'",
                          (req.ref,)).fetchone():
                raise Refusal(409, "already_paid", "this bill is paid already")
            grade = next((g for g in bill["grades"] if g["id"] == req.grade), None)
            if bill["grades"] and grade is None:
                raise Refusal(422, "grade_required", "this bill needs one of its grades")
            amount = grade["amount_cents"] if grade else bill["amount_cents"]
            if amount != req.amount_cents:
                raise Refusal(409, "amount_mismatch", f"the bill says {amount} cents, the "
                              f"request {req.amount_cents}")
            if kind in _INSURANCE:
                payer_id = subject
                payer = " ".join(p for p in (mask_name(req.payer_name),
                                             bill.get("payer_id_masked", "")) if p)
            else:
                payer_id = self._pseudonym(req.payer_id_number)
                payer = f"户号 {bill['account_masked']}（户名 {bill['owner_masked']}）"
            # A new order for a bill closes its other pending ones: one bill, one payment.
            db.execute("UPDATE pay_order SET status = 'closed', closed_at = ? WHERE ref = ? "
                       "AND status = 'pending'", (now, req.ref))
            order_no = self._new_order_no(db, now)
            code = hashlib.sha256(f"{order_no}|{key}".encode()).hexdigest()[:8]
            doc = {"order_no": order_no, "request_id": key, "kind": kind, "item": bill["item"],
                   "payee": bill["payee"], "year": bill["year"], "amount_cents": amount,
                   "grade_label": f"{grade['label']}（{amount // 100}元）" if grade else "",
                   "payer_masked": payer,
                   "pay_url": f"https://pay.example.gov.cn/qr/{order_no}?s={code}",
                   "verify_url": f"https://zwfw.example.gov.cn/pay/verify/{order_no}-{code}"}
            db.execute("INSERT INTO pay_order(order_no, request_id, terminal, ref, request_sha, "
                       "payer_id, status, created_at, expires_at, doc) VALUES (?, ?, ?, ?, ?, "
                       "?, 'pending', ?, ?, ?)",
                       (order_no, key, terminal, req.ref, sha, payer_id, now,
                        now + ORDER_VALIDITY, json.dumps(doc, ensure_ascii=False)))
            return True, self._order(db, order_no)

    def verify(self, token: str) -> dict[str, Any]:
        """The public check behind a receipt's verify QR (``ORDER-CODE``)."""
        order_no, _, code = token.partition("-")
        with self._tx() as db:
            self._settle(db, time.time())
            row = db.execute("SELECT request_id FROM pay_order WHERE order_no = ?",
                             (order_no,)).fetchone()
            if row is None or hashlib.sha256(f"{order_no}|{row[0]}".encode()).hexdigest()[
                    :8] != code:
                raise Refusal(404, "unknown_receipt", "no payment receipt with this code")
            o = self._order(db, order_no)
        return {"order_no": order_no, "status": o["status"], "amount_cents": o["amount_cents"],
                "item": o["item"], "payee": o["payee"], "paid_at": o["paid_at"]}

    def order(self, order_no: str) -> dict[str, Any]:
        with self._tx() as db:
            self._settle(db, time.time())
            return self._order(db, order_no)

    def cancel(self, order_no: str, terminal: str) -> dict[str, Any]:
        """Close a pending order; one paid, closed or expired already stays as it is (the
        answer says which)."""
        with self._tx() as db:
            now = time.time()
            self._settle(db, now)
            row = db.execute("SELECT terminal FROM pay_order WHERE order_no = ?",
                             (order_no,)).fetchone()
            if row is None:
                raise Refusal(404, "unknown_order", "no order with this number")
            if row[0] != terminal:
                raise Refusal(403, "wrong_terminal", "only the terminal that created an order "
                              "may close it")
            db.execute("UPDATE pay_order SET status = 'closed', closed_at = ? WHERE order_no "
                       "= ? AND status = 'pending'", (now, order_no))
            return self._order(db, order_no)

    def pay(self, order_no: str) -> dict[str, Any]:
        """The simulated payment channel: the citizen paid this order. Paying a paid order
        again changes nothing; a closed or expired one cannot be paid."""
        with self._tx() as db:
            now = time.time()
            self._settle(db, now)
            row = db.execute("SELECT status FROM pay_order WHERE order_no = ?",
                             (order_no,)).fetchone()
            if row is None:
                raise Refusal(404, "unknown_order", "no order with this number")
            if row[0] in ("closed", "expired"):
                raise Refusal(409, f"order_{row[0]}", f"the order is {row[0]}; it cannot be paid")
            db.execute("UPDATE pay_order SET status = 'paid', paid_at = ? WHERE order_no = ? "
                       "AND status = 'pending'", (now, order_no))
            return self._order(db, order_no)

    def expire(self, order_no: str) -> None:
        """Let an order's validity run out now (tests and the simulator, instead of waiting)."""
        with self._tx() as db:
            db.execute("UPDATE pay_order SET expires_at = ? WHERE order_no = ?",
                       (time.time() - 1, order_no))

    def paid_orders(self, id_number: str, limit: int = 20) -> list[dict[str, Any]]:
        with self._tx() as db:
            self._settle(db, time.time())
            rows = db.execute("SELECT order_no FROM pay_order WHERE payer_id = ? AND status = "
                              "'paid' ORDER BY paid_at DESC LIMIT ?",
                              (self._pseudonym(id_number), limit))
            return [self._order(db, n) for (n,) in rows.fetchall()]

    def orders(self) -> list[dict[str, Any]]:
        """Every order, oldest first (tests and inspection)."""
        with self._tx() as db:
            self._settle(db, time.time())
            rows = db.execute("SELECT order_no FROM pay_order ORDER BY created_at").fetchall()
            return [self._order(db, n) for (n,) in rows]

    # --- inside ---------------------------------------------------------------------------
    @staticmethod
    def _settle(db: Any, now: float) -> None:
        db.execute("UPDATE pay_order SET status = 'expired', closed_at = expires_at WHERE "
                   "status = 'pending' AND expires_at <= ?", (now,))

    @staticmethod
    def _order(db: Any, order_no: str) -> dict[str, Any]:
        row = db.execute("SELECT status, created_at, expires_at, paid_at, doc FROM pay_order "
                         "WHERE order_no = ?", (order_no,)).fetchone()
        if row is None:
            raise Refusal(404, "unknown_order", "no order with this number")
        status, created, expires, paid, doc = row
        left = max(0.0, expires - time.time()) if status == "pending" else 0.0
        return json.loads(doc) | {"status": status, "created_at": _iso(created),
                                  "expires_at": _iso(expires), "expires_in": round(left, 1),
                                  "paid_at": _iso(paid)}

    @staticmethod
    def _new_order_no(db: Any, now: float) -> str:
        day = datetime.fromtimestamp(now).strftime("%Y%m%d")
        while True:
            no = f"JF{day}{secrets.randbelow(10 ** 8):08d}"
            if db.execute("SELECT 1 FROM pay_order WHERE order_no = ?", (no,)).fetchone() is None:
                return no


# --- routes ---------------------------------------------------------------------------------
def install_payments(app: FastAPI, root: Path) -> PaymentBook:
    """The payment routes on ``app``, their book beside the platform's data in ``root``."""
    book = PaymentBook.beside(root)
    app.state.payments = book
    store = app.state.store

    @app.post("/v1/payments/bills")
    async def payment_bill(s: SignedJson) -> JSONResponse:
        _, q = _parse(BillQuery, s.body)
        if not q.id_number:  # type: ignore[attr-defined]
            return JSONResponse(book.bill(q))  # type: ignore[arg-type]
        # A bill found by ID number is a look-up of the person: their presence, audited.
        with looked_up(store, s.terminal, f"payment_bill:{q.kind}",  # type: ignore[attr-defined]
                       q.id_number, q.presence):  # type: ignore[attr-defined]
            return JSONResponse(book.bill(q))  # type: ignore[arg-type]

    @app.post("/v1/payments/orders")
    async def create_order(s: SignedJson) -> JSONResponse:
        _, req = _parse(OrderRequest, s.body)
        new, order = book.create_order(req, s.terminal)  # type: ignore[arg-type]
        return JSONResponse(order, status_code=201 if new else 200)

    @app.get("/v1/payments/orders/{order_no}")
    async def get_order(order_no: OrderNo, s: SignedJson) -> JSONResponse:
        return JSONResponse(book.order(order_no))

    @app.post("/v1/payments/orders/{order_no}/cancel")
    async def cancel_order(order_no: OrderNo, s: SignedJson) -> JSONResponse:
        return JSONResponse(book.cancel(order_no, s.terminal))

    @app.post("/v1/payments/records")
    async def payment_records(s: SignedJson) -> JSONResponse:
        _, q = _parse(RecordsQuery, s.body)
        with looked_up(store, s.terminal, "payment_records", q.id_number,  # type: ignore[attr-defined]
                       q.presence):  # type: ignore[attr-defined]
            found = book.paid_orders(q.id_number)  # type: ignore[attr-defined]
        return JSONResponse({"orders": found})

    @app.get("/v1/payments/verify/{token}")
    async def verify_payment(token: Annotated[str, PathParam(max_length=40)]) -> JSONResponse:
        """Public: what scanning a 缴费凭证's QR shows — paid or not, how much, to whom; no
        personal data, and nothing for a number without its code."""
        return JSONResponse(book.verify(token))

    return book
