"""Service flows, written without Qt: what happens after a tap.

Each function here blocks (the disk, the platform, a device): the Qt shell runs it through
its one task runner (``kiosk.tasks``) and shows the outcome when it is done. What goes to
the platform is built here from domain data, never from the screens' wording.
"""

from __future__ import annotations

import logging
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from drivers.base import DeviceError
from kiosk.config import QueueCategory
from kiosk.context import KioskContext
from offline_cache.outbox import Kind
from printer_templates.queue_ticket import QueueTicket, render_queue_ticket

log = logging.getLogger(__name__)

PRINT_DEADLINE = 30.0  # seconds from submitting a ticket to the printer saying it is done

# 办不成事 reasons as the platform records them. The screens word them in each language;
# editing that wording must not change what the records say.
REPORT_REASONS = {
    "not_found": "找不到要办的事项",
    "materials": "材料或证明开不出来",
    "repeat": "让我多次跑、反复交材料",
    "device": "机器或系统出了问题",
    "other": "其他原因",
}


@dataclass(frozen=True)
class TicketOutcome:
    number: str
    category: QueueCategory
    waiting: int
    printed: bool
    error_code: str = ""


class ServiceFlows:
    """The work behind the screens: queue tickets, and the records a visit leaves for the
    platform (好差评, 办不成事)."""

    def __init__(self, ctx: KioskContext) -> None:
        self.ctx = ctx

    def category(self, prefix: str) -> QueueCategory:
        return next(c for c in self.ctx.config.queue.categories if c.prefix == prefix)

    def rate(self, prefix: str, score: int) -> str:
        """The citizen's 好差评 of the service (1 非常不满意 … 5 非常满意), kept in the outbox
        for the platform. Only the category and the score: nothing says who rated."""
        assert self.ctx.outbox is not None
        return self.ctx.outbox.add_record(Kind.EVALUATION, f"queue:{prefix}", {"score": score})

    def report(self, reason: str) -> str:
        """A 办不成事 report: what could not be done, kept in the outbox for the platform.
        Nothing says who reported."""
        assert self.ctx.outbox is not None
        return self.ctx.outbox.add_record(Kind.REPORT, "report", {
            "reason": reason, "description": REPORT_REASONS[reason]})

    def take(self, prefix: str) -> TicketOutcome:
        """A queue number (durably) and its printed ticket."""
        ctx = self.ctx
        cat = self.category(prefix)
        # The number is taken (durably) before printing: if the printer fails, the citizen
        # still has a number, shown on screen.
        issued = ctx.issue_number(cat.prefix)
        term = ctx.config.terminal
        ticket = QueueTicket(
            number=issued.number,
            category=cat.name_zh,
            waiting=issued.waiting,
            issued_at=issued.issued_at,
            hall_name=term.hall_name,
            terminal_id=term.id,
            qr_data=ctx.config.queue.follow_url.format(
                terminal=term.id, date=issued.issued_at.date().isoformat(), number=issued.number
            ),
            offline=issued.offline,
        )
        data = render_queue_ticket(ticket, job_id=issued.job_id, profile=ctx.receipt_profile)
        try:
            ctx.devices.printer.print_job(issued.job_id, data).result(timeout=PRINT_DEADLINE)
        except DeviceError as e:
            log.warning("ticket %s not printed: %s", issued.number, e)
            return TicketOutcome(issued.number, cat, issued.waiting, False, e.code)
        except FutureTimeout:
            log.warning("ticket %s: printer gave no answer in %ss", issued.number, PRINT_DEADLINE)
            return TicketOutcome(issued.number, cat, issued.waiting, False, "printer.timeout")
        assert ctx.queue is not None
        ctx.queue.mark_printed(issued.job_id)
        log.info("ticket %s printed (%s waiting)", issued.number, issued.waiting)
        return TicketOutcome(issued.number, cat, issued.waiting, True)
