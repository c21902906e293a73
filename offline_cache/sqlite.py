"""How every store in this package opens SQLite and writes to it.

WAL mode lets a reader (``kiosk sync status`` in another process) run beside the writer.
``durable=True`` fsyncs every commit (``synchronous=FULL``): a citizen's case survives a
power cut the moment it is saved. The sync worker's own state changes may use
``durable=False``: losing the last "uploading"/"synced" mark in a power cut only repeats an
upload, which the platform answers idempotently.

A write that finds the disk (or the store's page limit) full is refused with
``StoreError("store.full")``, whichever statement hit it: the caller shows the citizen a
plain message instead of failing on a raw ``sqlite3.OperationalError``.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

BUSY_TIMEOUT_MS = 15_000
# After a checkpoint lets the WAL start over, SQLite cuts the file back to this: a burst of
# writes (a day's scans, a big catalog) does not leave a WAL of that size on the disk for
# the months the kiosk runs. Between checkpoints the WAL holds ~1000 pages (4 MB).
WAL_KEEP_BYTES = 1 << 20


class StoreError(Exception):
    """A store operation refused, with a stable ``code`` for the citizen's message
    (``error.store.*`` in the catalogs) and a technician message without personal data."""

    def __init__(self, code: str, tech: str) -> None:
        super().__init__(f"[{code}] {tech}")
        self.code = code
        self.tech = tech


def is_full(e: BaseException) -> bool:
    """SQLite ran out of room: the disk, or the page limit set on the store."""
    return isinstance(e, sqlite3.OperationalError) and (
        getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        or "disk is full" in str(e))


def full_error(e: BaseException, where: Path | str) -> StoreError:
    return StoreError("store.full", f"no room to write {where}: {e}")


def open_db(path: Path, durable: bool = True) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                         timeout=BUSY_TIMEOUT_MS / 1000)
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA journal_size_limit={WAL_KEEP_BYTES}")
    db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    db.execute("PRAGMA foreign_keys=ON")
    # Deleted content is overwritten with zeros, not left in free pages for anyone with the
    # file (and the key) to recover; purges then also checkpoint the WAL away (``shred_wal``).
    db.execute("PRAGMA secure_delete=ON")
    return db


def shred_wal(db: sqlite3.Connection) -> bool:
    """Copy the WAL into the database and truncate it to nothing, so no earlier version of
    a page (a purged body among them) survives in it. False if a reader kept it busy."""
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


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

    def __exit__(self, exc_type: object, exc: BaseException | None, _: object) -> None:
        try:
            if not exc_type:
                self._db.execute("COMMIT")
        except sqlite3.OperationalError as e:
            exc = e
            if not is_full(e):
                raise
        finally:
            # SQLite rolls back by itself on some errors (a full disk among them).
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if self._lock is not None:
                self._lock.release()
        if exc is not None and is_full(exc):
            raise full_error(exc, _db_name(self._db)) from exc


def _db_name(db: sqlite3.Connection) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return Path(row[2]).name if row and row[2] else "the store"
