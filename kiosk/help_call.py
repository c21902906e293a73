"""呼叫工作人员: a citizen at a village machine asks for a person (no Qt here).

The request goes out in the next heartbeat, sent at once (``SyncEngine.trigger
("heartbeat")``), as ``help`` {at, state, step}: the fleet console shows it as an alert,
and staff answer with the ``answer_help`` command (a few words: 马上到, 请拨打…), which the
kiosk shows. Nothing about the person goes with it: the time, the state and the step on
screen. A request stays ``waiting`` until answered or ``WAIT_AT_MOST`` has passed (the
citizen may have stepped out to wait); an answer stays in the heartbeat for
``ANSWER_SHOWN`` seconds, then the request is over.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

WAIT_AT_MOST = 1800.0  # seconds a request waits for an answer
ANSWER_SHOWN = 600.0  # seconds an answer stays in the heartbeat


class HelpCalls:
    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.state = ""  # "", "waiting", "answered"
        self.message = ""  # the staff's answer
        self.step = ""
        self._at = ""  # when asked (ISO, UTC): what the console shows
        self._since = 0.0
        self.changes = 0  # counts changes: the screen looks at it

    def ask(self, step: str) -> bool:
        """A citizen tapped 呼叫工作人员; False if one is already waiting (a second tap)."""
        with self._lock:
            self._expire()
            if self.state == "waiting":
                return False
            self.state, self.message, self.step = "waiting", "", step[:40]
            self._at = datetime.now(UTC).isoformat(timespec="seconds")
            self._since = self._clock()
            self.changes += 1
        log.info("help: a citizen asked for staff (step %s)", step)
        return True

    def answer(self, message: str) -> bool:
        """Staff answered from the console; False if nobody is waiting."""
        with self._lock:
            self._expire()
            if self.state != "waiting":
                return False
            self.state, self.message = "answered", message.strip()[:100]
            self._since = self._clock()
            self.changes += 1
        log.info("help: staff answered")
        return True

    def telemetry(self) -> dict[str, Any]:
        """What the heartbeat carries (nothing once the request is over)."""
        with self._lock:
            self._expire()
            if not self.state:
                return {}
            return {"help": {"at": self._at, "state": self.state, "step": self.step}}

    def _expire(self) -> None:
        keep = WAIT_AT_MOST if self.state == "waiting" else ANSWER_SHOWN
        if self.state and self._clock() - self._since > keep:
            log.info("help: request %s over", self.state)
            self.state, self.message, self.step = "", "", ""
            self.changes += 1
