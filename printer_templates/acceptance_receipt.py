"""The acceptance receipt (受理回执) on the receipt printer, given when a case is accepted.

It tells the citizen what the hall now holds and what they still owe: the case number to
quote, the materials received, each 容缺 item with the date it must be handed in by, when
the case will be done, and a QR to follow its progress. The applicant's name is masked
(张*三): a slip left on the counter must not give away who applied for what.
The same data renders as an A4 document (``certificates/acceptance_receipt.toml``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from PIL import Image

from drivers.escpos.profiles import ReceiptProfile, get_profile
from drivers.idcard.privacy import mask_name
from printer_templates.escpos import EscPosBuilder

LOGO_PATH = Path(__file__).with_name("assets") / "receipt-logo.png"
_TITLE_SIZE = (2, 2)
_BODY_SIZE = (1, 2)  # double height: readable for older eyes, still 48/32 columns wide
_QR_MODULE_DOTS = 6


@dataclass(frozen=True)
class Material:
    name: str
    form: str = "原件"  # 原件 / 复印件 / 电子件
    copies: int = 1


@dataclass(frozen=True)
class DeferredMaterial:
    """A material accepted as missing (容缺受理) on the citizen's promise to bring it."""

    name: str
    deadline: date


@dataclass(frozen=True)
class AcceptanceReceipt:
    hall_name: str
    terminal_id: str
    case_number: str
    matter: str
    applicant: str
    accepted_at: datetime
    promised_by: date
    progress_url: str
    materials: tuple[Material, ...] = ()
    deferred: tuple[DeferredMaterial, ...] = ()
    to_show: tuple[str, ...] = ()  # originals to show at the window when the result is taken
    pledged: tuple[str, ...] = ()  # 告知承诺制: replaced by the signed promise
    agent: str = ""  # 帮代办: the agent, masked, and the relation
    delivery: str = ""  # how the result reaches the citizen, e.g. 免费邮寄到家
    phone: str = ""


@functools.cache
def _logo() -> Image.Image:
    with Image.open(LOGO_PATH) as img:
        return img.copy()


def _date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def render_acceptance_receipt(
    receipt: AcceptanceReceipt, job_id: str | None = None, profile: ReceiptProfile | None = None
) -> bytes:
    b = EscPosBuilder.for_profile(profile or get_profile())
    b.init().align("center").image(_logo()).feed(1)
    b.bold(True).fit(receipt.hall_name, *_TITLE_SIZE)
    b.fit("受理回执", *_TITLE_SIZE).bold(False)
    b.size(1, 1).rule("-")

    b.size(*_BODY_SIZE).line("受理编号（查询时请提供）")
    b.bold(True).fit(receipt.case_number, *_TITLE_SIZE).bold(False)
    b.size(1, 1).rule("-").align("left")

    _labelled(b, "办理事项", receipt.matter)
    _labelled(b, "申请人", mask_name(receipt.applicant))
    if receipt.agent:
        _labelled(b, "代办人", receipt.agent)
    _labelled(b, "受理时间", receipt.accepted_at.strftime("%Y-%m-%d %H:%M"))
    b.bold(True)
    _labelled(b, "承诺办结", f"{_date(receipt.promised_by)}前")
    b.bold(False)
    if receipt.delivery:
        _labelled(b, "领取方式", receipt.delivery)

    if receipt.materials:
        b.size(1, 1).rule("-").size(*_BODY_SIZE).bold(True)
        b.line(f"已收材料（共{len(receipt.materials)}项）").bold(False)
        for i, m in enumerate(receipt.materials, 1):
            b.line(f"{i}. {m.name}（{m.form}{m.copies}份）", indent=3)

    if receipt.to_show:
        b.size(1, 1).rule("-").size(*_BODY_SIZE).bold(True)
        b.line("领取结果时请带原件核验").bold(False)
        for i, name in enumerate(receipt.to_show, 1):
            b.line(f"{i}. {name}", indent=3)

    if receipt.pledged:
        b.size(1, 1).rule("-").size(*_BODY_SIZE).bold(True)
        b.line("告知承诺：已签署承诺书，以下材料免交").bold(False)
        for i, name in enumerate(receipt.pledged, 1):
            b.line(f"{i}. {name}", indent=3)

    if receipt.deferred:
        b.size(1, 1).rule("-").size(*_BODY_SIZE).bold(True)
        b.line("容缺受理：请在期限内补交").bold(False)
        for i, d in enumerate(receipt.deferred, 1):
            b.line(f"{i}. {d.name}", indent=3)
            b.bold(True).line(f"   补交期限：{_date(d.deadline)}前", indent=3).bold(False)
        b.line("逾期未补交，申请将不予办理。", indent=0)

    b.size(1, 1).rule("-").align("center").feed(1)
    b.qr(receipt.progress_url, size=_QR_MODULE_DOTS, ecc="M").feed(1)
    b.fit("扫码查看办理进度", *_TITLE_SIZE)
    b.size(1, 1)
    if receipt.phone:
        b.size(*_BODY_SIZE).line(f"咨询电话 {receipt.phone}").size(1, 1)
    footer = f"终端 {receipt.terminal_id}"
    if job_id:
        footer += f"  凭条 {job_id}"
    b.feed(1).line(footer).feed(2).cut()
    return b.to_bytes()


def _labelled(b: EscPosBuilder, label: str, value: str) -> None:
    head = f"{label}："
    b.size(*_BODY_SIZE).line(head + value, indent=b.width_of(head))
