"""进度查询 without Qt: 补交材料 for a case in 补正 (the pages become one PDF, the supplement
goes to the outbox bound to the case, and syncs like a case), and the last known state of a
person's cases for when the platform cannot be reached.

The last lookup is kept sealed with the outbox's key, in a file whose name is a keyed hash
of the ID number and whose seal is bound to that ID number: only the card that asked opens
it. It is kept ``KEEP_DAYS`` at most; the flow holds it in memory only while the session
lasts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from drivers.camera.output import pages_pdf
from drivers.idcard.privacy import mask_id_number
from offline_cache.crypto import Sealer, SealError
from offline_cache.durable import atomic_write
from offline_cache.outbox import UNSENT, CaseOutbox, Kind, State

log = logging.getLogger(__name__)

KEEP_DAYS = 30  # the last known state of a person's cases is kept this long at most
SERVICE = "progress:supplement"


class Supplement(BaseModel):
    """What the platform receives with the PDF: the case, who hands in (the case's
    applicant: the platform checks), the material asked for, how many pages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    case_number: Annotated[str, Field(min_length=1, max_length=64)]
    id_number: Annotated[str, Field(pattern=r"^[0-9]{17}[0-9X]$")]
    material: Annotated[str, Field(min_length=1, max_length=60)]
    pages: Annotated[int, Field(ge=1, le=50)]
    submitted_at: AwareDatetime

    def body(self) -> dict[str, Any]:
        out = self.model_dump(mode="json")
        out["submitted_at"] = self.submitted_at.isoformat(timespec="seconds")
        return out


def save_supplement(outbox: CaseOutbox, case_number: str, id_number: str, material: str,
                    pages: list[bytearray], now: datetime) -> tuple[str, str]:
    """补交: the pages as one PDF, in the outbox (sealed) with the supplement that names the
    case, then finalized for the sync. Returns the outbox id and the PDF's SHA-256. Off the
    GUI thread."""
    pdf = pages_pdf([bytes(p) for p in pages], title=material)
    body = Supplement(case_number=case_number, id_number=id_number, material=material,
                      pages=len(pages), submitted_at=now).body()
    uuid = outbox.create_supplement(SERVICE, body)
    sha = outbox.add_attachment(uuid, pdf, "application/pdf", "supplement")
    outbox.finalize(uuid)
    log.info("supplement for case %s (%s, %d pages) saved as %s", case_number,
             mask_id_number(id_number), len(pages), uuid)
    return uuid, sha


def unsent_supplements(outbox: CaseOutbox, id_number: str) -> dict[str, str]:
    """Case number → material of this person's supplements not yet confirmed by the
    platform (a draft is one being saved)."""
    out: dict[str, str] = {}
    for rec in outbox.records():
        if rec.kind is not Kind.SUPPLEMENT or rec.state not in (*UNSENT, State.DRAFT):
            continue
        body = outbox.body(rec.uuid) or {}
        if body.get("id_number") == id_number:
            out[body["case_number"]] = body["material"]
    return out


class ProgressMemory:
    """The last lookup of each person's cases, sealed, one file a person."""

    def __init__(self, folder: Path, sealer: Sealer, name_key: bytes,
                 clock: Callable[[], float] = time.time) -> None:
        self.folder, self.sealer, self._name_key, self.clock = folder, sealer, name_key, clock

    def _path(self, id_number: str) -> Path:
        name = hmac.new(self._name_key, b"progress/" + id_number.encode(), hashlib.sha256)
        return self.folder / name.hexdigest()[:40]

    def save(self, id_number: str, cases: list[dict[str, Any]]) -> None:
        doc = json.dumps({"saved_at": self.clock(), "cases": cases}, ensure_ascii=False)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(self._path(id_number),
                     self.sealer.seal(doc.encode(), b"progress/" + id_number.encode()))
        self.sweep()

    def load(self, id_number: str) -> tuple[float, list[dict[str, Any]]] | None:
        """(when it was looked up, the cases) or None: nothing kept, too old or unreadable."""
        path = self._path(id_number)
        try:
            doc = json.loads(self.sealer.open(path.read_bytes(),
                                              b"progress/" + id_number.encode()))
        except FileNotFoundError:
            return None
        except (OSError, SealError, ValueError) as e:
            log.warning("progress: the kept state of %s cannot be read: %s",
                        mask_id_number(id_number), e)
            return None
        if self.clock() - doc["saved_at"] > KEEP_DAYS * 86400:
            path.unlink(missing_ok=True)
            return None
        return float(doc["saved_at"]), doc["cases"]

    def sweep(self) -> None:
        """Files older than ``KEEP_DAYS`` go (by their time on disk: no need to open them)."""
        cutoff = time.time() - KEEP_DAYS * 86400
        for path in self.folder.glob("*"):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)


def age_parts(seconds: float) -> tuple[str, int]:
    """How old, as a unit the screens word ("minutes", "hours", "days") and a count."""
    minutes = max(1, int(seconds // 60))
    if minutes < 60:
        return "minutes", minutes
    if minutes < 48 * 60:
        return "hours", minutes // 60
    return "days", minutes // 1440
