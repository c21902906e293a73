"""USB sticks for staff mode's exports (no Qt): which mounted stick to write to, and the
masked log tail staff read on screen and take away.

A stick counts when it is mounted one level under a user folder of a mount root
(``/media/<user>/<label>``, ``/run/media/<user>/<label>``, as udisks mounts them) and the
kiosk may write to it. The roots are config ``staff.usb_roots``; tests give a temporary
folder and treat its folders as mounted (``is_mount``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.privacy import masking_filter

LOG_LINES = 200  # the last lines staff see on the logs page
LOG_TAIL_BYTES = 256 << 10  # read from the end of the log file for them


def is_mount(path: Path) -> bool:
    return os.path.ismount(path)


def find_stick(roots: Iterable[str | Path]) -> Path | None:
    """The first writable stick mounted under ``roots`` (sorted by path), or None."""
    for root in roots:
        try:
            users = sorted(p for p in Path(root).iterdir() if p.is_dir())
        except OSError:
            continue
        for user in users:
            try:
                mounts = sorted(p for p in user.iterdir() if p.is_dir())
            except OSError:
                continue
            for mount in mounts:
                if is_mount(mount) and os.access(mount, os.W_OK | os.X_OK):
                    return mount
    return None


def mask(text: str) -> str:
    """ID and mobile numbers by pattern, and the names and addresses of citizens being
    served now (the log file was masked as it was written; this is a second pass)."""
    return masking_filter.mask(text)


def log_tail(log_dir: Path, lines: int = LOG_LINES) -> list[str]:
    """The last ``lines`` lines of the kiosk's log (``kiosk.log``, then the rotated one
    before it if that is short), masked."""
    out: list[str] = []
    for path in (log_dir / "kiosk.log", log_dir / "kiosk.log.1"):
        if len(out) >= lines:
            break
        try:
            with path.open("rb") as f:
                f.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
                text = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        got = text.splitlines()
        if path.stat().st_size > LOG_TAIL_BYTES and got:
            got = got[1:]  # the first one was cut
        out = got[-(lines - len(out)):] + out
    return [mask(line) for line in out[-lines:]]


def dated_folder(stick: Path, terminal_id: str, what: str, now: datetime) -> Path:
    """A new folder on the stick for one export: ``kiosk-<terminal>-<what>-<date-time>``."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in terminal_id)
    base = stick / f"kiosk-{safe}-{what}-{now:%Y%m%d-%H%M%S}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    folder.mkdir(parents=True)
    return folder


def export_logs(stick: Path, log_dir: Path, doctor: dict[str, Any], terminal_id: str,
                now: datetime | None = None) -> Path:
    """The kiosk's logs (every file, masked) and the doctor report, in a dated folder on
    the stick; returns the folder. Slow on a slow stick: call it off the GUI thread."""
    folder = dated_folder(stick, terminal_id, "logs", now or datetime.now())
    for path in sorted(log_dir.glob("kiosk.log*")):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        (folder / f"{path.name}.txt").write_text(mask(text), encoding="utf-8")
    (folder / "doctor.json").write_text(
        mask(json.dumps(doctor, ensure_ascii=False, indent=2)), encoding="utf-8")
    _flush(folder)
    return folder


def _flush(folder: Path) -> None:
    """What was written reaches the stick before staff pull it out."""
    if hasattr(os, "sync"):  # not on every platform
        os.sync()
    shutil.disk_usage(folder)  # the stick is still there (OSError if it went)
