"""How every store in this package opens SQLite and writes to it.

WAL mode lets a reader (``kiosk sync status`` in another process) run beside the writer.
``durable=True`` fsyncs every commit (``synchronous=FULL``): a citizen's case survives a
power cut the moment it is saved. The sync worker's own state changes may use
``durable=False``: losing the last "uploading"/"synced" mark in a power cut only repeats an
upload, which the platform answers idempotently.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

BUSY_TIMEOUT_MS = 15_000


def open_db(path: Path, durable: bool = True) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                         timeout=BUSY_TIMEOUT_MS / 1000)
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    db.execute("PRAGMA foreign_keys=ON")
    return db


class Immediate:
    """A write transaction that takes the lock up front ("BEGIN IMMEDIATE"), so two
    processes sharing the store serialise instead of both reading the same row. A thread
    lock does the same for threads sharing one connection."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock | None = None) -> None:
        self._db = db
        self._lock = lock

    def __enter__(self) -> sqlite3.Connection:
        if self._lock is not None:
            self._lock.acquire()
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        return self._db

    def __exit__(self, exc_type: object, *_: object) -> None:
        try:
            self._db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            if self._lock is not None:
                self._lock.release()
