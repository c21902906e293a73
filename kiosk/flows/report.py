"""办不成事: a citizen who could not get something done says why, with one tap.

No card and no typing. The report goes to the platform through the outbox; nothing about
the person goes with it."""

from __future__ import annotations

from typing import Any

from kiosk.flow import Flow
from offline_cache.outbox import Kind

# The reasons as the platform records them. The screen words them in each language;
# editing that wording must not change what the records say.
REPORT_REASONS = {
    "not_found": "找不到要办的事项",
    "materials": "材料或证明开不出来",
    "repeat": "让我多次跑、反复交材料",
    "device": "机器或系统出了问题",
    "other": "其他原因",
}


class ReportFlow(Flow):
    id = "report"  # a button under the tiles, not a tile: it is not a service
    steps = {"report": "screens.report:ReportScreen"}

    def bind(self, step: str, screen: Any) -> None:
        screen.reported.connect(lambda key: self.host.run(self.record, key))
        screen.finished.connect(self.host.home)

    def record(self, reason: str) -> str:
        assert self.ctx.outbox is not None
        return self.ctx.outbox.add_record(Kind.REPORT, "report", {
            "reason": reason, "description": REPORT_REASONS[reason]})
