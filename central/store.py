"""What the reference platform keeps: SQLite (or PostgreSQL) for records and state, files
for attachments.

Records are stored per (kind, id, revision) with the SHA-256 of their canonical body, which
is what makes a repeated upload recognisable. Attachments are content-addressed and live
only as files, so a chunk costs no database commit: a partial upload grows in
``uploads/<sha>.<announced size>.<counter>.part`` (its size is the offset the platform
reports) and is sealed into ``blobs/<sha[:2]>/<sha>`` once complete and verified.

SQLite is the embedded default (one file beside the key and the blobs). A province's
platform, several server processes over one database, uses PostgreSQL instead (``url``:
``postgresql://...``); the SQL is the same but for what ``_PgDialect`` translates
(placeholders, column types) and how a write transaction keeps others out: SQLite's
``BEGIN IMMEDIATE`` takes the whole database, PostgreSQL's read-committed transactions rely
on row locks (``UPDATE ... RETURNING``, ``INSERT ... ON CONFLICT``) and, where a transaction
reads before it writes (records, queue numbers), a transaction-scoped advisory lock on what
it reads. The key, the blobs and the routes' own books stay in the folder in either case.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from drivers.idcard.privacy import mask_id_number
from offline_cache.crypto import SEAL_OVERHEAD, Sealer, SealError, load_or_create_key
from offline_cache.durable import atomic_write
from offline_cache.sqlite import Immediate, open_db, shred_wal
from offline_cache.wire import iso

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS terminal (id TEXT PRIMARY KEY, secret BLOB NOT NULL);  -- sealed
CREATE TABLE IF NOT EXISTS record (
    kind TEXT NOT NULL, id TEXT NOT NULL, revision INTEGER NOT NULL,
    terminal TEXT NOT NULL, service TEXT NOT NULL, body_sha256 TEXT NOT NULL,
    body BLOB NOT NULL, receipt TEXT NOT NULL, received_at REAL NOT NULL,  -- body: sealed
    PRIMARY KEY (kind, id, revision));
CREATE TABLE IF NOT EXISTS receipt_seq (n INTEGER PRIMARY KEY AUTOINCREMENT, at REAL);
CREATE TABLE IF NOT EXISTS command (
    id TEXT PRIMARY KEY, terminal TEXT NOT NULL, name TEXT NOT NULL, args TEXT NOT NULL,
    issued_at REAL NOT NULL, ack_status TEXT, ack_detail TEXT, acked_at REAL);
CREATE TABLE IF NOT EXISTS heartbeat (
    terminal TEXT PRIMARY KEY, at REAL NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queue_counter (
    day TEXT NOT NULL, prefix TEXT NOT NULL, issued INTEGER NOT NULL,
    called INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, prefix));
CREATE TABLE IF NOT EXISTS queue_request (request_id TEXT PRIMARY KEY, answer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queue_key (
    request_id TEXT PRIMARY KEY, terminal TEXT NOT NULL, day TEXT NOT NULL,
    prefix TEXT NOT NULL, n INTEGER, offline_number TEXT);
CREATE INDEX IF NOT EXISTS queue_key_number ON queue_key(day, prefix, n);
CREATE TABLE IF NOT EXISTS enrolment (  -- one-time tokens; only their SHA-256 is kept
    token_sha256 TEXT PRIMARY KEY, terminal TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS nonce (
    terminal TEXT NOT NULL, nonce TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (terminal, nonce));
CREATE INDEX IF NOT EXISTS nonce_at ON nonce(at);
CREATE TABLE IF NOT EXISTS presence (  -- a person at a terminal now; the token's SHA-256 only
    token_sha256 TEXT PRIMARY KEY, terminal TEXT NOT NULL, person TEXT NOT NULL,
    card TEXT NOT NULL, issued_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit (  -- every look-up of a person; person: keyed pseudonym
    at REAL NOT NULL, terminal TEXT NOT NULL, purpose TEXT NOT NULL, person TEXT NOT NULL,
    person_masked TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
"""
PRESENCE_TTL = 600.0  # seconds a presence token is good for (a visit; renewed with the card)
AUDIT_RETENTION = 180 * 86400.0  # seconds audit rows are kept (logs: six months at least)

log = logging.getLogger(__name__)
_NUMBER_RE = re.compile(r"^([A-Z])(\d{3,4})$")


class Refusal(Exception):
    """The platform will not do this; ``status`` and ``error`` become the HTTP answer."""

    def __init__(self, status: int, error: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.extra = extra


@dataclass(frozen=True)
class UploadState:
    sha256: str
    size: int | None
    received: int
    complete: bool

    def as_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size, "received": self.received,
                "complete": self.complete}


