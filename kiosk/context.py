"""Everything a running kiosk is made of, built from the configuration, without Qt.

The CLI (``kiosk doctor``), the Qt shell and the tests all build the same ``KioskContext``,
so what ``doctor`` reports is what the kiosk runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.config import KioskConfig
from kiosk.devices import DeviceManager, IdCardWorker, PrinterWorker
from kiosk.session import IdlePolicy, SessionManager
from kiosk.simulation import SimulatedNetwork, SimulatorHub
from offline_cache.queue_numbers import IssuedNumber, QueueNumberStore

log = logging.getLogger(__name__)


@dataclass
class KioskContext:
    config: KioskConfig
    devices: DeviceManager = field(default_factory=DeviceManager)
    sessions: SessionManager = field(default_factory=SessionManager)
    sim: SimulatorHub | None = None
    queue: QueueNumberStore | None = None
    network: SimulatedNetwork = field(default_factory=SimulatedNetwork)

    @classmethod
    def build(cls, config: KioskConfig) -> KioskContext:
        data = config.data_dir
        data.mkdir(parents=True, exist_ok=True)
        ctx = cls(config=config)
        dev = config.devices
        ports = {"idcard": dev.idcard.port, "printer": dev.printer.port}
        if config.uses_simulators:
            ctx.sim = SimulatorHub(
                data, idcard=dev.idcard.port == "sim", printer=dev.printer.port == "sim"
            )
            ctx.network = ctx.sim.network
            ports.update(ctx.sim.start())
        ctx.devices.add(IdCardWorker, "idcard", ports["idcard"], baud=dev.idcard.baud)
        ctx.devices.add(PrinterWorker, "printer", ports["printer"])
        ctx.queue = QueueNumberStore(data / "queue.sqlite3")
        return ctx

    def start(self) -> None:
        self.devices.start()

    def stop(self) -> None:
        self.devices.stop()
        if self.sim is not None:
            self.sim.stop()
        if self.queue is not None:
            self.queue.close()

    @property
    def idle_policy(self) -> IdlePolicy:
        t = self.config.terminal
        return IdlePolicy(timeout=t.idle_timeout, grace=t.idle_grace)

    def issue_number(self, prefix: str) -> IssuedNumber:
        assert self.queue is not None
        # Until the hall's queue service is reachable through the platform client, every
        # number comes from the terminal's own durable counter; "offline" marks a number
        # taken while the link is down so staff can tell the two apart.
        return self.queue.issue(prefix, datetime.now(), offline=not self.network.up)
