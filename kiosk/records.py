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


# 视频咨询 not had: why staff are asked to call back (the platform's words).
CALLBACK_WHY = {
    "closed": "视频咨询不在服务时间，请工作人员回电",
    "no_answer": "视频咨询无人接听，请工作人员回电",
    "failed": "视频咨询未能接通，请工作人员回电",
    "kiosk": "视频咨询中断，请工作人员回电",
    "staff": "视频咨询后仍需帮助，请工作人员回电",
}


# 差评: why, as the 好差评 rules ask a 不满意 or 非常不满意 to say (platform's words).
BAD_REASONS = {
    "steps": "办理流程繁琐",
    "materials": "材料要求多、反复提交",
    "slow": "办理时间长",
    "kiosk": "自助终端不好用",
    "guide": "办事指南不清楚",
    "other": "其他",
}


class Evaluation(_Body):
    """好差评 of a service: the score (and a 差评's reasons), nothing that says who rated;
    an application's is bound to its case (一事一评)."""

    score: Annotated[int, Field(ge=1, le=5)]
    case_id: UUID | None = None
    reasons: tuple[str, ...] = ()  # BAD_REASONS words; at least one for a score of 1 or 2

    @classmethod
    def of(cls, score: int, reasons: list[str], case_id: str | None = None) -> Evaluation:
        if score <= 2 and not reasons:
            raise ValueError("a 差评 needs at least one reason")
        return cls(score=score, case_id=case_id,
                   reasons=tuple(BAD_REASONS[r] for r in reasons))


class Report(_Body):
    """办不成事: why the citizen could not get something done, nothing about the person."""

    reason: str
    description: str

    @classmethod
    def of(cls, reason: str) -> Report:
        return cls(reason=reason, description=REPORT_REASONS[reason])


class Callback(_Body):
    """视频咨询 could not be had (outside the hall's hours, nobody answered, the call failed):
    the citizen asks staff to call back. The number is the only thing about the person,
    kept sealed in the outbox and on the platform; logs show it masked (138****5678)."""

    reason: str = "callback"
    description: str
    contact_phone: Annotated[str, Field(pattern=r"^1[3-9][0-9]{9}$")]

    @classmethod
    def of(cls, phone: str, why: str) -> Callback:
        return cls(description=CALLBACK_WHY.get(why, CALLBACK_WHY["failed"]),
                   contact_phone=phone)


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
