"""Whether the kiosk's own link to the platform is up, as far as the kiosk can set it.

A real kiosk's link is always "up" here (whether the platform answers is the sync
status's business); the simulator panel cuts and restores it, and every part that shows or
uses the network listens to this one switch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class NetworkSwitch:
    def __init__(self) -> None:
        self.up = True
        self._listeners: list[Callable[[bool], None]] = []

    def on_change(self, cb: Callable[[bool], None]) -> None:
        self._listeners.append(cb)

    def set_up(self, up: bool) -> None:
        if up != self.up:
            self.up = up
            log.info("network %s", "restored" if up else "cut")
            for cb in list(self._listeners):
                cb(up)
