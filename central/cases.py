"""The reference platform's case life (进度查询): a case submitted at a kiosk moves along
已提交 → 已受理 → 审查中 → 补正 → 办结 / 不予受理, each step with its date and a note, moved by
``kiosk platform case advance CASE STATE [--note]`` so a technician can demo the whole life;
a kiosk looks up the cases of the person at it by ID number (in the body, never a URL).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at
# run time, and ``signed`` is a parameter of ``install``, not a name of this module.
import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

STATES = ("submitted", "accepted", "reviewing", "correction", "done", "rejected")
FINAL = ("done", "rejected")


class Lookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(pattern=r"^[0-9]{17}[0-9X]$")


class CaseBook:
    """Where each case is in its life, by case number (SQLite beside the store)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("CREATE TABLE IF NOT EXISTS case_step (case_number TEXT NOT NULL, "
                         "state TEXT NOT NULL, note TEXT NOT NULL, at TEXT NOT NULL)")

    @classmethod
    def beside(cls, folder: Path) -> "CaseBook":
        return cls(folder / "cases.sqlite3")

    def steps(self, case_number: str) -> list[dict[str, str]]:
        with self._lock:
            rows = self._db.execute("SELECT state, note, at FROM case_step WHERE "
                                    "case_number = ? ORDER BY rowid", (case_number,)).fetchall()
        return [{"state": s, "note": n, "at": a} for s, n, a in rows]

    def advance(self, case_number: str, state: str, note: str = "") -> list[dict[str, str]]:
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        done = self.steps(case_number)
        if done and done[-1]["state"] in FINAL:
            raise ValueError(f"case {case_number} is already {done[-1]['state']}")
        with self._lock:
            self._db.execute("INSERT INTO case_step VALUES (?, ?, ?, ?)",
                             (case_number, state, note,
                              datetime.now(UTC).isoformat(timespec="seconds")))
        return self.steps(case_number)

    def close(self) -> None:
        self._db.close()


def cases_of(store: Any, book: CaseBook, id_number: str) -> list[dict[str, Any]]:
    """The cases whose applicant has ``id_number``, newest first, each with its steps."""
    latest: dict[str, dict[str, Any]] = {}
    for rec in store.records("case"):
        form = rec["body"].get("form", {})
        if form.get("applicant", {}).get("id_number") == id_number and "case_number" in form:
            latest[rec["id"]] = form
    out = []
    for form in latest.values():
        steps = [{"state": "submitted", "note": "", "at": form["submitted_at"]},
                 *book.steps(form["case_number"])]
        out.append({"case_number": form["case_number"], "entry_name": form["entry_name"],
                    "submitted_at": form["submitted_at"], "promised_by": form["promised_by"],
                    "state": steps[-1]["state"], "steps": steps})
    return sorted(out, key=lambda c: c["submitted_at"], reverse=True)


def install(app: FastAPI, store: Any, signed: Any, parse: Any) -> None:
    book = CaseBook.beside(store.root)
    store.on_close(book.close)

    @app.post("/v1/cases/lookup")
    async def lookup(s: signed) -> JSONResponse:  # type: ignore[valid-type]
        _, req = parse(Lookup, s.body)
        return JSONResponse({"cases": cases_of(store, book, req.id_number)})


def advance_cli(folder: Path, case_number: str, state: str, note: str) -> str:
    book = CaseBook.beside(folder)
    try:
        steps = book.advance(case_number, state, note)
    finally:
        book.close()
    return json.dumps(steps[-1], ensure_ascii=False)
