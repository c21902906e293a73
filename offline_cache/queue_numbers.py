"""Queue numbers at this terminal, durable across crashes and restarts.

Online, numbers come from the hall's queue service (the platform), so every kiosk in a hall
draws from one series (A001, A002, …); this store keeps a copy of each (for its printout and
the waiting counts on screen). Offline, the terminal issues numbers from its own series:
the category letter, its offline slot (1–9, a different one for each kiosk of a hall) and a
sequence, e.g. A1001, A1002 for slot 1. No online number and no other kiosk's offline number
has that form, so two citizens never hold the same number. Each number is taken in one
SQLite transaction that both increments the counter and records the ticket, so a crash can
lose the printout but never hand the same number out twice. Threads share one store (the
kiosk takes numbers off the GUI thread while the caller and the screens read counts): one
lock keeps their use of its connection apart, as in ``CaseOutbox``.

Every request to the queue service carries a key made and stored here before the first
attempt (``new_request``): a lost answer is asked again with the same key, which gets the
same number, and an offline number issued instead tells the platform that key, so the hall
number issued under it (its answer lost) is cancelled rather than left waiting for nobody.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from offline_cache.sqlite import Immediate, open_db

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue_counter (
    day TEXT NOT NULL, prefix TEXT NOT NULL,
    issued INTEGER NOT NULL DEFAULT 0, called INTEGER NOT NULL DEFAULT 0,
    offline_issued INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, prefix));
CREATE TABLE IF NOT EXISTS queue_ticket (
    number TEXT NOT NULL, day TEXT NOT NULL, prefix TEXT NOT NULL,
    issued_at TEXT NOT NULL, job_id TEXT NOT NULL UNIQUE, offline INTEGER NOT NULL,
    printed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, number));
CREATE TABLE IF NOT EXISTS queue_request (
    request_id TEXT PRIMARY KEY, day TEXT NOT NULL, prefix TEXT NOT NULL,
    asked_at TEXT NOT NULL, number TEXT);  -- number: what the request ended in, if known
"""
_ONLINE = re.compile(r"^[A-Z](\d{3})$")


@dataclass(frozen=True)
class IssuedNumber:
    number: str
    prefix: str
    waiting: int  # people ahead in this category (as far as this terminal knows, offline)
    issued_at: datetime
    job_id: str
    offline: bool
    request_id: str | None = None  # the key it was asked for under (``new_request``)


class QueueNumberStore:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = open_db(path, durable=True)
        self._db.executescript(_SCHEMA)
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(queue_counter)")}
        if "offline_issued" not in columns:  # a store from before offline slots
            self._db.execute("ALTER TABLE queue_counter ADD COLUMN offline_issued INTEGER "
                             "NOT NULL DEFAULT 0")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def new_request(self, prefix: str, now: datetime) -> str:
        """A key for one citizen's request of a number, stored (durably) before it is sent."""
        key = str(uuid.uuid4())
        with self._tx():
            self._db.execute("INSERT INTO queue_request(request_id, day, prefix, asked_at) "
                             "VALUES (?, ?, ?, ?)", (key, now.date().isoformat(), prefix,
                                                     now.isoformat(timespec="seconds")))
        return key

    def issue_offline(self, prefix: str, now: datetime, slot: int,
                      request_id: str | None = None) -> IssuedNumber:
        """The next number of this terminal's offline series for the category (in answer
        to the request ``request_id``, if the queue service did not answer it)."""
        day = now.date().isoformat()
        with self._tx():
            self._counter(day, prefix)
            issued, called, n = self._db.execute(
                "UPDATE queue_counter SET offline_issued = offline_issued + 1 "
                "WHERE day = ? AND prefix = ? RETURNING issued, called, offline_issued",
                (day, prefix)).fetchone()
            number = f"{prefix}{slot}{n:03d}"
            self._ticket(number, day, prefix, now, offline=True, request_id=request_id)
        return IssuedNumber(number, prefix, max(0, issued + n - 1 - called), now,
                            _job_id(day, number), True, request_id)

    def record_online(self, prefix: str, number: str, waiting: int, issued_at: datetime,
                      request_id: str | None = None) -> IssuedNumber:
        """Keep a number the queue service issued (for the request ``request_id``); its
        answer also updates what this terminal knows of the queue (how far it has been
        called)."""
        m = _ONLINE.match(number)
        if m is None or not number.startswith(prefix):
            raise ValueError(f"{number!r} is not a queue number of category {prefix}")
        n, day = int(m.group(1)), issued_at.date().isoformat()
        with self._tx():
            self._counter(day, prefix)
            self._db.execute("UPDATE queue_counter SET issued = MAX(issued, ?), "
                             "called = MAX(called, ?) WHERE day = ? AND prefix = ?",
                             (n, n - 1 - waiting, day, prefix))
            self._ticket(number, day, prefix, issued_at, offline=False, request_id=request_id)
        return IssuedNumber(number, prefix, waiting, issued_at, _job_id(day, number), False,
                            request_id)

    def mark_printed(self, job_id: str) -> None:
        with self._tx():
            self._db.execute("UPDATE queue_ticket SET printed = 1 WHERE job_id = ?", (job_id,))

    def call_next(self, prefix: str, day: date) -> str | None:
        """Advance the 'now serving' counter here (the simulator panel's caller, when the
        queue service cannot be reached)."""
        with self._tx():
            row = self._db.execute(
                "UPDATE queue_counter SET called = called + 1 "
                "WHERE day = ? AND prefix = ? AND called < issued RETURNING called",
                (day.isoformat(), prefix),
            ).fetchone()
        return f"{prefix}{row[0]:03d}" if row else None

    def note_called(self, prefix: str, day: date, number: str) -> None:
        """The queue service called ``number``: everyone up to it has been called."""
        m = _ONLINE.match(number)
        if m is not None:
            with self._tx():
                self._counter(day.isoformat(), prefix)
                self._db.execute("UPDATE queue_counter SET called = MAX(called, ?), "
                                 "issued = MAX(issued, ?) WHERE day = ? AND prefix = ?",
                                 (int(m.group(1)), int(m.group(1)), day.isoformat(), prefix))

    def waiting(self, prefix: str, day: date) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT issued + offline_issued - called FROM queue_counter "
                "WHERE day = ? AND prefix = ?", (day.isoformat(), prefix)).fetchone()
        return max(0, row[0]) if row else 0

    def _counter(self, day: str, prefix: str) -> None:
        self._db.execute("INSERT INTO queue_counter(day, prefix) VALUES (?, ?) "
                         "ON CONFLICT DO NOTHING", (day, prefix))

    def _ticket(self, number: str, day: str, prefix: str, at: datetime, offline: bool,
                request_id: str | None) -> None:
        self._db.execute(
            "INSERT INTO queue_ticket(number, day, prefix, issued_at, job_id, offline) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (number, day, prefix, at.isoformat(timespec="seconds"), _job_id(day, number),
             int(offline)))
        if request_id is not None:
            self._db.execute("UPDATE queue_request SET number = ? WHERE request_id = ?",
                             (number, request_id))

    def _tx(self) -> Immediate:
        return Immediate(self._db, self._lock)


def _job_id(day: str, number: str) -> str:
    return f"ticket-{day}-{number}"
