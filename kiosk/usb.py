"""USB sticks for staff mode's exports (no Qt): which mounted stick to write to, the masked
log tail staff read on screen and take away, and a rejected case handed to a counter.

A stick counts when it is mounted one level under a user folder of a mount root
(``/media/<user>/<label>``, ``/run/media/<user>/<label>``, as udisks mounts them) and the
kiosk may write to it. The roots are config ``staff.usb_roots``; tests give a temporary
folder and treat its folders as mounted (``is_mount``).
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.privacy import mask_text, masking_filter

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


_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf",
           "image/tiff": ".tif", "text/plain": ".txt", "application/json": ".json"}
_KIND_ZH = {"case": "申报", "supplement": "补交材料", "report": "办不成事", "evaluation": "评价",
            "ticket": "离线取号"}


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S") if epoch else "—"


def case_readme(record: Any, service_name: str, reason: str, files: list[str],
                terminal_id: str, hall: str, now: datetime) -> str:
    """README.txt of an exported case, for the counter: what it is, why the platform
    refused it, what to do, what the zip holds. No personal data in it (the form is)."""
    kind = str(record.kind)
    lines = [
        "自助终端被拒收的办件（供人工窗口受理）",
        "",
        f"事项：{service_name}",
        f"类型：{_KIND_ZH.get(kind, kind)}",
        f"办件编号：{record.uuid}",
        f"终端：{terminal_id}  {hall}",
        f"提交时间：{_when(record.finalized_at or record.created_at)}",
        f"拒收原因：{reason}",
        f"平台返回：{mask_text(record.last_error)[:300] or '—'}",
        f"导出时间：{now:%Y-%m-%d %H:%M:%S}",
        "",
        "处理办法：请窗口人员打开 form.json 核对申请内容和 attachments 文件夹里的材料，",
        "联系申请人后按窗口流程代为受理或补正。",
        "",
        "注意：本文件含申请人个人信息。受理后请从U盘删除，不要转发或留存在个人电脑上。",
        "",
        "文件：",
        "  README.txt    本说明",
        "  form.json     申请内容（JSON，UTF-8）",
        *(f"  {name}" for name in files),
        "",
        "--- English ---",
        f"A {kind} ({record.service}) the government platform refused "
        f"({record.last_error.split(':')[0][:40] or 'refused'}), "
        "exported from the self-service kiosk for a service window to handle by hand.",
        "It holds the applicant's personal data: delete it from the stick once handled.",
    ]
    return "\r\n".join(lines) + "\r\n"  # Windows' Notepad at the counter


def export_case(stick: Path, terminal_id: str, hall: str, record: Any, body: dict[str, Any],
                attachments: list[tuple[Any, bytes]], service_name: str, reason: str,
                now: datetime | None = None) -> Path:
    """One refused record as a zip in a dated folder on the stick: README.txt, form.json
    (the record's body as sealed in the outbox, opened) and its attachments (opened and
    checked against their hashes by the outbox). Returns the zip's path. Off the GUI
    thread."""
    now = now or datetime.now()
    folder = dated_folder(stick, terminal_id, "case", now)
    files, seen = [], set()
    for ref, _data in attachments:
        base = f"attachments/{ref.role or 'file'}-{ref.sha256[:8]}"
        name = base + _SUFFIX.get(ref.media_type, ".bin")
        n = 1
        while name in seen:
            n += 1
            name = f"{base}-{n}{_SUFFIX.get(ref.media_type, '.bin')}"
        seen.add(name)
        files.append(name)
    doc = {"uuid": record.uuid, "kind": str(record.kind), "service": record.service,
           "revision": record.revision, "created_at": _when(record.created_at),
           "finalized_at": _when(record.finalized_at), "rejected": reason,
           "attachments": [{**ref.document(), "file": name}
                           for (ref, _d), name in zip(attachments, files, strict=True)],
           "body": body}
    path = folder / f"{record.service}-{record.uuid[:8]}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", case_readme(record, service_name, reason, files,
                                             terminal_id, hall, now))
        z.writestr("form.json", json.dumps(doc, ensure_ascii=False, indent=2))
        for (_ref, data), name in zip(attachments, files, strict=True):
            z.writestr(name, data)
    _flush(folder)
    return path


def _flush(folder: Path) -> None:
    """What was written reaches the stick before staff pull it out."""
    if hasattr(os, "sync"):  # not on every platform
        os.sync()
    shutil.disk_usage(folder)  # the stick is still there (OSError if it went)
