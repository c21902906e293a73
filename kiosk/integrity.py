"""Damaged local files: found before anything opens them, moved aside, never deleted.

A kiosk's stores and keys can be damaged by a power cut, a failing disk or a careless copy:
an SQLite file overwritten with something else, a key file cut short, a secret that is no
longer hex. Opening them would stop the start with a traceback, and "repairing" them (a new
key, an empty store) would silently lose what the old ones hold. So before the kiosk opens
anything, each file is checked; a damaged one is renamed ``<name>.damaged-<UTC time>`` in
its own folder, kept byte for byte for staff to examine or recover from, and the kiosk
starts out of service: citizens see a plain notice, ``kiosk doctor`` names the file, what is
wrong with it and where it now is. The kiosk stays out of service while a moved-aside file
is still in the data folder; staff take it out once they have dealt with it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.config import KioskConfig
from offline_cache import keystore
from offline_cache.crypto import MASTER_KEY_BYTES

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
DAMAGED = ".damaged-"
MIN_SECRET_BYTES = 16


@dataclass(frozen=True)
class Damage:
    """One damaged file: where it was, where it is now, what is wrong with it."""

    path: Path
    moved_to: Path | None  # None: it could not be moved (it stays, the kiosk still stops)
    reason: str

    def line(self) -> str:
        """The doctor's line for it."""
        where = (f"moved aside to {self.moved_to.name} (kept for examination)"
                 if self.moved_to else "could not be moved aside")
        return f"{self.path}: {self.reason}; {where}"

    def as_dict(self) -> dict[str, str | None]:
        return {"path": str(self.path), "moved_to": str(self.moved_to) if self.moved_to else None,
                "reason": self.reason}


def _sqlite_problem(path: Path) -> str | None:
    head = path.read_bytes()[:len(SQLITE_HEADER)] if path.stat().st_size else SQLITE_HEADER
    if head != SQLITE_HEADER:
        return "not an SQLite database (its header is something else)"
    try:
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
        try:
            rows = db.execute("PRAGMA quick_check").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        return f"SQLite cannot read it ({e})"
    if rows != [("ok",)]:
        return f"SQLite finds it damaged ({rows[0][0]})"
    return None


def _key_problem(path: Path) -> str | None:
    size = path.stat().st_size
    if size != MASTER_KEY_BYTES:
        return f"a key file of {size} bytes, expected {MASTER_KEY_BYTES} (cut short or replaced)"
    return None


def _cred_problem(path: Path) -> str | None:
    try:
        key = keystore.unseal(path)
    except keystore.KeystoreError as e:
        return f"the sealed key does not open on this machine ({e})"
    if len(key) != MASTER_KEY_BYTES:
        return f"the sealed key is {len(key)} bytes, expected {MASTER_KEY_BYTES}"
    return None


def _secret_cred_problem(path: Path) -> str | None:
    try:
        text = keystore.unseal(path, keystore.SECRET_CRED_NAME)
    except keystore.KeystoreError as e:
        return f"the sealed terminal secret does not open on this machine ({e})"
    return _secret_text_problem(text)


def _secret_problem(path: Path) -> str | None:
    return _secret_text_problem(path.read_bytes())


def _secret_text_problem(text: bytes) -> str | None:
    try:
        secret = bytes.fromhex(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        return "the terminal secret is not hex text"
    if len(secret) < MIN_SECRET_BYTES:
        return f"the terminal secret is {len(secret)} bytes, at least {MIN_SECRET_BYTES} needed"
    return None


def watched_files(config: KioskConfig) -> list[tuple[Path, Callable[[Path], str | None]]]:
    """Each file the kiosk opens at start, with the check that tells it is damaged."""
    data = config.data_dir
    secret = Path(config.platform.secret_file) if config.platform.secret_file else (
        data / "platform.secret")
    return [(data / "store.key", _key_problem), (data / "store.key.cred", _cred_problem),
            (secret, _secret_problem), (keystore.cred_path(secret), _secret_cred_problem),
            (data / "outbox" / "outbox.sqlite3", _sqlite_problem),
            (data / "queue.sqlite3", _sqlite_problem),
            (data / "platform" / "platform.sqlite3", _sqlite_problem),
            (data / "platform" / "platform.key", _key_problem),
            (data / "platform" / "platform.key.cred", _cred_problem)]


def move_aside(path: Path) -> Path | None:
    """Rename ``path`` (and an SQLite file's -wal/-shm with it) out of the way."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}{DAMAGED}{stamp}")
    try:
        os.rename(path, target)
    except OSError as e:
        log.error("damaged file %s could not be moved aside: %s", path, e)
        return None
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.rename(side, target.with_name(target.name + suffix))
    return target


def check_local_files(config: KioskConfig) -> list[Damage]:
    """Check every watched file, move the damaged ones aside; returns what is damaged,
    now or earlier (a file moved aside on a previous start and still there)."""
    found = []
    for path, problem in watched_files(config):
        try:
            reason = problem(path) if path.is_file() else None
        except OSError as e:
            reason = f"cannot be read ({e.strerror})"
        if reason is not None:
            moved = move_aside(path)
            log.error("damaged local file %s: %s; moved aside to %s", path, reason, moved)
            found.append(Damage(path, moved, reason))
    for path, _ in watched_files(config):
        if path.parent.is_dir():
            for earlier in sorted(path.parent.glob(f"{path.name}{DAMAGED}*")):
                if earlier.name.endswith(("-wal", "-shm", "-journal")):
                    continue
                if all(d.moved_to != earlier for d in found):
                    found.append(Damage(path, earlier, "moved aside on an earlier start"))
    return found
