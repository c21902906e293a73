"""The simulated devices a kiosk runs on when a device is configured as ``sim``.

Each simulator speaks the device's real bytes on a real transport, so the real drivers run:
the ID-card SAM on a pseudo-terminal (reached through a stable link, like a udev by-id
link, that survives simulated unplugging) and the receipt printer on a TCP socket on the
loopback, saving every ticket it receives as a PNG under ``<data>/printer/``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from drivers.escpos.virtual import VirtualPrinter
from drivers.idcard.samples import SAMPLE_CARDS
from drivers.idcard.simulator import SamSimulator

log = logging.getLogger(__name__)


class SimulatedNetwork:
    """The link to the platform as the simulator panel sets it (cut / restored)."""

    def __init__(self) -> None:
        self.up = True
        self._listeners: list[Callable[[bool], None]] = []

    def on_change(self, cb: Callable[[bool], None]) -> None:
        self._listeners.append(cb)

    def set_up(self, up: bool) -> None:
        if up != self.up:
            self.up = up
            log.info("simulated network %s", "restored" if up else "cut")
            for cb in list(self._listeners):
                cb(up)


class SimulatorHub:
    def __init__(self, data_dir: Path, idcard: bool = True, printer: bool = True) -> None:
        self.dir = data_dir / "sim"
        self.printer_dir = data_dir / "printer"
        link = str(self.dir / "idcard-sam")
        self.sam = SamSimulator(link_path=link, delay=0.002) if idcard else None
        self.printer = VirtualPrinter(output_dir=self.printer_dir) if printer else None
        self.network = SimulatedNetwork()
        self.ports: dict[str, str] = {}

    def start(self) -> dict[str, str]:
        """Start the simulators; returns the port each device driver should open."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.sam is not None:
            self.sam.start()
            self.ports["idcard"] = str(self.dir / "idcard-sam")
        if self.printer is not None:
            port = self.printer.start("127.0.0.1", 0)
            self.ports["printer"] = f"127.0.0.1:{port}"
        log.info("simulators started: %s", self.ports)
        return self.ports

    def stop(self) -> None:
        if self.sam is not None:
            self.sam.stop()
        if self.printer is not None:
            self.printer.stop()

    # --- what the simulator panel (and tests) can do ------------------------------------
    def place_card(self, sample: str) -> None:
        assert self.sam is not None, "the ID-card reader is not simulated"
        self.sam.place_card(SAMPLE_CARDS[sample])

    def remove_card(self) -> None:
        assert self.sam is not None, "the ID-card reader is not simulated"
        self.sam.remove_card()
