"""The queue ticket (排队凭条) printed when a citizen takes a number.

Written for the oldest citizens in the hall: the number is the biggest thing on the paper,
everything they must read is at least double size, and only the technician's line is small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from drivers.escpos.profiles import ReceiptProfile, get_profile
from printer_templates.escpos import EscPosBuilder

# Sizes as (width, height) magnifications of the printer's 12x24 font.
_NUMBER_MAX_SIZE = 6  # "A012" is 288 dots wide, 144 tall: 18 mm high on the paper
_HEADING_SIZE = (2, 2)
_BODY_SIZE = (2, 2)
_QR_MODULE_DOTS = 7  # about 30 mm for a short URL: phones read it from arm's length


@dataclass(frozen=True)
class QueueTicket:
    number: str  # e.g. "A012"
    category: str  # e.g. "社保医保"
    waiting: int  # people ahead in this category
    issued_at: datetime
    hall_name: str
    terminal_id: str
    qr_data: str  # URL to follow the queue on a phone
    offline: bool = False  # issued by the terminal's offline fallback


def render_queue_ticket(
    ticket: QueueTicket, job_id: str | None = None, profile: ReceiptProfile | None = None
) -> bytes:
    b = EscPosBuilder.for_profile(profile or get_profile())
    b.init().align("center")

    b.bold(True).fit(ticket.hall_name, *_HEADING_SIZE).bold(False)
    b.size(1, 1).rule("-")
    b.fit("排队凭条", *_HEADING_SIZE)

    # As big as fits on one line: a wrapped number is worse than a smaller one.
    number_size = b.fitting_width(ticket.number, _NUMBER_MAX_SIZE)
    b.size(number_size, number_size).bold(True).line(ticket.number).bold(False)

    b.bold(True).fit(ticket.category, *_BODY_SIZE).bold(False)
    b.fit(f"前面还有 {max(ticket.waiting, 0)} 人等候", *_BODY_SIZE)
    b.fit(ticket.issued_at.strftime("%Y-%m-%d %H:%M"), *_BODY_SIZE)
    if ticket.offline:
        # The number came from the terminal, not the hall's queue system: staff must know.
        b.size(1, 1).bold(True).line("离线取号").bold(False)

    b.size(1, 1).feed(1).qr(ticket.qr_data, size=_QR_MODULE_DOTS, ecc="M").feed(1)
    b.fit("手机扫码查看排队进度", *_BODY_SIZE)
    b.size(1, 1).rule("-")

    b.fit("请留意叫号屏幕和语音提示", *_BODY_SIZE)
    b.fit("过号请重新取号", *_BODY_SIZE)

    b.size(1, 1).feed(1)
    footer = f"终端 {ticket.terminal_id}"
    if job_id:
        footer += f"  凭条 {job_id}"
    b.line(footer)
    b.feed(2).cut()
    return b.to_bytes()
