"""办不成事: a citizen who could not get something done says why, with one tap.

No card and no typing. The report goes to the platform through the outbox; nothing about
the person goes with it."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from kiosk.flow import Flow
from kiosk.records import Report
from offline_cache.outbox import Kind, StoreError

log = logging.getLogger(__name__)


class ReportFlow(Flow):
    id = "report"  # a button under the tiles, not a tile: it is not a service
    steps = {"report": "screens.report:ReportScreen"}

    def bind(self, step: str, screen: Any) -> None:
        screen.reported.connect(lambda key: self.host.run(self.record, key,
                                                          on_done=self._recorded))
        screen.finished.connect(self.host.home)

    def _recorded(self, fut: Future[str]) -> None:
        try:
            fut.result()
        except StoreError as e:  # e.g. a full disk: the thanks would be untrue
            log.error("report not kept: %s", e.tech)
            self.host.screen("report").show_error(e.code)

    def record(self, reason: str) -> str:
        assert self.ctx.outbox is not None
        return self.ctx.outbox.add_record(Kind.REPORT, "report", Report.of(reason).body())