class PlatformStore:
    """Records and terminal secrets are sealed at rest with the platform's own key
    (``platform.key`` beside the database, as the outbox's ``store.key``); the folder is
    the platform's user's alone (0700) and the database file 0600."""

    def __init__(self, db_path: Path, key_protection: str = "file",
                 url: str | None = None) -> None:
        """``db_path``: the SQLite file, whose folder keeps the key, the blobs and the
        routes' books. ``url``: a PostgreSQL database (``postgresql://...``) for records
        and state instead of ``db_path`` (the folder is still ``db_path``'s)."""
        self.root = db_path.parent
        self.url = url
        self._closers: list[Callable[[], None]] = []
        self.blobs = self.root / "blobs"
        self.uploads = self.root / "uploads"
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self.root.chmod(0o700)
        except PermissionError:  # a folder of someone else's (e.g. /tmp): files are 0600
            log.warning("platform folder %s is not ours: left as it is", self.root)
        if url is None:
            os.close(os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600))  # SQLite's -wal/-shm
            db_path.chmod(0o600)  # files take the database file's mode
        master = load_or_create_key(self.root / "platform.key", key_protection)
        self._sealer = Sealer(master, "sm4-gcm")
        self._upload_key = HKDF(hashes.SHA256(), 32, salt=None,
                                info=b"gov-kiosk platform uploads").derive(master)
        self._pseudonym_key = pseudonym_key(master)
        # The server thread and in-process callers (tests, the embedded kiosk) share these
        # connections: one lock keeps their transactions apart.
        self._lock = threading.RLock()
        self.accepted_requests = 0  # signed requests let through since start (monitoring)
        # Nonces are checked on every request; losing the newest ones in a power cut would
        # only reopen a replay window the timestamp check already bounds, so no fsync each.
        if url is not None:
            self.dialect = "postgresql"
            self._db: Any = _PgConnection(url, durable=True)
            self._nonces: Any = _PgConnection(url, durable=False)
            self._db.create_schema(_SCHEMA)
            return
        self.dialect = "sqlite"
        self._db = open_db(db_path, durable=True)
        self._db.executescript(_SCHEMA)
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(queue_counter)")}
        if "called" not in columns:  # a database from before numbers were called
            self._db.execute("ALTER TABLE queue_counter ADD COLUMN called INTEGER NOT NULL "
                             "DEFAULT 0")
        self._nonces = open_db(db_path, durable=False)
        self._seal_plain_rows()

    def _seal_plain_rows(self) -> None:
        """A database from before sealing: its plain secrets and bodies are sealed now."""
        with self._tx() as db:
            for tid, hexed in db.execute("SELECT id, secret FROM terminal WHERE "
                                         "typeof(secret) = 'text'").fetchall():
                db.execute("UPDATE terminal SET secret = ? WHERE id = ?",
                           (self._seal_secret(tid, bytes.fromhex(hexed)), tid))
            for kind, rid, rev, body in db.execute(
                    "SELECT kind, id, revision, body FROM record WHERE typeof(body) = 'text'"
                    ).fetchall():
                db.execute("UPDATE record SET body = ? WHERE kind = ? AND id = ? AND "
                           "revision = ?", (self._seal_body(kind, rid, rev, json.loads(body)),
                                            kind, rid, rev))
        self._shred_wal()

    def _seal_secret(self, terminal: str, secret: bytes) -> bytes:
        return self._sealer.seal(secret, f"terminal/{terminal}".encode())

    def _seal_body(self, kind: str, rid: str, revision: int, doc: dict[str, Any]) -> bytes:
        return self._sealer.seal(json.dumps(doc, ensure_ascii=False).encode(),
                                 f"{kind}/{rid}/{revision}".encode())

    def _open_body(self, kind: str, rid: str, revision: int, sealed: bytes) -> dict[str, Any]:
        return json.loads(self._sealer.open(sealed, f"{kind}/{rid}/{revision}".encode()))

    def on_close(self, close: Callable[[], None]) -> None:
        """Close ``close``'s resource with the store (the routes' own databases)."""
        self._closers.append(close)

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._nonces.close()
        for close in self._closers:
            close()
        self._closers.clear()

    def _tx(self, guard: str | None = None) -> Any:
        """A write transaction. ``guard`` names what it reads before it writes: on
        PostgreSQL, transactions with the same guard run one at a time (on SQLite every
        write transaction does)."""
        if self.dialect == "postgresql":
            return _PgTransaction(self._db, self._lock, guard)
        return Immediate(self._db, self._lock)

    @property
    def _rowid(self) -> str:  # the order rows were written in, for ties
        return "ctid" if self.dialect == "postgresql" else "rowid"

    def _shred_wal(self) -> None:
        if self.dialect == "sqlite":  # PostgreSQL's WAL is the server's to recycle
            shred_wal(self._db)

    def _rows(self, sql: str, params: tuple = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # --- terminals and signatures ---------------------------------------------------------
    def register_terminal(self, terminal: str, secret: bytes) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO terminal VALUES (?, ?) ON CONFLICT(id) DO UPDATE "
                       "SET secret = excluded.secret",
                       (terminal, self._seal_secret(terminal, secret)))

    def secret(self, terminal: str) -> bytes | None:
        rows = self._rows("SELECT secret FROM terminal WHERE id = ?", (terminal,))
        return self._sealer.open(rows[0][0], f"terminal/{terminal}".encode()) if rows else None

    # --- enrolment, rotation, revocation ---------------------------------------------------
    # A terminal is added by issuing a one-time token (staff carry it to the kiosk, which
    # enrols with it over TLS and receives a secret made here); rotating issues another for
    # an enrolled terminal, whose old secret works until the new one is taken; revoking
    # deletes the secret, and as every request reads it afresh, the very next is refused.
    def issue_token(self, terminal: str, ttl: float = 86400.0, rotate: bool = False) -> str:
        known = self.secret(terminal) is not None
        if known != rotate:
            raise Refusal(409, "terminal_exists" if known else "unknown_terminal",
                          f"terminal {terminal} is {'already' if known else 'not'} enrolled"
                          f"{' (rotate it instead)' if known else ''}")
        # Hex, not token_urlsafe: a technician types it on a command line, and one urlsafe
        # token in 64 begins with "-", which the shell's argument parser takes for an option.
        token = secrets.token_hex(24)
        with self._tx() as db:
            db.execute("INSERT INTO enrolment VALUES (?, ?, ?)",
                       (hashlib.sha256(token.encode()).hexdigest(), terminal,
                        time.time() + ttl))
        return token

    def enrol(self, terminal: str, token: str) -> bytes:
        """The terminal's new secret, for a valid token (used once). Raises Refusal(401)
        alike for a wrong, used or expired token."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._tx() as db:
            db.execute("DELETE FROM enrolment WHERE expires_at < ?", (time.time(),))
            row = db.execute("DELETE FROM enrolment WHERE token_sha256 = ? AND terminal = ? "
                             "RETURNING terminal", (digest, terminal)).fetchone()
        if row is None:
            raise Refusal(401, "bad_token", "no such enrolment token for this terminal "
                          "(wrong, used or expired)")
        secret = secrets.token_bytes(32)
        self.register_terminal(terminal, secret)
        return secret

    def revoke(self, terminal: str) -> bool:
        with self._tx() as db:
            db.execute("DELETE FROM enrolment WHERE terminal = ?", (terminal,))
            return db.execute("DELETE FROM terminal WHERE id = ?", (terminal,)).rowcount == 1

    def remember_nonce(self, terminal: str, nonce: str, window: float) -> bool:
        """False if this nonce was already used (a replay). Old nonces are forgotten once
        their timestamps fall outside the window, where the timestamp check refuses them."""
        now = time.time()
        tx = (_PgTransaction(self._nonces, self._lock, None) if self.dialect == "postgresql"
              else Immediate(self._nonces, self._lock))
        with tx as db:
            db.execute("DELETE FROM nonce WHERE at < ?", (now - 2 * window,))
            cur = db.execute("INSERT INTO nonce VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                             (terminal, nonce, now))
            self.accepted_requests += cur.rowcount
        return cur.rowcount == 1

    # --- a person at a terminal, and the audit of look-ups ---------------------------------
    # A look-up of a person (certificate data, 进度查询, 电子证照, a bill or payments by ID
    # number) needs a presence token: issued to a terminal that has just read the person's
    # card (POST /v1/presence, with a digest of what the card reader read), for that ID
    # number only, for ``PRESENCE_TTL`` seconds, and ended when the terminal presents
    # another card (one citizen at a kiosk at a time). Each look-up, answered or refused, is
    # an audit row: terminal, purpose, the person as a keyed pseudonym and masked, outcome.
    def pseudonym(self, id_number: str) -> str:
        """The person's keyed pseudonym (HMAC-SHA256 under a key derived from
        ``platform.key``): the same number always gives the same, a copy of the database
        without the key reads nothing from it."""
        return pseudonym(self._pseudonym_key, id_number)

    def present(self, terminal: str, id_number: str, card_digest: str,
                ttl: float | None = None) -> tuple[str, float]:
        """A new presence token for the person whose card ``terminal`` has just read:
        (token, seconds it is good for). The terminal's earlier tokens end."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        ttl = PRESENCE_TTL if ttl is None else ttl
        with self._tx() as db:
            db.execute("DELETE FROM presence WHERE expires_at < ? OR terminal = ?",
                       (now - 86400, terminal))
            db.execute("INSERT INTO presence VALUES (?, ?, ?, ?, ?, ?)",
                       (_token_sha(token), terminal, self.pseudonym(id_number),
                        self.pseudonym("card:" + card_digest), now, now + ttl))
        self.audit(terminal, "presence", id_number, "issued")
        return token, ttl

    def check_presence(self, terminal: str, token: str, id_number: str) -> None:
        """Raises Refusal(401) unless ``token`` is a live presence of this person at this
        terminal. An unknown token, another terminal's, an ended one and another
        person's are refused alike (``presence_invalid``)."""
        if not token:
            raise Refusal(401, "presence_required", "a look-up of a person needs the presence "
                          "token of their card read at this terminal (POST /v1/presence)")
        rows = self._rows("SELECT terminal, person, expires_at FROM presence WHERE "
                          "token_sha256 = ?", (_token_sha(token),))
        if not rows or rows[0][0] != terminal or not hmac.compare_digest(
                rows[0][1], self.pseudonym(id_number)):
            raise Refusal(401, "presence_invalid", "no presence of this person at this "
                          "terminal (read their card again)")
        if rows[0][2] <= time.time():
            raise Refusal(401, "presence_expired", "the presence token has expired (read "
                          "the card again)")

    def audit(self, terminal: str, purpose: str, id_number: str, outcome: str) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)",
                       (time.time(), terminal, purpose, self.pseudonym(id_number),
                        mask_id_number(id_number), outcome))

    def audit_rows(self, terminal: str | None = None, since: float = 0.0,
                   limit: int = 1000) -> list[dict[str, Any]]:
        """The audit, newest first."""
        rows = self._rows("SELECT at, terminal, purpose, person, person_masked, outcome FROM "
                          "audit WHERE at >= ? AND (CAST(? AS TEXT) IS NULL OR terminal = ?) "
                          f"ORDER BY at DESC, {self._rowid} DESC LIMIT ?",
                          (since, terminal, terminal, limit))
        return [{"at": iso(at), "terminal": t, "purpose": p, "person": pn[:16],
                 "person_masked": m, "outcome": o} for at, t, p, pn, m, o in rows]

    # --- records ----------------------------------------------------------------------------
    def put_record(self, kind: str, rid: str, terminal: str, doc: dict[str, Any],
                   body_sha: str) -> tuple[str, str]:
        """Store a record revision; returns (status, receipt). Raises Refusal(409), or
        Refusal(404) when the id belongs to another terminal's record: each record is bound
        to the terminal that created it, and others learn nothing of it, not even that it
        exists."""
        revision = doc["revision"]
        # A ticket may move the hall's numbers (``_note_offline_ticket``): the queue's guard.
        with self._tx(f"record/{kind}/{rid}" if kind != "ticket" else "queue") as db:
            owner = db.execute("SELECT terminal FROM record WHERE kind = ? AND id = ? LIMIT 1",
                               (kind, rid)).fetchone()
            if owner is not None and owner[0] != terminal:
                raise Refusal(404, "unknown_record", f"no {kind} with this id")
            same = db.execute("SELECT body_sha256, receipt FROM record WHERE kind = ? AND id = ? "
                              "AND revision = ?", (kind, rid, revision)).fetchone()
            if same is not None:
                if same[0] != body_sha:
                    raise Refusal(409, "conflict", f"{kind} {rid} revision {revision} was "
                                  "already received with a different body")
                return "duplicate", same[1]
            latest = db.execute("SELECT MAX(revision), MIN(receipt) FROM record "
                                "WHERE kind = ? AND id = ?", (kind, rid)).fetchone()
            if latest[0] is not None and latest[0] > revision:
                raise Refusal(409, "stale_revision", f"{kind} {rid} is at revision {latest[0]}; "
                              f"revision {revision} is older")
            receipt = latest[1] or self._new_receipt(db)
            db.execute("INSERT INTO record VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (kind, rid, revision, terminal, doc["service"], body_sha,
                        self._seal_body(kind, rid, revision, doc), receipt, time.time()))
            if kind == "ticket":
                self._note_offline_ticket(db, doc, terminal)
        return ("amended" if latest[0] is not None else "accepted"), receipt

    def records(self, kind: str) -> list[dict[str, Any]]:
        """Every stored revision of a kind (for tests and inspection)."""
        rows = self._rows("SELECT id, revision, body, receipt, terminal FROM record "
                          "WHERE kind = ? ORDER BY id, revision", (kind,))
        return [{"id": i, "revision": r, "body": self._open_body(kind, i, r, b), "receipt": rc,
                 "terminal": t} for i, r, b, rc, t in rows]

    def purge(self, older_than: float) -> int:
        """Retention (the embedded platform keeps what the kiosk keeps): records received
        ``older_than`` seconds ago go, with the attachment files no remaining record names
        and uploads left unfinished as long; nothing of them stays in the WAL. Returns how
        many record revisions went."""
        cutoff = time.time() - older_than
        with self._tx() as db:
            gone = db.execute("DELETE FROM record WHERE received_at <= ?", (cutoff,)).rowcount
            db.execute("DELETE FROM audit WHERE at <= ?", (time.time() - AUDIT_RETENTION,))
            db.execute("DELETE FROM presence WHERE expires_at <= ?", (time.time(),))
        named = {a["sha256"] for kind in ("case", "supplement") for r in self.records(kind)
                 for a in r["body"].get("attachments", [])}
        for path in [*self.blobs.glob("*/*"), *self.uploads.glob("*.part")]:
            if path.name.split(".")[0] not in named and path.stat().st_mtime <= cutoff:
                path.unlink(missing_ok=True)
        with self._lock:
            self._shred_wal()
        return gone

    def progress(self, rid: str, terminal: str) -> dict[str, Any] | None:
        """The case's steps, or None if there is none or it is another terminal's."""
        rows = self._rows("SELECT revision, service, receipt, received_at FROM record "
                          "WHERE kind = 'case' AND id = ? AND terminal = ? ORDER BY revision",
                          (rid, terminal))
        if not rows:
            return None
        steps = [{"status": "received" if r == 1 else "amended", "at": iso(at)}
                 for r, _, _, at in rows]
        return {"id": rid, "receipt": rows[0][2], "service": rows[0][1],
                "status": steps[-1]["status"], "steps": steps}

    def _new_receipt(self, db: Any) -> str:
        n = db.execute("INSERT INTO receipt_seq(at) VALUES (?) RETURNING n",
                       (time.time(),)).fetchone()[0]
        return f"ZW{datetime.now():%Y%m%d}{n:06d}"

    # --- attachments ------------------------------------------------------------------------
    # A complete attachment is sealed like a record (``read_blob`` opens it). While it
    # arrives, its part file is AES-CTR ciphertext under a key of its own and a random
    # counter prefix in the file's name, so each chunk is appended as it comes, at no
    # cost, and the file's size is still the offset reached; the SHA-256 checked when it
    # is complete is what proves the content.
    def blob_path(self, sha: str) -> Path:
        return self.blobs / sha[:2] / sha

    def read_blob(self, sha: str) -> bytes:
        data = self._sealer.open(self.blob_path(sha).read_bytes(), f"blob/{sha}".encode())
        if hashlib.sha256(data).hexdigest() != sha:
            raise SealError(f"attachment {sha[:12]} does not match its hash")
        return data

    def upload_state(self, sha: str) -> UploadState:
        final = self.blob_path(sha)
        if final.exists():
            size = final.stat().st_size - SEAL_OVERHEAD
            return UploadState(sha, size, size, True)
        part = self._part(sha)
        if part is None:
            return UploadState(sha, None, 0, False)
        return UploadState(sha, int(part.name.split(".")[1]), part.stat().st_size, False)

    def _part(self, sha: str) -> Path | None:
        return next(iter(self.uploads.glob(f"{sha}.*.*.part")), None)

    def _ctr(self, part: Path, offset: int, data: bytes) -> bytes:
        """The part file's cipher at ``offset`` (the same call encrypts and decrypts)."""
        start = int(part.name.split(".")[2], 16) << 64 | offset // 16
        skip = offset % 16
        enc = Cipher(algorithms.AES(self._upload_key), modes.CTR(start.to_bytes(16, "big"))
                     ).encryptor()
        return enc.update(bytes(skip) + data)[skip:]

    def append_chunk(self, sha: str, total: int, offset: int, data: bytes) -> UploadState:
        """Append at ``offset``. Callers run one at a time (the server's event loop)."""
        state = self.upload_state(sha)
        if state.size is not None and state.size != total:
            raise Refusal(400, "length_mismatch", f"attachment {sha[:12]} was announced as "
                          f"{state.size} bytes, not {total}")
        if state.complete:
            return state
        if offset != state.received:
            raise Refusal(409, "offset_mismatch", f"the platform holds {state.received} bytes "
                          f"of {sha[:12]}, the chunk starts at {offset}", received=state.received)
        if offset + len(data) > total:
            raise Refusal(400, "past_end", "the chunk runs past the announced length")
        part = self._part(sha) or self.uploads / f"{sha}.{total}.{secrets.token_hex(8)}.part"
        part.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(part, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab") as f:
            f.write(self._ctr(part, offset, data))
            if offset + len(data) == total:
                f.flush()
                os.fsync(f.fileno())
        if offset + len(data) < total:
            return UploadState(sha, total, offset + len(data), False)
        return self._complete(sha, total, part)

    def _complete(self, sha: str, total: int, part: Path) -> UploadState:
        data = self._ctr(part, 0, part.read_bytes())
        if hashlib.sha256(data).hexdigest() != sha:
            part.unlink()
            raise Refusal(422, "hash_mismatch", f"the {total} bytes received do not hash to "
                          f"{sha[:12]}; the upload was discarded")
        final = self.blob_path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        # 0600, durable (file and folder) before any case may point at it.
        atomic_write(final, self._sealer.seal(data, f"blob/{sha}".encode()))
        part.unlink()
        return UploadState(sha, total, total, True)

    def missing_attachments(self, listed: list[dict[str, Any]]) -> list[str]:
        return [a["sha256"] for a in listed
                if (s := self.upload_state(a["sha256"])).complete is False or s.size != a["size"]]

    # --- heartbeat and remote commands --------------------------------------------------------
    def heartbeat(self, terminal: str, doc: dict[str, Any]) -> list[dict[str, Any]]:
        with self._tx() as db:
            db.execute("INSERT INTO heartbeat VALUES (?, ?, ?) ON CONFLICT(terminal) DO UPDATE "
                       "SET at = excluded.at, doc = excluded.doc",
                       (terminal, time.time(), json.dumps(doc, ensure_ascii=False)))
        rows = self._rows("SELECT id, name, args, issued_at FROM command WHERE terminal = ? "
                          "AND ack_status IS NULL ORDER BY issued_at", (terminal,))
        return [{"id": i, "name": n, "args": json.loads(a), "issued_at": iso(at)}
                for i, n, a, at in rows]

    def last_heartbeat(self, terminal: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT doc FROM heartbeat WHERE terminal = ?", (terminal,))
        return json.loads(rows[0][0]) if rows else None

    def heartbeats(self) -> list[dict[str, Any]]:
        """Every enrolled terminal with its last heartbeat (``at``: Unix seconds, None if it
        never sent one) and what it reported (the fleet console)."""
        rows = self._rows("SELECT t.id, h.at, h.doc FROM terminal t LEFT JOIN heartbeat h "
                          "ON h.terminal = t.id ORDER BY t.id")
        return [{"terminal": t, "at": at, "doc": json.loads(doc) if doc else None}
                for t, at, doc in rows]

    def queue_days(self, since: str) -> list[dict[str, Any]]:
        """Hall numbers issued and called per day (``since``: YYYY-MM-DD) and category."""
        rows = self._rows("SELECT day, prefix, issued, called FROM queue_counter WHERE day >= ? "
                          "ORDER BY day DESC, prefix", (since,))
        return [{"day": d, "prefix": p, "issued": i, "called": c} for d, p, i, c in rows]

    def enqueue_command(self, terminal: str, name: str, args: dict[str, Any]) -> str:
        cid = "cmd-" + secrets.token_hex(8)
        with self._tx() as db:
            db.execute("INSERT INTO command(id, terminal, name, args, issued_at) "
                       "VALUES (?, ?, ?, ?, ?)", (cid, terminal, name, json.dumps(args),
                                                  time.time()))
        return cid

    def ack_command(self, terminal: str, cid: str, status: str, detail: str) -> None:
        with self._tx() as db:
            cur = db.execute("UPDATE command SET ack_status = ?, ack_detail = ?, acked_at = ? "
                             "WHERE id = ? AND terminal = ?",
                             (status, detail, time.time(), cid, terminal))
            if cur.rowcount == 0:
                raise Refusal(404, "unknown_command", f"no command {cid} for this terminal")

    def commands(self, terminal: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Commands issued, newest first, with their acknowledgement (technicians' list)."""
        rows = self._rows("SELECT id, terminal, name, args, issued_at, ack_status, ack_detail, "
                          "acked_at FROM command WHERE CAST(? AS TEXT) IS NULL OR terminal = ? "
                          "ORDER BY issued_at DESC LIMIT ?", (terminal, terminal, limit))
        return [{"id": i, "terminal": t, "name": n, "args": json.loads(a), "issued_at": iso(at),
                 "status": st, "detail": d, "acked_at": iso(ack) if ack else None}
                for i, t, n, a, at, st, d, ack in rows]

    def command_ack(self, cid: str) -> tuple[str | None, str | None]:
        rows = self._rows("SELECT ack_status, ack_detail FROM command WHERE id = ?", (cid,))
        return tuple(rows[0]) if rows else (None, None)

    # --- queue numbers ----------------------------------------------------------------------
    # A number is taken under the terminal's request id (its idempotency key), kept in
    # ``queue_key`` with the number it got. When the terminal gave up waiting and issued an
    # offline number instead, its offline ticket record carries the same key: the hall number
    # issued under it is then cancelled (``offline_number`` set), the caller skips it and it
    # no longer counts as waiting. A key the platform first hears of on such a ticket is
    # kept too, so the request, should it still arrive, gets no number.
    def take_number(self, prefix: str, request_id: str, terminal: str
                    ) -> tuple[bool, dict[str, Any]]:
        """(new, answer): the same request id always gets the same number. Raises
        Refusal(409) for a key used by another terminal or category, or answered offline."""
        with self._tx("queue") as db:
            key = db.execute("SELECT terminal, prefix, offline_number FROM queue_key "
                             "WHERE request_id = ?", (request_id,)).fetchone()
            if key is not None and (key[0], key[1]) != (terminal, prefix):
                raise Refusal(409, "request_id_reused", "this request id was used for another "
                              "category or terminal")
            if key is not None and key[2] is not None:
                raise Refusal(409, "issued_offline", f"the terminal issued {key[2]} offline "
                              "for this request; the hall number is cancelled")
            seen = self._answer(db, request_id)
            if seen is not None:
                return False, seen
            now = datetime.now(UTC).astimezone()
            answer = self._take(db, now, prefix, request_id)
            db.execute("INSERT INTO queue_key(request_id, terminal, day, prefix, n) "
                       "VALUES (?, ?, ?, ?, ?)", (request_id, terminal, now.date().isoformat(),
                                                  prefix, int(answer["number"][1:])))
            self._keep_answer(db, request_id, answer)
        return True, answer

    def call_number(self, prefix: str, request_id: str) -> tuple[bool, dict[str, Any]]:
        """The hall's caller: the next number of a category is called (``number`` is None
        when nobody is waiting); cancelled numbers are skipped. The same request id always
        gets the same answer."""
        with self._tx("queue") as db:
            seen = self._answer(db, request_id)
            if seen is not None:
                return False, seen
            answer = self._call(db, datetime.now(UTC).astimezone(), prefix, request_id)
            self._keep_answer(db, request_id, answer)
        return True, answer

    @staticmethod
    def _answer(db: Any, request_id: str) -> dict[str, Any] | None:
        seen = db.execute("SELECT answer FROM queue_request WHERE request_id = ?",
                          (request_id,)).fetchone()
        return json.loads(seen[0]) if seen else None

    @staticmethod
    def _keep_answer(db: Any, request_id: str, answer: dict[str, Any]) -> None:
        db.execute("INSERT INTO queue_request VALUES (?, ?)", (request_id, json.dumps(answer)))

    def _take(self, db: Any, now: datetime, prefix: str, request_id: str) -> dict[str, Any]:
        day = now.date().isoformat()
        issued = self._bump(db, day, prefix, None)
        called = db.execute("SELECT called FROM queue_counter WHERE day = ? AND prefix = ?",
                            (day, prefix)).fetchone()[0]
        ahead = issued - 1 - called - len(_cancelled(db, day, prefix, called))
        return {"request_id": request_id, "number": f"{prefix}{issued:03d}", "prefix": prefix,
                "waiting": max(0, ahead), "issued_at": now.isoformat(timespec="seconds")}

    @staticmethod
    def _call(db: Any, now: datetime, prefix: str, request_id: str) -> dict[str, Any]:
        day = now.date().isoformat()
        row = db.execute("SELECT issued, called FROM queue_counter WHERE day = ? AND "
                         "prefix = ?", (day, prefix)).fetchone()
        issued, called = row if row else (0, 0)
        cancelled = _cancelled(db, day, prefix, called)
        n = called + 1
        while n in cancelled:
            n += 1
        if n > issued:  # nobody left but cancelled numbers: they count as called
            db.execute("UPDATE queue_counter SET called = issued WHERE day = ? AND prefix = ?",
                       (day, prefix))
            return {"request_id": request_id, "prefix": prefix, "number": None, "waiting": 0}
        db.execute("UPDATE queue_counter SET called = ? WHERE day = ? AND prefix = ?",
                   (n, day, prefix))
        return {"request_id": request_id, "prefix": prefix, "number": f"{prefix}{n:03d}",
                "waiting": issued - n - sum(1 for c in cancelled if c > n)}

    def _note_offline_ticket(self, db: Any, doc: dict[str, Any], terminal: str) -> None:
        """A three-digit number a terminal issued offline is in the platform's own series,
        which continues after it. Four digits are a terminal's offline slot (A1001, A2001…),
        a series of its own that the platform never issues. A ticket carrying the key of a
        hall number (its answer was lost) cancels that number."""
        m = _NUMBER_RE.match(doc["number"])
        day = datetime.fromisoformat(doc["issued_at"]).date().isoformat()
        if m and m.group(1) == doc["prefix"] and len(m.group(2)) == 3:
            self._bump(db, day, doc["prefix"], int(m.group(2)))
        if doc.get("request_id"):
            # Only a number issued to this terminal under this key, and only once.
            db.execute("INSERT INTO queue_key(request_id, terminal, day, prefix, offline_number) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT(request_id) DO UPDATE SET "
                       "offline_number = excluded.offline_number WHERE queue_key.terminal = "
                       "excluded.terminal AND queue_key.offline_number IS NULL",
                       (str(uuid.UUID(str(doc["request_id"]))), terminal, day, doc["prefix"],
                        doc["number"]))

    @staticmethod
    def _bump(db: Any, day: str, prefix: str, at_least: int | None) -> int:
        db.execute("INSERT INTO queue_counter(day, prefix, issued) VALUES (?, ?, 0) "
                   "ON CONFLICT DO NOTHING",
                   (day, prefix))
        sql = ("UPDATE queue_counter SET issued = issued + 1" if at_least is None else
               "UPDATE queue_counter SET issued = CASE WHEN issued > ? THEN issued ELSE ? END")
        params: tuple = () if at_least is None else (at_least, at_least)
        return db.execute(sql + " WHERE day = ? AND prefix = ? RETURNING issued",
                          (*params, day, prefix)).fetchone()[0]


def pseudonym_key(master: bytes) -> bytes:
    """The key of the platform's pseudonyms, derived from ``platform.key`` (缴费 and the
    audit use the same, so one person is one pseudonym across them)."""
    return HKDF(hashes.SHA256(), 32, salt=None,
                info=b"gov-kiosk platform pseudonyms").derive(master)


def pseudonym(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest() if value else ""


def _token_sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cancelled(db: Any, day: str, prefix: str, called: int) -> set[int]:
    """The hall numbers after ``called`` cancelled by a terminal's offline ticket."""
    return {n for (n,) in db.execute(
        "SELECT n FROM queue_key WHERE day = ? AND prefix = ? AND n > ? AND offline_number "
        "IS NOT NULL", (day, prefix, called))}


# --- PostgreSQL -----------------------------------------------------------------------------
_PG_TYPES = [  # SQLite's schema in PostgreSQL's words (REAL is 4 bytes there: seconds need 8)
    (re.compile(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b"),
     "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
]


def is_postgres_url(db: str | os.PathLike[str]) -> bool:
    return str(db).startswith(POSTGRES_SCHEMES)


class _PgConnection:
    """A psycopg connection that speaks the store's SQLite-flavoured SQL: ``?``
    placeholders become ``%s``. Autocommit outside ``_PgTransaction``, as the SQLite
    connections (``isolation_level=None``)."""

    def __init__(self, url: str, durable: bool) -> None:
        import psycopg  # the platform extra; only a platform on PostgreSQL needs it

        self._conn = psycopg.connect(url, autocommit=True)
        if not durable:  # as SQLite's synchronous=NORMAL: a crash may lose the newest
            self._conn.execute("SET synchronous_commit = off")

    def create_schema(self, script: str) -> None:
        for old, new in _PG_TYPES:
            script = old.sub(new, script)
        with self._conn.transaction():
            # Two workers starting at once must not both create the tables.
            self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('kiosk-platform-schema'))")
            self._conn.execute(script)

    def execute(self, sql: str, params: tuple | list = ()) -> Any:
        return self._conn.execute(sql.replace("?", "%s"), params)

    def transaction(self) -> Any:
        return self._conn.transaction()

    def close(self) -> None:
        self._conn.close()


class _PgTransaction:
    """A read-committed transaction; ``guard``: an advisory lock held to its end, so
    transactions that read then write the same things run one after the other, in every
    server process (what ``BEGIN IMMEDIATE`` does for all of SQLite's)."""

    def __init__(self, db: _PgConnection, lock: threading.RLock, guard: str | None) -> None:
        self._db, self._lock, self._guard = db, lock, guard
        self._tx: Any = None

    def __enter__(self) -> _PgConnection:
        self._lock.acquire()
        try:
            self._tx = self._db.transaction()
            self._tx.__enter__()
            if self._guard is not None:
                self._db.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (self._guard,))
        except BaseException:
            if self._tx is not None:
                self._tx.__exit__(*sys.exc_info())
            self._lock.release()
            raise
        return self._db

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        try:
            self._tx.__exit__(exc_type, exc, tb)
        finally:
            self._lock.release()
