"""The 补交回执 on the receipt printer: given when a citizen hands in, at the kiosk, what a case
in 补正 asked for. Short: which case, which material and how many pages, when, and whether it
is already with the platform or leaves when the network is back; the case QR to follow it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from drivers.escpos.profiles import ReceiptProfile, get_profile
from printer_templates.acceptance_receipt import _labelled, _logo
from printer_templates.escpos import EscPosBuilder

_TITLE_SIZE = (2, 2)
_BODY_SIZE = (1, 2)
_QR_MODULE_DOTS = 6


@dataclass(frozen=True)
class SupplementReceipt:
    hall_name: str
    terminal_id: str
    case_number: str
    material: str
    pages: int
    handed_in_at: datetime
    progress_url: str
    online: bool = True  # False: kept at the kiosk, sent when the network is back


def render_supplement_receipt(r: SupplementReceipt,
                              profile: ReceiptProfile | None = None) -> bytes:
    b = EscPosBuilder.for_profile(profile or get_profile())
    b.init().align("center").image(_logo()).feed(1)
    b.bold(True).fit(r.hall_name, *_TITLE_SIZE)
    b.fit("补交回执", *_TITLE_SIZE).bold(False)
    b.size(1, 1).rule("-")
    b.size(*_BODY_SIZE).line("受理编号")
    b.bold(True).fit(r.case_number, *_TITLE_SIZE).bold(False)
    b.size(1, 1).rule("-").align("left")
    _labelled(b, "补交材料", r.material)
    _labelled(b, "页数", f"{r.pages}页（拍照件）")
    _labelled(b, "补交时间", r.handed_in_at.strftime("%Y-%m-%d %H:%M"))
    b.bold(True)
    _labelled(b, "状态", "已提交，等待审查" if r.online else "已在本机保存，联网后自动提交")
    b.bold(False)
    b.size(1, 1).rule("-").align("center").feed(1)
    b.qr(r.progress_url, size=_QR_MODULE_DOTS, ecc="M").feed(1)
    b.fit("扫码查看办理进度", *_TITLE_SIZE)
    b.size(1, 1).feed(1).line(f"终端 {r.terminal_id}").feed(2).cut()
    return b.to_bytes()
