"""Request bodies the reference platform validates (``docs/platform-openapi.yaml``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Record(_Body):
    revision: int = Field(ge=1, le=1_000_000)
    service: str = Field(min_length=1, max_length=64)
    created_at: AwareDatetime


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sha256: Sha256
    size: int = Field(ge=0, le=64 << 20)
    media_type: str = Field(min_length=1, max_length=100)
    role: str = Field(min_length=1, max_length=64)


class CaseDocument(_Record):
    form: dict[str, Any]
    attachments: list[Attachment] = Field(max_length=50)
    finalized_at: AwareDatetime


class EvaluationDocument(_Record):
    score: int = Field(ge=1, le=5)
    case_id: UUID | None = None
    comment: str = Field("", max_length=500)
    reasons: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list,
                                                                max_length=6)


class ReportDocument(_Record):
    description: str = Field(min_length=1, max_length=2000)
    contact_phone: str = Field("", max_length=20)


class TicketDocument(_Record):
    number: str = Field(pattern=r"^[A-Z][0-9]{3,4}$")
    prefix: str = Field(pattern=r"^[A-Z]$")
    issued_at: AwareDatetime
    printed: bool = False
    request_id: UUID | None = None  # the key of the hall number it replaces (then cancelled)


class SupplementDocument(_Record):
    """补交材料 for a case in 补正: the material asked for, photographed as one PDF."""

    case_number: str = Field(min_length=1, max_length=64)
    id_number: str = Field(pattern=r"^[0-9]{17}[0-9X]$")
    material: str = Field(min_length=1, max_length=60)
    pages: int = Field(ge=1, le=50)
    submitted_at: AwareDatetime
    attachments: list[Attachment] = Field(min_length=1, max_length=5)


DOCUMENTS: dict[str, type[_Record]] = {
    "case": CaseDocument, "evaluation": EvaluationDocument, "report": ReportDocument,
    "ticket": TicketDocument, "supplement": SupplementDocument,
}


class DeviceReport(_Body):
    state: Literal["ready", "busy", "absent", "error"]
    code: str = Field("", max_length=64)


class OutboxReport(_Body):
    pending: int = Field(ge=0)
    uploading: int = Field(ge=0)
    failed: int = Field(ge=0)
    rejected: int = Field(ge=0)
    oldest_unsent_age_s: float | None = Field(None, ge=0)


class Enrolment(_Body):
    terminal_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,32}$")
    token: str = Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class Heartbeat(_Body):
    terminal_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,32}$")
    version: str = Field(max_length=32)
    devices: dict[str, DeviceReport]
    consumables: dict[str, Literal["ok", "near_end", "out", "unknown"]]
    outbox: OutboxReport
    free_disk_mb: int = Field(ge=0)


class CommandAck(_Body):
    status: Literal["received", "done", "refused", "failed"]
    detail: str = Field("", max_length=500)


class NumberRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: UUID
