"""Queue numbers issued by this terminal, durable across crashes and restarts.

Numbers run per category per day (A001, A002, ...). Each number is taken in one SQLite
transaction that both increments the counter and records the ticket, so a crash can lose
the printout but never hand the same number to two citizens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from offline_cache.sqlite import Immediate, open_db

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue_counter (
    day TEXT NOT NULL, prefix TEXT NOT NULL,
    issued INTEGER NOT NULL DEFAULT 0, called INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, prefix));
CREATE TABLE IF NOT EXISTS queue_ticket (
    number TEXT NOT NULL, day TEXT NOT NULL, prefix TEXT NOT NULL,
    issued_at TEXT NOT NULL, job_id TEXT NOT NULL UNIQUE, offline INTEGER NOT NULL,
    printed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, number));
"""


@dataclass(frozen=True)
class IssuedNumber:
    number: str
    prefix: str
    waiting: int  # people ahead in this category
    issued_at: datetime
    job_id: str
    offline: bool


class QueueNumberStore:
    def __init__(self, path: Path) -> None:
        self._db = open_db(path, durable=True)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def issue(self, prefix: str, now: datetime, offline: bool = True) -> IssuedNumber:
        day = now.date().isoformat()
        with self._tx():
            self._db.execute(
                "INSERT INTO queue_counter(day, prefix) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (day, prefix),
            )
            issued, called = self._db.execute(
                "UPDATE queue_counter SET issued = issued + 1 WHERE day = ? AND prefix = ? "
                "RETURNING issued, called",
                (day, prefix),
            ).fetchone()
            number = f"{prefix}{issued:03d}"
            job_id = f"ticket-{day}-{number}"
            self._db.execute(
                "INSERT INTO queue_ticket(number, day, prefix, issued_at, job_id, offline) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (number, day, prefix, now.isoformat(timespec="seconds"), job_id, int(offline)),
            )
        return IssuedNumber(number, prefix, max(0, issued - 1 - called), now, job_id, offline)

    def mark_printed(self, job_id: str) -> None:
        with self._tx():
            self._db.execute("UPDATE queue_ticket SET printed = 1 WHERE job_id = ?", (job_id,))

    def call_next(self, prefix: str, day: date) -> str | None:
        """Advance the 'now serving' counter (the hall's caller; the simulator panel uses it)."""
        with self._tx():
            row = self._db.execute(
                "UPDATE queue_counter SET called = called + 1 "
                "WHERE day = ? AND prefix = ? AND called < issued RETURNING called",
                (day.isoformat(), prefix),
            ).fetchone()
        return f"{prefix}{row[0]:03d}" if row else None

    def waiting(self, prefix: str, day: date) -> int:
        row = self._db.execute(
            "SELECT issued - called FROM queue_counter WHERE day = ? AND prefix = ?",
            (day.isoformat(), prefix),
        ).fetchone()
        return row[0] if row else 0

    def _tx(self) -> Immediate:
        return Immediate(self._db)
