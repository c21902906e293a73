"""Hours and phone numbers, without Qt or media: when the hall's staff answer 远程咨询
calls (config ``[remote_help]``), when a village machine is open (config ``[hours]``), and
how a citizen's callback number is checked and masked."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock


@dataclass(frozen=True)
class Hours:
    """Spans of the day on some weekdays: when staff answer video calls (the 视频咨询 button
    calls within them and says when help is next there outside them), or when a machine
    is open."""

    spans: tuple[tuple[clock, clock], ...]
    weekdays: frozenset[int]  # ISO: 1 = Monday

    @classmethod
    def parse(cls, hours: Iterable[str], weekdays: Iterable[int]) -> Hours:
        spans = []
        for span in hours:
            start, end = (clock.fromisoformat(t) for t in span.split("-"))
            if not start < end:
                raise ValueError(f"{span}: the end must come after the start")
            spans.append((start, end))
        return cls(tuple(sorted(spans)), frozenset(weekdays))

    def open_at(self, now: datetime) -> bool:
        return now.isoweekday() in self.weekdays and any(
            start <= now.time() < end for start, end in self.spans)

    def next_opening(self, now: datetime) -> datetime | None:
        """The next time help starts after ``now`` (within a week); None: never."""
        for days in range(8):
            day = (now + timedelta(days=days)).date()
            if day.isoweekday() not in self.weekdays:
                continue
            for start, _ in self.spans:
                at = datetime.combine(day, start, now.tzinfo)
                if at > now:
                    return at
        return None


_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def callback_number_ok(digits: str) -> bool:
    """A mainland mobile number (11 digits, 13x–19x): what staff can call back."""
    return bool(_MOBILE.match(digits))


def mask_phone(digits: str) -> str:
    """138****5678, as logs and screens show a phone number (docs/UI.md)."""
    return digits[:3] + "*" * max(0, len(digits) - 7) + digits[-4:] if len(digits) > 7 else "***"
