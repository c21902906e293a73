"""The reference platform's case life (进度查询): a case submitted at a kiosk moves along
已提交 → 已受理 → 审查中 → 补正 → 办结 / 不予受理, each step with its date and a note, moved by
``kiosk platform case advance CASE STATE [--note] [--material M --due DATE]`` so a technician
can demo the whole life; a 补正 step names the materials asked for and by when. A kiosk looks
up the cases of the person at it by ID number (in the body, never a URL; with their
presence token, audited: ``central.presence``), or one case by its
number together with that ID number (a case number alone reveals nothing). A 补交 (a
supplement record with the material's PDF) for a case in 补正 moves it back to 审查中.

The case book (``cases.sqlite3``) is sealed like the platform's records: each step is
SM4-GCM under ``platform.key``, found by a keyed pseudonym of its case number, so a copy
of the file reads neither case numbers nor states nor staff notes.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at
# run time, and ``signed`` is a parameter of ``install``, not a name of this module.
import hashlib
import hmac
import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from central.presence import looked_up, token_field
from central.store import pseudonym_key
from offline_cache.crypto import Sealer, load_or_create_key
from offline_cache.sqlite import Immediate, open_db, shred_wal

STATES = ("submitted", "accepted", "reviewing", "correction", "done", "rejected")
FINAL = ("done", "rejected")


class Lookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(pattern=r"^[0-9]{17}[0-9X]$")
    case_number: str | None = Field(None, min_length=1, max_length=64)
    presence: str = token_field()  # the person's at this terminal (central.presence)


class CaseBook:
    """Where each case is in its life, by case number (SQLite beside the store, sealed
    with the platform's key)."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        master = load_or_create_key(path.parent / "platform.key")  # the store's (or .cred)
        self._sealer = Sealer(master, "sm4-gcm")
        self._key = pseudonym_key(master)
        self._db = open_db(path, durable=True)
        path.chmod(0o600)
        self._db.execute("CREATE TABLE IF NOT EXISTS sealed_step (case_key TEXT NOT NULL, "
                         "step BLOB NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS sealed_step_case ON sealed_step(case_key)")
        self._seal_plain_steps()

    @classmethod
    def beside(cls, folder: Path) -> "CaseBook":
        return cls(folder / "cases.sqlite3")

    def _case_key(self, case_number: str) -> str:
        return hmac.new(self._key, f"case:{case_number}".encode(), hashlib.sha256).hexdigest()

    def _seal(self, case_number: str, step: dict[str, Any]) -> tuple[str, bytes]:
        key = self._case_key(case_number)
        return key, self._sealer.seal(json.dumps(step, ensure_ascii=False).encode(),
                                      f"case_step/{key}".encode())

    def _seal_plain_steps(self) -> None:
        """A book from before sealing: its plain steps are sealed now, in their order, and
        the plain table goes (zeroed: secure_delete, and the WAL truncated)."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'case_step'"
                                ).fetchone() is None:
                return
        with Immediate(self._db, self._lock) as db:
            columns = {r[1] for r in db.execute("PRAGMA table_info(case_step)")}
            extra = ", materials, due" if "materials" in columns else ", '[]', ''"
            for number, state, note, at, materials, due in db.execute(
                    f"SELECT case_number, state, note, at{extra} FROM case_step ORDER BY "
                    "rowid").fetchall():
                db.execute("INSERT INTO sealed_step VALUES (?, ?)", self._seal(number, {
                    "state": state, "note": note, "at": at,
                    "materials": json.loads(materials), "due": due}))
            db.execute("DELETE FROM case_step")
            db.execute("DROP TABLE case_step")
        with self._lock:
            shred_wal(self._db)

    def steps(self, case_number: str) -> list[dict[str, Any]]:
        key = self._case_key(case_number)
        with self._lock:
            rows = self._db.execute("SELECT step FROM sealed_step WHERE case_key = ? ORDER BY "
                                    "rowid", (key,)).fetchall()
        return [json.loads(self._sealer.open(sealed, f"case_step/{key}".encode()))
                for (sealed,) in rows]

    def advance(self, case_number: str, state: str, note: str = "",
                materials: tuple[str, ...] = (), due: str = "") -> list[dict[str, Any]]:
        """One step more. Materials and a due date only for 补正 (what to hand in, by when)."""
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        if (materials or due) and state != "correction":
            raise ValueError("--material and --due only go with correction")
        if due:
            date.fromisoformat(due)  # ValueError: not a date
        materials = tuple(m.strip() for m in materials if m.strip())
        done = self.steps(case_number)
        if done and done[-1]["state"] in FINAL:
            raise ValueError(f"case {case_number} is already {done[-1]['state']}")
        with Immediate(self._db, self._lock) as db:
            db.execute("INSERT INTO sealed_step VALUES (?, ?)", self._seal(case_number, {
                "state": state, "note": note,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "materials": list(materials), "due": due}))
        return self.steps(case_number)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def cases_of(store: Any, book: CaseBook, id_number: str,
             case_number: str | None = None) -> list[dict[str, Any]]:
    """The cases whose applicant has ``id_number``, or that this person applied for as
    another's agent (帮代办: a son for his mother, a 网格员 for a villager, who follows the
    case and brings what it lacks), newest first, each with its steps; with
    ``case_number``, only that one (and none if it is not this person's). A case in 补正
    says what it needs (``needs``: the materials and the date) from its last step."""
    latest: dict[str, dict[str, Any]] = {}
    for rec in store.records("case"):
        form = rec["body"].get("form", {})
        people = (form.get("applicant", {}).get("id_number"),
                  (form.get("agent") or {}).get("id_number"))
        if id_number in people and "case_number" in form \
                and case_number in (None, form["case_number"]):
            latest[rec["id"]] = form
    out = []
    for form in latest.values():
        steps = [{"state": "submitted", "note": "", "at": form["submitted_at"],
                  "materials": [], "due": ""}, *book.steps(form["case_number"])]
        last = steps[-1]
        out.append({"case_number": form["case_number"], "entry_name": form["entry_name"],
                    "submitted_at": form["submitted_at"], "promised_by": form["promised_by"],
                    "state": last["state"], "steps": steps,
                    "needs": {"materials": last["materials"], "due": last["due"]}
                    if last["state"] == "correction" else None})
    return sorted(out, key=lambda c: c["submitted_at"], reverse=True)


class Supplements:
    """补交: a supplement is taken only for a case of the ID number it names, and once
    stored moves a case in 补正 back to 审查中 with a note of what came."""

    def __init__(self, store: Any, book: CaseBook, refusal: Any) -> None:
        self.store, self.book, self.refusal = store, book, refusal

    def check(self, doc: dict[str, Any]) -> None:
        if not cases_of(self.store, self.book, doc["id_number"], doc["case_number"]):
            raise self.refusal(422, "unknown_case", "no case with this number for this person")

    def stored(self, doc: dict[str, Any]) -> None:
        steps = self.book.steps(doc["case_number"])
        if steps and steps[-1]["state"] not in FINAL:
            self.book.advance(doc["case_number"], "reviewing", f"已补交 {doc['material']}")


def install(app: FastAPI, store: Any, signed: Any, parse: Any, refusal: Any,
            hooks: dict[str, Any]) -> None:
    book = CaseBook.beside(store.root)
    store.on_close(book.close)
    hooks["supplement"] = Supplements(store, book, refusal)

    @app.post("/v1/cases/lookup")
    async def lookup(s: signed) -> JSONResponse:  # type: ignore[valid-type]
        _, req = parse(Lookup, s.body)
        purpose = "progress:case" if req.case_number else "progress"
        with looked_up(store, s.terminal, purpose, req.id_number, req.presence):
            found = cases_of(store, book, req.id_number, req.case_number)
        return JSONResponse({"cases": found})


def advance_cli(folder: Path, case_number: str, state: str, note: str,
                materials: tuple[str, ...] = (), due: str = "") -> str:
    book = CaseBook.beside(folder)
    try:
        steps = book.advance(case_number, state, note, materials, due)
    finally:
        book.close()
    return json.dumps(steps[-1], ensure_ascii=False)
