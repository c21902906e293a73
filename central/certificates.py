"""The reference platform's certificates (证明打印): which ones this hall offers, the data of
one for the person at the kiosk (their presence token needed, the look-up audited:
``central.presence``), the register of what was printed, and the public check of a
certificate's verify code (``/v1/verify/{code}``).

The data are invented but stable for an ID number (a real platform asks the department); a
kiosk registers each certificate's SM3 digest and verify code before it prints it, so the QR
on the paper resolves from the moment the paper exists.
"""


import hashlib
import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from central.presence import looked_up, token_field
from drivers.idcard.codes import check_id_number

PURPOSES = ("school", "hukou", "travel", "loan", "other")
# What this reference hall offers: the template that prints it, its names, the periods a
# citizen may choose (months of contributions shown; empty: no choice) and the fee.
OFFERED: dict[str, dict[str, Any]] = {
    "social_insurance_payment": {
        "title": {"zh_CN": "社会保险参保缴费证明", "en": "Social insurance contributions"},
        "sub": {"zh_CN": "养老、医疗、失业、工伤", "en": "Pension, medical, unemployment"},
        "periods": [6, 12, 36], "fee_cents": 0, "issuer": "示例市社会保险服务中心"},
    "medical_insurance": {
        "title": {"zh_CN": "医疗保险参保证明", "en": "Medical insurance certificate"},
        "sub": {"zh_CN": "参保状态与缴费记录", "en": "Status and contributions"},
        "periods": [6, 12], "fee_cents": 0, "issuer": "示例市医疗保障事业管理中心"},
    "household_registration": {
        "title": {"zh_CN": "户籍证明", "en": "Household registration"},
        "sub": {"zh_CN": "常住户口登记信息", "en": "Where your hukou is registered"},
        "periods": [], "fee_cents": 0, "issuer": "示例市公安局示例分局滨江派出所"},
}
_SURNAME_PLACES = ("示例省示例市芙蓉区", "示例省示例市岳麓区", "示例省示例市天心区")
_EMPLOYERS = ("示例市湘江数码科技有限公司", "示例市滨江物流有限公司", "示例市第一建筑工程公司")
_ETHNICITIES = ("汉",) * 9 + ("土家",)


class CertificateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["social_insurance_payment", "medical_insurance", "household_registration"]
    holder_id_number: str = Field(pattern=r"^[0-9]{17}[0-9X]$")
    holder_name: str = Field(min_length=1, max_length=30)
    purpose: str = Field(min_length=1, max_length=40)
    months: int = Field(0, ge=0, le=60)
    presence: str = token_field()  # the holder's at this terminal (central.presence)


