"""取号排队: choose a business category, a number is issued and its ticket printed.

The number is taken (durably) before printing, so a printer that fails still leaves the
citizen with a number, shown on screen until they confirm it or it times out. Then the
好差评 question; the visit ends with either.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.config import QueueCategory
from kiosk.flow import Flow, IdentityNeed, Needs, Tile
from kiosk.records import Evaluation
from offline_cache.outbox import Kind, StoreError
from printer_templates.queue_ticket import QueueTicket, render_queue_ticket

log = logging.getLogger(__name__)

TICKET_SCREEN_SECONDS = 30  # the number stays on screen this long, then the visit ends
RATING_SECONDS = 20  # the 好差评 question after it, unanswered, this long
THANKS_SECONDS = 3


@dataclass(frozen=True)
class CategoryChoice:
    """A category as the screen offers it."""

    prefix: str
    names: dict[str, str]  # by language, so a switch of language renames it at once
    waiting: int


@dataclass(frozen=True)
class TicketView:
    """What the ticket screen shows of an issued number."""

    number: str
    category: dict[str, str]  # the category's name by language
    waiting: int
    printed: bool
    error_code: str = ""


@dataclass(frozen=True)
class TicketOutcome:
    number: str
    category: QueueCategory
    waiting: int
    printed: bool
    error_code: str = ""


class QueueFlow(Flow):
    id = "queue"
    tile = Tile("号", order=10, primary=True)
    needs = Needs(identity=IdentityNeed.ANY_CARD, devices=("printer",))
    steps = {"category": "screens.category:CategoryScreen",
             "ticket": "screens.ticket:TicketScreen"}

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.left()

    def left(self) -> None:
        self.prefix: str | None = None
        self.issuing = False  # a number is being taken and printed
        self.deadline = 0.0  # when the ticket screen ends the visit by itself

    def bind(self, step: str, screen: Any) -> None:
        if step == "category":
            screen.category_chosen.connect(self.choose)
        else:
            screen.finished.connect(lambda: self.host.end_visit("ticket_done"))
            screen.rated.connect(self.rate)
            screen.rating_shown.connect(lambda: self._count_down(RATING_SECONDS))

    def start(self) -> None:
        today = date.today()
        queue = self.ctx.queue
        assert queue is not None
        self.host.screen("category").set_choices([
            CategoryChoice(c.prefix, {"zh_CN": c.name_zh, "en": c.name_en},
                           queue.waiting(c.prefix, today))
            for c in self.ctx.config.queue.categories])
        self.host.go("category")

    def choose(self, prefix: str) -> None:
        self.prefix, self.issuing = prefix, True
        self.host.screen("ticket").show_printing()
        self.host.go("ticket")
        self.host.run(self.take, prefix, on_done=self._taken)

    def _taken(self, fut: Future[TicketOutcome]) -> None:
        prefix = self.prefix
        # The ticket ends the visit: personal data goes now, the number stays on screen.
        self.ctx.sessions.wipe("ticket_issued")
        self.prefix, self.issuing = prefix, False
        try:
            out = fut.result()
        except StoreError as e:  # no room to keep the number: nothing was issued
            log.error("no queue number: %s", e.tech)
            view = TicketView("—", {}, 0, False, e.code)
        except Exception:  # a bug in the flow: the citizen still gets a clear message
            log.exception("ticket flow failed")
            view = TicketView("—", {}, 0, False, "kiosk.internal")
        else:
            names = {"zh_CN": out.category.name_zh, "en": out.category.name_en}
            view = TicketView(out.number, names, out.waiting, out.printed, out.error_code)
        self.host.screen("ticket").show_result(view)
        self._count_down(TICKET_SCREEN_SECONDS)
        self.host.visit_over()
        self.host.content_changed()  # the number and 完成 appear under the finger

    def _count_down(self, seconds: int) -> None:
        self.deadline = self.host.now() + seconds
        self.host.screen("ticket").set_seconds_left(seconds)

    def rate(self, score: int) -> None:
        assert self.prefix is not None
        self.host.run(self.record_rating, self.prefix, score)
        self._count_down(THANKS_SECONDS)  # then home by itself

    def holds(self) -> bool:
        return self.issuing

    def defers_cards(self) -> bool:
        """The number is someone's until they confirm it (the rating page may go)."""
        return self.host.step == "ticket" and (
            self.issuing or self.host.screen("ticket").showing_number)

    def tick(self, now: float) -> bool:
        ticket = self.host.screen("ticket")
        if self.issuing:
            return True  # the number being issued waits for nobody's idle timeout
        if ticket.view is None:
            return False  # choosing a category: the idle question applies
        left = round(self.deadline - now)
        ticket.set_seconds_left(max(0, left))
        if left <= 0:
            self.host.end_visit("ticket_timeout")
        return True

    # --- the work, off the GUI thread -------------------------------------------------
    def category(self, prefix: str) -> QueueCategory:
        return next(c for c in self.ctx.config.queue.categories if c.prefix == prefix)

    def record_rating(self, prefix: str, score: int) -> str:
        """The citizen's 好差评 of the service (1 非常不满意 … 5 非常满意), kept in the outbox
        for the platform. Only the category and the score: nothing says who rated."""
        assert self.ctx.outbox is not None
        return self.ctx.outbox.add_record(Kind.EVALUATION, f"queue:{prefix}",
                                          Evaluation(score=score).body())

    def take(self, prefix: str) -> TicketOutcome:
        """A queue number (durably) and its printed ticket."""
        ctx = self.ctx
        cat = self.category(prefix)
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
        error = ctx.print_receipt(issued.job_id, data, f"ticket {issued.number}")
        if not error:
            assert ctx.queue is not None
            ctx.queue.mark_printed(issued.job_id)
        return TicketOutcome(issued.number, cat, issued.waiting, not error, error)
