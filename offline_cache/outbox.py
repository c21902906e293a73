"""The outbox: everything the platform must receive, kept durably and encrypted until it has.

Four kinds of record travel the same way: a case (form data plus attachments), an
evaluation (好差评), a 办不成事 report and a queue ticket issued while offline. Each has an
id made here (a UUID), so the platform can tell a repeated upload from a new one (the
ODK Collect / Central model). A record moves through these states, each move one
transaction with its audit row:

    draft → finalized → uploading → synced
                 ↑          ├──────→ failed (retried after a backoff) → uploading …
                 └── edit ──┴──────→ rejected (the platform refused it: staff must look)

Editing a record that is finalized, uploading, failed or rejected raises its revision and
puts it back to finalized: an upload of the old revision that completes later no longer
counts. Personal data (the body) and attachment files are sealed with the terminal's key
(``offline_cache.crypto``). Some time after the platform confirmed a record, its personal
data is purged; the row stays as a receipt (id, kind, service, platform receipt number,
attachment hashes and sizes).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from offline_cache.crypto import SEAL_OVERHEAD, Sealer, SealError
from offline_cache.durable import atomic_write, sweep_temp
from offline_cache.sqlite import Immediate, StoreError, open_db, shred_wal
from offline_cache.wire import canonical_json


class Kind(StrEnum):
    CASE = "case"
    EVALUATION = "evaluation"
    REPORT = "report"  # 办不成事: what the citizen could not get done
    TICKET = "ticket"  # a queue number the terminal issued while offline
    SUPPLEMENT = "supplement"  # 补交材料 for a case in 补正: a draft until its file is in


class State(StrEnum):
    DRAFT = "draft"
    FINALIZED = "finalized"
    UPLOADING = "uploading"
    SYNCED = "synced"
    FAILED = "failed"
    REJECTED = "rejected"


DRAFT_MAX_AGE = 3600.0  # seconds: no visit lasts this long, so such a draft is abandoned
UNSENT = (State.FINALIZED, State.UPLOADING, State.FAILED)
_EDITABLE = (State.DRAFT, State.FINALIZED, State.UPLOADING, State.FAILED, State.REJECTED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS record (
    uuid TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    service TEXT NOT NULL,
    state TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    body BLOB,                       -- sealed JSON; NULL once purged
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    finalized_at REAL,
    next_attempt_at REAL,
    synced_at REAL,
    receipt TEXT NOT NULL DEFAULT '',
    purged_at REAL);
CREATE INDEX IF NOT EXISTS record_state ON record(state, next_attempt_at);
CREATE TABLE IF NOT EXISTS attachment (
    case_uuid TEXT NOT NULL REFERENCES record(uuid),
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    role TEXT NOT NULL,              -- what the file is (e.g. "id_front"), never a name
    added_at REAL NOT NULL,
    PRIMARY KEY (case_uuid, sha256));
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL, uuid TEXT NOT NULL, event TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '');  -- never personal data
CREATE TABLE IF NOT EXISTS command (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, args TEXT NOT NULL,
    received_at REAL NOT NULL, state TEXT NOT NULL DEFAULT 'received');
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class AttachmentRef:
    sha256: str
    size: int
    media_type: str
    role: str

    def document(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size, "media_type": self.media_type,
                "role": self.role}


@dataclass(frozen=True)
class Claim:
    """One record handed to the sync worker: what to upload and which revision it is."""

    uuid: str
    kind: Kind
    service: str
    revision: int
    body: dict[str, Any]
    attachments: tuple[AttachmentRef, ...]
    attempts: int  # including this one
    created_at: float
    finalized_at: float


@dataclass(frozen=True)
class RecordView:
    """A record as staff and tests see it; the body only while it is not purged."""

    uuid: str
    kind: Kind
    service: str
    state: State
    revision: int
    attempts: int
    last_error: str
    receipt: str
    created_at: float
    finalized_at: float | None
    next_attempt_at: float | None
    synced_at: float | None
    purged: bool


@dataclass(frozen=True)
class DiskAlert:
    level: str  # "ok", "warn" (clear alert: nearly full) or "full" (attachments refused)
    used: int
    limit: int
    free: int


@dataclass(frozen=True)
class OutboxStatus:
    draft: int
    pending: int  # finalized, waiting for the worker
    uploading: int
    failed: int
    rejected: int
    synced: int
    oldest_unsent_at: float | None
    disk: DiskAlert

    @property
    def unsent(self) -> int:
        return self.pending + self.uploading + self.failed

    def oldest_unsent_age(self, now: float) -> float | None:
        return None if self.oldest_unsent_at is None else max(0.0, now - self.oldest_unsent_at)

    def as_dict(self, now: float) -> dict[str, Any]:
        return {"draft": self.draft, "pending": self.pending, "uploading": self.uploading,
                "failed": self.failed, "rejected": self.rejected, "synced": self.synced,
                "oldest_unsent_age_s": self.oldest_unsent_age(now),
                "disk": {"level": self.disk.level, "used_bytes": self.disk.used,
                         "limit_bytes": self.disk.limit, "free_bytes": self.disk.free}}


class CaseOutbox:
    """The durable outbox under one folder: ``outbox.sqlite3`` and ``blobs/<case>/<sha256>``.

    Any number of instances (threads, processes) may share a folder; each has its own
    connection. ``max_bytes`` / ``min_free_bytes`` set the disk alert and the point where
    new attachments are refused.
    """

    def __init__(self, folder: Path, sealer: Sealer, *, durable: bool = True,
                 max_bytes: int = 4096 << 20, min_free_bytes: int = 500 << 20,
                 clock: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.blobs = folder / "blobs"
        self.sealer = sealer
        self.max_bytes = max_bytes
        self.min_free_bytes = min_free_bytes
        self.clock = clock
        self._lock = threading.Lock()
        self._queued: list[Callable[[], None]] = []
        self._shred_pending = False
        self._db = open_db(folder / "outbox.sqlite3", durable=durable)
        self._db.executescript(_SCHEMA)
        sweep_temp(self.blobs)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def on_queued(self, cb: Callable[[], None]) -> None:
        """Call ``cb`` whenever a record joins the line for upload (the sync trigger)."""
        self._queued.append(cb)

    def _notify(self) -> None:
        for cb in list(self._queued):
            cb()

    # --- writing: the citizen's side ------------------------------------------------------
    def create_case(self, service: str, form: dict[str, Any]) -> str:
        """A new case in draft; returns its id."""
        return self._insert(Kind.CASE, service, {"form": form}, State.DRAFT)

    def create_supplement(self, service: str, body: dict[str, Any]) -> str:
        """补交材料 in draft (its files are attached, then it is finalized); returns its id."""
        return self._insert(Kind.SUPPLEMENT, service, body, State.DRAFT)

    def add_record(self, kind: Kind, service: str, body: dict[str, Any]) -> str:
        """An evaluation, report or offline ticket: complete when made, so finalized at once."""
        if kind in (Kind.CASE, Kind.SUPPLEMENT):
            raise ValueError("cases and supplements are created as drafts")
        uuid = self._insert(kind, service, body, State.FINALIZED)
        self._notify()
        return uuid

    def edit_case(self, uuid: str, form: dict[str, Any]) -> None:
        sealed = self._seal_body(uuid, {"form": form})
        self.require_room(len(sealed))
        with self._tx() as db:
            self._reopen(db, uuid, "edited")
            db.execute("UPDATE record SET body = ? WHERE uuid = ?", (sealed, uuid))
        self._notify()

    def add_attachment(self, uuid: str, data: bytes, media_type: str, role: str) -> str:
        """Store a file for a case (sealed, written atomically); returns its SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        self.require_room(len(data))
        self._require_editable(uuid, (Kind.CASE, Kind.SUPPLEMENT))
        # The file first, then the row: a crash in between leaves an orphan file (swept by
        # ``verify``), never a row pointing at nothing.
        atomic_write(self._blob_path(uuid, sha), self.sealer.seal(data, _blob_aad(uuid, sha)))
        with self._tx() as db:
            self._reopen(db, uuid, "attachment_added", detail=f"{sha[:12]} {len(data)} B")
            db.execute("INSERT OR IGNORE INTO attachment VALUES (?, ?, ?, ?, ?, ?)",
                       (uuid, sha, len(data), media_type, role, self.clock()))
        self._notify()
        return sha

    def finalize(self, uuid: str) -> None:
        with self._tx() as db:
            state = self._state(db, uuid)
            if state is not State.DRAFT:
                raise StoreError("store.not_draft", f"record {uuid} is {state}, not a draft")
            now = self.clock()
            db.execute("UPDATE record SET state = ?, finalized_at = ?, updated_at = ? "
                       "WHERE uuid = ?", (State.FINALIZED, now, now, uuid))
            self._audit(db, uuid, "finalized")
        self._notify()

    # --- the sync worker's side ---------------------------------------------------------
    def claim_next(self, busy: Collection[str] = ()) -> Claim | None:
        """Take the next record due for upload and mark it uploading (attempts + 1).
        Records in ``busy`` (still being delivered, e.g. an older revision of one edited
        meanwhile) wait, so two revisions of a record are never on the wire together."""
        now = self.clock()
        skip = f" AND uuid NOT IN ({','.join('?' * len(busy))})" if busy else ""
        with self._tx() as db:
            row = db.execute(
                "SELECT uuid, kind, service, revision, body, attempts, created_at, "
                "finalized_at FROM record WHERE (state = ? OR (state = ? AND "
                f"next_attempt_at <= ?)){skip} ORDER BY COALESCE(next_attempt_at, finalized_at) "
                "LIMIT 1", (State.FINALIZED, State.FAILED, now, *busy)).fetchone()
            if row is None:
                return None
            uuid, kind, service, revision, body, attempts, created, finalized = row
            db.execute("UPDATE record SET state = ?, attempts = attempts + 1, updated_at = ? "
                       "WHERE uuid = ?", (State.UPLOADING, now, uuid))
            self._audit(db, uuid, "uploading", f"revision {revision} attempt {attempts + 1}")
            atts = self._attachments(db, uuid)
        return Claim(uuid, Kind(kind), service, revision, self._open_body(uuid, body), atts,
                     attempts + 1, created, finalized)

    def mark_synced(self, uuid: str, revision: int, receipt: str) -> bool:
        """The platform confirmed this revision. False if the record was edited meanwhile."""
        now = self.clock()
        return self._finish(uuid, revision, "synced",
                            "state = ?, synced_at = ?, receipt = ?, last_error = '', "
                            "next_attempt_at = NULL", (State.SYNCED, now, receipt), receipt)

    def mark_failed(self, uuid: str, revision: int, error: str, retry_at: float) -> bool:
        return self._finish(uuid, revision, "failed",
                            "state = ?, last_error = ?, next_attempt_at = ?",
                            (State.FAILED, error[:500], retry_at), error[:200])

    def mark_rejected(self, uuid: str, revision: int, reason: str) -> bool:
        return self._finish(uuid, revision, "rejected",
                            "state = ?, last_error = ?, next_attempt_at = NULL",
                            (State.REJECTED, reason[:500]), reason[:200])

    def recover_interrupted(self) -> int:
        """After a crash, 'uploading' means nothing is uploading: put those back in line.
        Only the holder of the sync lock may call this."""
        with self._tx() as db:
            rows = db.execute("UPDATE record SET state = ?, updated_at = ? WHERE state = ? "
                              "RETURNING uuid", (State.FINALIZED, self.clock(),
                                                 State.UPLOADING)).fetchall()
            for (uuid,) in rows:
                self._audit(db, uuid, "recovered", "was uploading when the worker stopped")
        return len(rows)

    def retry_rejected(self, uuid: str) -> None:
        """Staff send a rejected record again as it is: a new revision, back in line."""
        with self._tx() as db:
            state = self._state(db, uuid)
            if state is not State.REJECTED:
                raise StoreError("store.not_rejected", f"record {uuid} is {state}, not rejected")
            self._reopen(db, uuid, "retried", "by staff")
        self._notify()

    def retry_failed_now(self) -> int:
        """The link is back: failed records need not wait out their backoff."""
        with self._tx() as db:
            return db.execute("UPDATE record SET next_attempt_at = ? WHERE state = ?",
                              (self.clock(), State.FAILED)).rowcount

    def next_due_at(self) -> float | None:
        """When the earliest failed record may be retried (None if none is waiting)."""
        row = self._read("SELECT MIN(next_attempt_at) FROM record WHERE state = ?",
                         (State.FAILED,)).fetchone()
        return row[0]

    def read_blob(self, uuid: str, sha: str) -> bytes:
        """An attachment's bytes, checked against its hash."""
        data = self.sealer.open(self._blob_path(uuid, sha).read_bytes(), _blob_aad(uuid, sha))
        if hashlib.sha256(data).hexdigest() != sha:
            raise SealError(f"attachment {sha[:12]} of {uuid} does not match its hash")
        return data

    # --- remote commands (executed by later work; kept here so none is lost or repeated) --
    def save_commands(self, commands: list[dict[str, Any]]) -> list[str]:
        """Record commands from a heartbeat reply; returns the ids that were new."""
        new = []
        with self._tx() as db:
            for c in commands:
                cur = db.execute("INSERT OR IGNORE INTO command(id, name, args, received_at) "
                                 "VALUES (?, ?, ?, ?)", (c["id"], c["name"],
                                                         json.dumps(c.get("args", {})),
                                                         self.clock()))
                if cur.rowcount:
                    new.append(c["id"])
                    self._audit(db, c["id"], "command_received", c["name"])
        return new

    def commands(self) -> list[dict[str, Any]]:
        rows = self._read("SELECT id, name, args, state FROM command ORDER BY received_at")
        return [{"id": i, "name": n, "args": json.loads(a), "state": s} for i, n, a, s in rows]

    # --- retention, status, consistency -------------------------------------------------
    def purge(self, older_than: float, drafts_older_than: float = DRAFT_MAX_AGE) -> int:
        """Delete the personal data of records the platform confirmed ``older_than`` seconds
        ago; the rows stay as receipts. Drafts untouched for ``drafts_older_than`` belong to
        a visit long over: they go whole (no receipt: they were never sent). Afterwards no
        copy is left in the file's free pages (secure_delete) nor in its WAL (checkpointed
        and truncated). Returns how many were purged or dropped."""
        now = self.clock()
        with self._tx() as db:
            rows = db.execute(
                "UPDATE record SET body = NULL, purged_at = ? WHERE state = ? AND "
                "purged_at IS NULL AND synced_at <= ? RETURNING uuid",
                (now, State.SYNCED, now - older_than)).fetchall()
            for (uuid,) in rows:
                self._audit(db, uuid, "purged")
            drafts = db.execute("SELECT uuid FROM record WHERE state = ? AND updated_at <= ?",
                                (State.DRAFT, now - drafts_older_than)).fetchall()
            for (uuid,) in drafts:
                db.execute("DELETE FROM attachment WHERE case_uuid = ?", (uuid,))
                db.execute("DELETE FROM record WHERE uuid = ?", (uuid,))
                self._audit(db, uuid, "abandoned", "a draft of a visit long over")
        for (uuid,) in rows + drafts:
            shutil.rmtree(self.blobs / uuid, ignore_errors=True)
        if rows or drafts or self._shred_pending:  # a reader held it last time: again
            with self._lock:
                self._shred_pending = not shred_wal(self._db)
        return len(rows) + len(drafts)

    def key_matches(self) -> bool:
        """False if this outbox was sealed under another key than its sealer's (a lost or
        replaced key); from now on it is this key's. True for a new outbox."""
        check = self.get_meta("key_check")
        if check is not None:
            try:
                self.sealer.open(bytes.fromhex(check), b"key check")
                return True
            except (SealError, ValueError):
                pass
        self.set_meta("key_check", self.sealer.seal(b"kiosk", b"key check").hex())
        return check is None

    def reject_unreadable(self, reason: str) -> int:
        """Records not yet confirmed whose data no longer opens (the key that sealed them is
        lost) go to rejected with ``reason``, for staff to see; nothing is deleted."""
        rows = self._read("SELECT uuid, body FROM record WHERE body IS NOT NULL AND state "
                          "NOT IN (?, ?)", (State.SYNCED, State.REJECTED))
        lost = []
        for uuid, body in rows:
            try:
                self._open_body(uuid, body)
            except SealError:
                lost.append(uuid)
        with self._tx() as db:
            for uuid in lost:
                db.execute("UPDATE record SET state = ?, last_error = ?, next_attempt_at = NULL, "
                           "updated_at = ? WHERE uuid = ?",
                           (State.REJECTED, reason, self.clock(), uuid))
                self._audit(db, uuid, "rejected", reason)
        return len(lost)

    def status(self) -> OutboxStatus:
        counts = dict(self._read("SELECT state, COUNT(*) FROM record GROUP BY state"))
        oldest = self._read(
            f"SELECT MIN(finalized_at) FROM record WHERE state IN ({_marks(UNSENT)})",
            UNSENT).fetchone()[0]
        return OutboxStatus(*(counts.get(s, 0) for s in (
            State.DRAFT, State.FINALIZED, State.UPLOADING, State.FAILED, State.REJECTED,
            State.SYNCED)), oldest, self.disk_alert())

    def disk_alert(self, incoming: int = 0) -> DiskAlert:
        """Nearly full (warn) at 80 % of the limit or below the free-space floor; full when
        a write of ``incoming`` bytes would pass the limit or leave under half the floor."""
        used = self.usage_bytes()
        free = shutil.disk_usage(self.folder).free
        if used + incoming > self.max_bytes or free - incoming < self.min_free_bytes // 2:
            level = "full"
        elif used + incoming >= self.max_bytes * 0.8 or free - incoming < self.min_free_bytes:
            level = "warn"
        else:
            level = "ok"
        return DiskAlert(level, used, self.max_bytes, free)

    def usage_bytes(self) -> int:
        """The database files plus every attachment still held (sealed: a little larger);
        summed in SQL, as walking thousands of files on every new scan would not scale."""
        db_files = sum(p.stat().st_size for p in self.folder.glob("outbox.sqlite3*"))
        blobs = self._read("SELECT COALESCE(SUM(a.size + ?), 0) FROM attachment a JOIN record r "
                           "ON r.uuid = a.case_uuid WHERE r.purged_at IS NULL",
                           (SEAL_OVERHEAD,)).fetchone()[0]
        return db_files + blobs

    def record(self, uuid: str) -> RecordView:
        row = self._read(
            "SELECT uuid, kind, service, state, revision, attempts, last_error, receipt, "
            "created_at, finalized_at, next_attempt_at, synced_at, purged_at IS NOT NULL "
            "FROM record WHERE uuid = ?", (uuid,)).fetchone()
        if row is None:
            raise StoreError("store.unknown", f"no record {uuid}")
        return RecordView(row[0], Kind(row[1]), row[2], State(row[3]), *row[4:12],
                          bool(row[12]))

    def records(self, state: State | None = None) -> list[RecordView]:
        q = "SELECT uuid FROM record" + (" WHERE state = ?" if state else "")
        return [self.record(u) for (u,) in self._read(q + " ORDER BY created_at",
                                                      (state,) if state else ())]

    def body(self, uuid: str) -> dict[str, Any] | None:
        row = self._read("SELECT body FROM record WHERE uuid = ?", (uuid,)).fetchone()
        return None if row is None or row[0] is None else self._open_body(uuid, row[0])

    def attachments(self, uuid: str) -> tuple[AttachmentRef, ...]:
        with self._lock:
            return self._attachments(self._db, uuid)

    def audit(self, uuid: str | None = None) -> list[tuple[float, str, str, str]]:
        q = "SELECT at, uuid, event, detail FROM audit"
        rows = self._read(q + (" WHERE uuid = ?" if uuid else "") + " ORDER BY id",
                          (uuid,) if uuid else ())
        return [tuple(r) for r in rows]

    def verify(self) -> list[str]:
        """Problems a technician should know about (empty list: consistent). Also removes
        blob files no record points at (left by a crash between file and row)."""
        problems = []
        for uuid, body, purged in self._read("SELECT uuid, body, purged_at FROM record"):
            if purged is None and body is None:
                problems.append(f"{uuid}: body missing")
            elif body is not None:
                try:
                    self._open_body(uuid, body)
                except SealError as e:
                    problems.append(f"{uuid}: body does not open ({e})")
        for uuid, sha in self._read("SELECT a.case_uuid, a.sha256 FROM attachment a JOIN "
                                    "record r ON r.uuid = a.case_uuid WHERE r.purged_at IS NULL"):
            try:
                self.read_blob(uuid, sha)
            except (OSError, SealError) as e:
                problems.append(f"{uuid}: attachment {sha[:12]} unreadable ({e})")
        self._sweep_orphans()
        return problems

    def request_round(self) -> None:
        """Ask whichever process runs the sync worker for a round now (``kiosk sync now``)."""
        self.set_meta("round_requested_at", str(self.clock()))

    def get_meta(self, key: str) -> str | None:
        row = self._read("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                       "SET value = excluded.value", (key, value))

    # --- inside ---------------------------------------------------------------------------
    def _tx(self) -> Immediate:
        return Immediate(self._db, self._lock)

    def _read(self, sql: str, params: tuple = ()) -> list[Any]:
        with self._lock:
            return _Rows(self._db.execute(sql, params).fetchall())

    def _insert(self, kind: Kind, service: str, body: dict[str, Any], state: State) -> str:
        uuid = str(uuidlib.uuid4())
        now = self.clock()
        finalized = now if state is State.FINALIZED else None
        sealed = self._seal_body(uuid, body)
        self.require_room(len(sealed))
        with self._tx() as db:
            db.execute("INSERT INTO record(uuid, kind, service, state, body, created_at, "
                       "updated_at, finalized_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (uuid, kind, service, state, sealed, now, now, finalized))
            self._audit(db, uuid, "created", f"{kind} {service} {state}")
        return uuid

    def _reopen(self, db: sqlite3.Connection, uuid: str, event: str, detail: str = "") -> None:
        """An edit: a draft stays a draft; anything else not yet confirmed gets a new
        revision and goes back in line (an upload of the old revision no longer counts)."""
        state = self._state(db, uuid)
        if state not in _EDITABLE:
            raise StoreError("store.locked", f"record {uuid} is {state}: the platform has it")
        if state is State.DRAFT:
            db.execute("UPDATE record SET updated_at = ? WHERE uuid = ?", (self.clock(), uuid))
        else:
            db.execute("UPDATE record SET state = ?, revision = revision + 1, updated_at = ?, "
                       "next_attempt_at = NULL WHERE uuid = ?",
                       (State.FINALIZED, self.clock(), uuid))
            detail = f"{detail} (was {state}, new revision)".strip()
        self._audit(db, uuid, event, detail)

    def _finish(self, uuid: str, revision: int, event: str, assignments: str,
                params: tuple, detail: str) -> bool:
        with self._tx() as db:
            done = db.execute(f"UPDATE record SET {assignments}, updated_at = ? WHERE uuid = ? "
                              "AND state = ? AND revision = ?",
                              (*params, self.clock(), uuid, State.UPLOADING, revision)).rowcount
            self._audit(db, uuid, event if done else f"{event}_superseded",
                        f"revision {revision} {detail}".strip())
        return bool(done)

    def require_room(self, incoming: int) -> None:
        """Raises ``store.full`` unless ``incoming`` more bytes fit. Every write checks this
        first (SQLite's own "disk full" becomes the same ``store.full`` in ``Immediate``)."""
        alert = self.disk_alert(incoming=incoming)
        if alert.level == "full":
            raise StoreError("store.full", f"store full: {alert.used} of {alert.limit} bytes "
                                           f"used, {alert.free} free on disk")

    def _state(self, db: sqlite3.Connection, uuid: str) -> State:
        row = db.execute("SELECT state FROM record WHERE uuid = ?", (uuid,)).fetchone()
        if row is None:
            raise StoreError("store.unknown", f"no record {uuid}")
        return State(row[0])

    def _require_editable(self, uuid: str, kinds: tuple[Kind, ...]) -> None:
        """Checked before a file is written (``_reopen`` checks again inside the write)."""
        row = self._read("SELECT kind, state FROM record WHERE uuid = ?", (uuid,)).fetchone()
        if row is None or row[0] not in kinds:
            raise StoreError("store.unknown", f"no {'/'.join(kinds)} {uuid}")
        if State(row[1]) not in _EDITABLE:
            raise StoreError("store.locked", f"record {uuid} is {row[1]}: the platform has it")

    def _attachments(self, db: sqlite3.Connection, uuid: str) -> tuple[AttachmentRef, ...]:
        rows = db.execute("SELECT sha256, size, media_type, role FROM attachment "
                          "WHERE case_uuid = ? ORDER BY added_at, sha256", (uuid,)).fetchall()
        return tuple(AttachmentRef(*r) for r in rows)

    def _audit(self, db: sqlite3.Connection, uuid: str, event: str, detail: str = "") -> None:
        db.execute("INSERT INTO audit(at, uuid, event, detail) VALUES (?, ?, ?, ?)",
                   (self.clock(), uuid, event, detail))

    def _seal_body(self, uuid: str, body: dict[str, Any]) -> bytes:
        return self.sealer.seal(canonical_json(body), uuid.encode())

    def _open_body(self, uuid: str, sealed: bytes) -> dict[str, Any]:
        return json.loads(self.sealer.open(sealed, uuid.encode()))

    def _blob_path(self, uuid: str, sha: str) -> Path:
        return self.blobs / uuid / sha

    def _sweep_orphans(self) -> None:
        if not self.blobs.exists():
            return
        known = {(u, s) for u, s in self._read(
            "SELECT a.case_uuid, a.sha256 FROM attachment a JOIN record r "
            "ON r.uuid = a.case_uuid WHERE r.purged_at IS NULL")}
        cutoff = time.time() - 3600  # younger files may be a write in progress
        for path in self.blobs.glob("*/*"):
            if (path.parent.name, path.name) not in known and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        sweep_temp(self.blobs)


class _Rows(list):
    """Query results fetched under the lock; ``fetchone`` keeps call sites cursor-like."""

    def fetchone(self) -> Any:
        return self[0] if self else None


def _blob_aad(uuid: str, sha: str) -> bytes:
    return f"{uuid}/{sha}".encode()


def _marks(values: tuple) -> str:
    return ", ".join("?" * len(values))

