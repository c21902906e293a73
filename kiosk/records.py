"""What the kiosk sends to the platform, typed: each record's body is built here, from domain
values, never from the words on a screen (a wording edit must not change a government
record). The platform's side of the same contract is ``docs/platform-openapi.yaml``; a test
checks these bodies against the reference platform's models."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# 办不成事: the reasons as the platform records them. The screen words them in each language.
REPORT_REASONS = {
    "not_found": "找不到要办的事项",
    "materials": "材料或证明开不出来",
    "repeat": "让我多次跑、反复交材料",
    "device": "机器或系统出了问题",
    "other": "其他原因",
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class Evaluation(_Body):
    """好差评 of a service: the score only, nothing that says who rated."""

    score: Annotated[int, Field(ge=1, le=5)]


class Report(_Body):
    """办不成事: why the citizen could not get something done, nothing about the person."""

    reason: str
    description: str

    @classmethod
    def of(cls, reason: str) -> Report:
        return cls(reason=reason, description=REPORT_REASONS[reason])


class OfflineTicket(_Body):
    """A queue number this kiosk issued while the hall's queue service did not answer."""

    number: Annotated[str, Field(pattern=r"^[A-Z][0-9]{3,4}$")]
    prefix: Annotated[str, Field(pattern=r"^[A-Z]$")]
    issued_at: AwareDatetime
    request_id: UUID | None = None  # the hall number asked for under this key is cancelled

    def body(self) -> dict[str, Any]:
        out = super().body()
        out["issued_at"] = self.issued_at.isoformat(timespec="seconds")
        return out
