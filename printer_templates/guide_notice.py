"""The 一次性告知单 (one-time notice) on the receipt printer, from the service guide.

行政许可法 art. 32 and the 一次告知 rule: the citizen takes home, on one slip, everything an
item needs — what to bring (原件/复印件, how many), where and when, how long it takes, what
it costs, whom to call — and a QR of the item's public guide page (码上告知) for the rest.
Every line is wrapped here to the paper's width, with a hanging indent under its label or
number, and by the Chinese rule that no line starts with a closing mark (，。）…) nor ends
with an opening one (（“…): the printer itself never has to break a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from drivers.escpos.profiles import ReceiptProfile, get_profile
from printer_templates.escpos import EscPosBuilder

_TITLE_SIZE = (2, 2)
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕”’…—%,.;:?!)]}")
_NO_LINE_END = frozenset("（《「『【〔“‘([{")
_BODY_SIZE = (1, 2)  # double height: readable for older eyes, still 48/32 columns wide
_QR_MODULE_DOTS = 6  # ~28 mm for a 70-character guide URL


@dataclass(frozen=True)
class NoticeMaterial:
    name: str
    form: str = "原件"  # 原件 / 复印件 / 原件和复印件
    copies: int = 1
    note: str = ""  # e.g. 可容缺后补, 有电子证照的免交


@dataclass(frozen=True)
class GuideNotice:
    hall_name: str
    terminal_id: str
    matter: str  # 事项名称 (or the 一件事)
    department: str
    location: str
    hours: str
    time_limit: str  # 承诺办结时限 as read, e.g. 即办, 5个工作日
    fee: str  # 不收费, or the fee items
    phone: str
    guide_url: str
    printed_at: datetime
    materials: tuple[NoticeMaterial, ...] = ()
    complaint_phone: str = ""
    includes: tuple[str, ...] = ()  # a 一件事: the items it covers


def render_guide_notice(
    notice: GuideNotice, job_id: str | None = None, profile: ReceiptProfile | None = None
) -> bytes:
    b = EscPosBuilder.for_profile(profile or get_profile())
    b.init().align("center")
    b.bold(True).fit(notice.hall_name, *_TITLE_SIZE)
    b.fit("一次性告知单", *_TITLE_SIZE).bold(False)
    b.size(1, 1).rule("-")
    b.size(*_BODY_SIZE).bold(True)
    _wrapped(b, notice.matter)
    b.bold(False)
    b.size(1, 1).rule("-").align("left")

    _labelled(b, "办理部门", notice.department)
    _labelled(b, "办理地点", notice.location)
    _labelled(b, "办理时间", notice.hours)
    b.bold(True)
    _labelled(b, "承诺时限", notice.time_limit)
    _labelled(b, "收费", notice.fee)
    b.bold(False)

    if notice.includes:
        b.size(1, 1).rule("-").size(*_BODY_SIZE).bold(True)
        b.line(f"一次办理以下{len(notice.includes)}个事项").bold(False)
        for i, name in enumerate(notice.includes, 1):
            _numbered(b, i, name)

    b.size(1, 1).rule("-").size(*_BODY_SIZE).bold(True)
    if notice.materials:
        b.line(f"请带齐以下材料（共{len(notice.materials)}项）").bold(False)
        for i, m in enumerate(notice.materials, 1):
            _numbered(b, i, f"{m.name}（{m.form}{m.copies}份）")
            if m.note:
                _wrapped(b, m.note, _number_width(i), first_indent=True)
        _wrapped(b, "以上为办理所需的全部材料（一次性告知）。")
    else:
        _wrapped(b, "无需提交材料。")
        b.bold(False)

    b.size(1, 1).rule("-")
    _labelled(b, "咨询电话", notice.phone)
    if notice.complaint_phone:
        _labelled(b, "监督投诉", notice.complaint_phone)

    b.size(1, 1).align("center").feed(1)
    b.qr(notice.guide_url, size=_QR_MODULE_DOTS, ecc="M").feed(1)
    b.fit("扫码查看完整办事指南", *_TITLE_SIZE)
    b.size(1, 1).feed(1)
    footer = f"终端 {notice.terminal_id}  {notice.printed_at:%Y-%m-%d %H:%M}"
    if job_id:
        footer += f"  凭条 {job_id}"
    b.line(footer).feed(2).cut()
    return b.to_bytes()


def _labelled(b: EscPosBuilder, label: str, value: str) -> None:
    head = f"{label}："
    b.size(*_BODY_SIZE)
    _wrapped(b, head + value, b.width_of(head))


def _number_width(i: int) -> int:
    return len(f"{i}. ")


def _numbered(b: EscPosBuilder, i: int, text: str) -> None:
    _wrapped(b, f"{i}. {text}", _number_width(i))


def _wrapped(b: EscPosBuilder, text: str, indent: int = 0, first_indent: bool = False) -> None:
    """``text`` at body size (one column per half-width character) in lines that fit;
    continuation lines, and the first too if ``first_indent``, ``indent`` columns in."""
    cols = b.chars_per_line
    if first_indent:
        pieces = wrap(b, text, cols - indent)
        lead = [" " * indent] * len(pieces)
    else:
        pieces = wrap(b, text, cols, indent)
        lead = [""] + [" " * indent] * (len(pieces) - 1)
    for pad, piece in zip(lead, pieces, strict=True):
        b.line(pad + piece)


def wrap(b: EscPosBuilder, text: str, cols: int, indent: int = 0) -> list[str]:
    """Pieces of ``text`` that fit: the first ``cols`` columns wide, the rest ``cols -
    indent``; a closing mark never starts a piece and an opening one never ends one (up to
    two characters move to the next line for it); no piece starts with a space."""
    pieces: list[str] = []
    current = ""
    for ch in b.printable(text):
        limit = cols if not pieces else cols - indent
        if current and b.width_of(current + ch) > limit:
            keep = len(current)
            while keep > max(len(current) - 2, 1) and (
                    (current[keep:] + ch)[0] in _NO_LINE_START or
                    current[keep - 1] in _NO_LINE_END):
                keep -= 1
            pieces.append(current[:keep].rstrip(" "))
            current = current[keep:].lstrip(" ")
            if not current and ch == " ":
                continue  # a line never starts with the space that ended the last one
        current += ch
    pieces.append(current)
    return pieces
