"""What the simulated printers keep of what they printed: only the owner may read it, and
only for a while (certificates carry a full name and ID number; receipts a case number).
Like the outbox, the spool is purged by retention: each file older than it is deleted
when the printer is plugged in and after each job."""

from __future__ import annotations

import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)
RETENTION = 72 * 3600.0  # seconds; the kiosk passes its store.purge_after_hours


def open_spool(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)


def kept(path: Path) -> Path:
    """A file just printed: the owner's alone."""
    path.chmod(0o600)
    return path


def purge_spool(folder: Path, pattern: str, older_than: float) -> int:
    cutoff = time.time() - older_than
    gone = 0
    for path in folder.glob(pattern):
        try:
            if path.stat().st_mtime <= cutoff:
                path.unlink()
                gone += 1
        except FileNotFoundError:
            continue
    if gone:
        log.info("simulated printer spool %s: %d file(s) past retention deleted",
                 folder.name, gone)
    return gone
