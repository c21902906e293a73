"""How the kiosk's services are used, per day: started, finished, given up, and the time to
finish (no Qt here). Never who: a service's id and counts only.

The navigator says when a citizen starts a service (its tile), when what they came for is
done (``visit_over`` or a visit ended as done), and when they leave it unfinished: on the
GUI thread, so counting touches only memory. The counts are kept in ``<data>/usage.json``
(written whole and atomically) for ``KEEP_DAYS``, written when the heartbeat reads them
(the sync worker's thread) and when the kiosk stops; a crash loses at most one heartbeat's
worth of counts. The heartbeat carries today's and yesterday's as they stand, so
the platform's copy is right whenever a heartbeat gets through (a count is replaced, never
added to, on the platform: a heartbeat sent twice counts once).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from offline_cache.durable import atomic_write

log = logging.getLogger(__name__)

KEEP_DAYS = 7
REPORTED_DAYS = 2  # today and yesterday: a visit near midnight is not lost
FIELDS = ("taken", "finished", "abandoned", "seconds")


class UsageBook:
    def __init__(self, path: Path, today: Callable[[], date] = date.today) -> None:
        self.path = path
        self._today = today
        self._lock = threading.Lock()
        self._days: dict[str, dict[str, dict[str, int]]] = {}
        self._open: dict[str, float] = {}  # service → when started (monotonic), unfinished
        self._dirty = False  # counted since the file was written
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            self._days = {d: {s: {f: int(c.get(f, 0)) for f in FIELDS} for s, c in v.items()}
                          for d, v in doc.get("days", {}).items()}
        except FileNotFoundError:
            pass
        except (ValueError, AttributeError, TypeError) as e:  # counts only: start again
            log.warning("usage: %s unreadable (%s); counting from zero", path.name, e)

    def taken(self, service: str, now: float) -> None:
        """A citizen started ``service`` (an unfinished earlier start of it is given up)."""
        with self._lock:
            if service in self._open:
                self._count(service, "abandoned")
            self._open[service] = now
            self._count(service, "taken")

    def finished(self, service: str, now: float) -> None:
        with self._lock:
            started = self._open.pop(service, None)
            if started is None:
                return  # counted already (or never started here)
            self._count(service, "finished")
            self._count(service, "seconds", max(0, round(now - started)))

    def left(self, service: str) -> None:
        """The citizen left ``service``; unfinished, it was given up."""
        with self._lock:
            if self._open.pop(service, None) is not None:
                self._count(service, "abandoned")

    def telemetry(self) -> dict[str, Any]:
        self.flush()
        with self._lock:
            today = self._today()
            days = [(today - timedelta(days=n)).isoformat() for n in range(REPORTED_DAYS)]
            usage = {d: self._days[d] for d in days if d in self._days}
            return {"usage": json.loads(json.dumps(usage))} if usage else {}

    def flush(self) -> None:
        """Write what was counted since the last write. The file is written outside the
        lock, so a count on the GUI thread never waits for the disk."""
        with self._lock:
            if not self._dirty:
                return
            oldest = (self._today() - timedelta(days=KEEP_DAYS - 1)).isoformat()
            self._days = {d: v for d, v in self._days.items() if d >= oldest}
            data = json.dumps({"days": self._days}, ensure_ascii=False, sort_keys=True)
            self._dirty = False
        try:
            atomic_write(self.path, data.encode())
        except OSError as e:  # a full disk: the counts stay in memory, the visit goes on
            log.warning("usage: not saved: %s", e)
            with self._lock:
                self._dirty = True

    def _count(self, service: str, field: str, by: int = 1) -> None:
        day = self._today().isoformat()
        counts = self._days.setdefault(day, {}).setdefault(service, dict.fromkeys(FIELDS, 0))
        counts[field] += by
        self._dirty = True