class PrintedCertificate(BaseModel):
    """What a kiosk registers before it prints: enough to verify, nothing more personal
    than the masked holder."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")
    digest: str = Field(pattern=r"^[0-9A-F]{64}$")
    template: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=60)
    printed_at: datetime
    expires_on: date
    pages: int = Field(ge=1, le=50)
    purpose: str = Field(min_length=1, max_length=40)
    holder_masked: str = Field(min_length=1, max_length=40)


class Registry:
    """Certificates printed by the terminals, by verify code (SQLite beside the store)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS certificate (code TEXT PRIMARY KEY, digest TEXT NOT "
            "NULL, template TEXT NOT NULL, title TEXT NOT NULL, terminal TEXT NOT NULL, "
            "printed_at TEXT NOT NULL, expires_on TEXT NOT NULL, pages INTEGER NOT NULL, "
            "purpose TEXT NOT NULL, holder_masked TEXT NOT NULL)")

    def register(self, terminal: str, doc: PrintedCertificate) -> bool:
        """True if new; the same code again (a retry) changes nothing."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO certificate VALUES (?,?,?,?,?,?,?,?,?,?)",
                (doc.code, doc.digest, doc.template, doc.title, terminal,
                 doc.printed_at.isoformat(), doc.expires_on.isoformat(), doc.pages,
                 doc.purpose, doc.holder_masked))
            return cur.rowcount == 1

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def find(self, code: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT digest, title, printed_at, expires_on FROM certificate WHERE code = ?",
                (code,)).fetchone()
        if row is None:
            return None
        return {"digest": row[0], "title": row[1], "printed_at": row[2], "expires_on": row[3]}


def install(app: FastAPI, store: Any, signed: Any, parse: Any,
            refusal: type[Exception]) -> None:
    """Add the certificate routes to the platform ``app`` (``signed``: the dependency that
    checks a terminal's signature; ``parse``: the body parser; ``refusal``: its error)."""
    registry = Registry(store.root / "certificates.sqlite3")
    store.on_close(registry.close)

    @app.get("/v1/certificates")
    async def offered(s: signed) -> JSONResponse:  # type: ignore[valid-type]
        return JSONResponse({"certificates": [
            {"kind": kind, "template": kind, "title": o["title"], "sub": o["sub"],
             "periods": o["periods"], "fee_cents": o["fee_cents"]}
            for kind, o in OFFERED.items()]})

    @app.post("/v1/certificates")
    async def issue(s: signed) -> JSONResponse:  # type: ignore[valid-type]
        _, req = parse(CertificateRequest, s.body)
        with looked_up(store, s.terminal, f"certificate:{req.kind}", req.holder_id_number,
                       req.presence):
            if not check_id_number(req.holder_id_number):
                raise refusal(422, "invalid_id_number", "the ID number's check character is "
                              "wrong")
            offer = OFFERED[req.kind]
            if offer["periods"] and req.months not in offer["periods"]:
                raise refusal(422, "invalid_period", f"months must be one of {offer['periods']}")
            return JSONResponse({"kind": req.kind, "template": req.kind,
                                 "data": certificate_data(req, datetime.now(UTC).date())})

    @app.put("/v1/certificates/{code}")
    async def register(code: Annotated[str, PathParam(pattern=r"^[A-Z2-7-]{19}$")],
                       s: signed) -> JSONResponse:  # type: ignore[valid-type]
        _, doc = parse(PrintedCertificate, s.body)
        if doc.code != code:
            raise refusal(422, "code_mismatch", "the body's code is not the URL's")
        new = registry.register(s.terminal, doc)
        return JSONResponse({"code": code, "status": "registered" if new else "duplicate"},
                            status_code=201 if new else 200)

    @app.get("/v1/verify/{code}")
    async def verify(code: Annotated[str, PathParam(max_length=40)]) -> JSONResponse:
        """Public: what a bank or school that scans the QR sees. No personal data."""
        found = registry.find(code.upper())
        if found is None:
            return JSONResponse({"code": code, "status": "unknown"}, status_code=404)
        expired = date.fromisoformat(found["expires_on"]) < datetime.now(UTC).date()
        return JSONResponse({"code": code.upper(), "status": "expired" if expired else "valid",
                             **found})


def certificate_data(req: CertificateRequest, today: date) -> dict[str, Any]:
    """The template's data for this person: invented, the same for an ID number each time."""
    idn = req.holder_id_number
    seed = int(hashlib.sha256(idn.encode()).hexdigest()[:12], 16)
    born = date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))
    gender = "男" if int(idn[16]) % 2 else "女"
    place = _SURNAME_PLACES[seed % len(_SURNAME_PLACES)]
    common = {"name": req.holder_name, "gender": gender, "id_number": idn,
              "issuer": OFFERED[req.kind]["issuer"], "purpose": req.purpose}
    first = max(born.replace(day=1) + timedelta(days=366 * 20), date(2005, 1, 1))
    first = first.replace(day=1)
    as_of = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    months = _months_between(first, as_of) + 1
    if req.kind == "household_registration":
        room = f"{seed % 9 + 1}栋{seed % 6 + 1}0{seed % 4 + 1}室"
        return {**common, "former_name": "无", "ethnicity": _ETHNICITIES[seed % 10],
                "birth_date": born.isoformat(), "birthplace": place[:6],
                "native_place": place[:6], "household_number": f"{seed % 10**9:09d}",
                "householder": req.holder_name, "relation": "户主",
                "address": f"{place}滨江路{seed % 200 + 1}号{room}",
                "moved_in": f"{first.year}年{first.month}月由{_SURNAME_PLACES[(seed + 1) % 3]}迁来"}
    base = 4000 + (seed % 40) * 100
    period = [_add_months(as_of, -i) for i in range(req.months)]
    if req.kind == "medical_insurance":
        return {**common, "region": place[:6], "person_number": f"{seed % 10**10:010d}",
                "insured_type": "职工基本医疗保险", "status": "正常参保",
                "since": first.isoformat(), "months": months, "as_of": as_of.isoformat(),
                "payments": [{"period": p.isoformat(), "base": base,
                              "personal": round(base * 0.02, 2),
                              "employer": round(base * 0.08, 2), "state": "已到账"}
                             for p in period]}
    return {**common, "person_number": f"{seed % 10**10:010d}", "region": place[:6],
            "employer": _EMPLOYERS[seed % len(_EMPLOYERS)],
            "employer_number": f"{43000000000 + seed % 10**8}",
            "first_insured": first.isoformat(), "as_of": as_of.isoformat(),
            "insurances": [{"type": t, "status": "参保缴费", "since": first.isoformat(),
                            "months": months}
                           for t in ("企业职工基本养老保险", "职工基本医疗保险", "失业保险",
                                     "工伤保险")],
            "payments": [{"period": p.isoformat(), "base": base,
                          "pension": round(base * 0.08, 2), "medical": round(base * 0.02, 2),
                          "unemployment": round(base * 0.003, 2),
                          "employer_total": round(base * 0.251, 2), "state": "已到账"}
                         for p in period]}


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _add_months(d: date, n: int) -> date:
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)
