"""Files that are either wholly there or not there at all, even across a power cut.

A blob is written to a temporary file in the same folder, flushed to the disk (fsync),
renamed over its final name (atomic on POSIX) and the folder itself is fsynced so the
rename survives too. A crash at any point leaves either no file or the complete file,
plus at worst a stray ``.tmp`` that ``sweep_temp`` removes.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    """Write ``data`` to a new temporary file beside ``path``, on disk (fsync)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so that a crash never leaves a partial file there."""
    tmp = _write_temp(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def create_exclusive(path: Path, data: bytes, mode: int = 0o600) -> bool:
    """Create ``path`` with ``data`` unless it exists; True if this call created it.

    Two processes racing to create the same file (e.g. a key) both end up using the one
    that won: the file is linked into place, which fails if the name is taken.
    """
    tmp = _write_temp(path, data, mode)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def sweep_temp(folder: Path, older_than: float = 3600.0) -> int:
    """Remove temporary files a crash left behind under ``folder``; returns how many.

    Only files untouched for ``older_than`` seconds go: a younger one may be a write in
    progress in another thread or process.
    """
    if not folder.exists():
        return 0
    cutoff = time.time() - older_than
    stray = [p for p in folder.rglob(f".*{TEMP_SUFFIX}")
             if p.is_file() and p.stat().st_mtime < cutoff]
    for p in stray:
        p.unlink(missing_ok=True)
    return len(stray)
