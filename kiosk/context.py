"""Everything a running kiosk is made of, built from the configuration, without Qt.

The CLI (``kiosk doctor``), the Qt shell and the tests all build the same ``KioskContext``,
so what ``doctor`` reports is what the kiosk runs.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from drivers.base import DeviceError
from drivers.escpos.profiles import ReceiptProfile, get_profile
from drivers.escpos.transport import SerialTransport, make_transport
from kiosk.config import KioskConfig
from kiosk.devices import (
    A4PrinterWorker,
    CameraWorker,
    DeviceManager,
    IdCardWorker,
    PrinterWorker,
    SocialSecurityCardWorker,
)
from kiosk.devtree import dev_import
from kiosk.help_call import HelpCalls
from kiosk.integrity import Damage, check_local_files
from kiosk.link import (
    PlatformLink,
    build_engine,
    connect_platform,
    device_telemetry,
    open_outbox,
    terminal_secret,
)
from kiosk.network import NetworkSwitch
from kiosk.records import OfflineTicket
from kiosk.session import IdlePolicy, SessionManager
from kiosk.staff import ReceiptPaper, VoiceVolume
from kiosk.usage import UsageBook
from offline_cache.client import OutcomeUnknown, PlatformClient, PlatformRefused
from offline_cache.outbox import CaseOutbox, Kind
from offline_cache.queue_numbers import IssuedNumber, QueueNumberStore
from offline_cache.sync import SyncEngine

if TYPE_CHECKING:
    from sim.hub import SimulatorHub

log = logging.getLogger(__name__)
QUEUE_DEADLINE = 3.0  # seconds a citizen waits for the hall's queue service before offline
PRINT_DEADLINE = 30.0  # seconds from submitting a receipt to the printer saying it is out
QUEUE_RETRY_MIN = 0.5  # seconds of it that must be left to ask again for a lost answer


def serial_ports_in_use(config: KioskConfig) -> tuple[str, ...]:
    """Serial ports of other devices, which the ID-card reader's "auto" must not probe."""
    printer = config.devices.printer.port
    if printer == "sim":
        return ()
    transport = make_transport(printer, timeout=1.0)
    return (transport.port,) if isinstance(transport, SerialTransport) else ()


@dataclass
class KioskContext:
    config: KioskConfig
    devices: DeviceManager = field(default_factory=DeviceManager)
    sessions: SessionManager = field(default_factory=SessionManager)
    sim: SimulatorHub | None = None  # a device is "sim": the development tree's simulators
    queue: QueueNumberStore | None = None
    network: NetworkSwitch = field(default_factory=NetworkSwitch)
    outbox: CaseOutbox | None = None
    link: PlatformLink | None = None
    sync: SyncEngine | None = None
    queue_client: PlatformClient | None = None  # short deadline: a citizen is waiting
    # Damaged local files found at start (moved aside): the kiosk is out of service and
    # opens none of its stores (see kiosk.integrity).
    damaged: list[Damage] = field(default_factory=list)
    paper: ReceiptPaper | None = None  # the receipt roll's estimate (staff mode)
    volume: VoiceVolume | None = None  # how loud the kiosk speaks (staff mode)
    help: HelpCalls = field(default_factory=HelpCalls)  # 呼叫工作人员 (village)
    usage: UsageBook | None = None  # services started, finished, given up, per day

    @classmethod
    def build(cls, config: KioskConfig) -> KioskContext:
        data = config.data_dir
        data.mkdir(parents=True, exist_ok=True)
        ctx = cls(config=config, damaged=check_local_files(config))
        dev = config.devices
        ports = {"idcard": dev.idcard.port, "printer": dev.printer.port,
                 "sscard": dev.sscard.port}
        if config.uses_simulators:
            hub = dev_import("sim.hub", "a simulated device (port \"sim\")")
            ctx.sim = hub.SimulatorHub(
                data, idcard=dev.idcard.port == "sim", printer=dev.printer.port == "sim",
                sscard=dev.sscard.port == "sim", a4printer=dev.a4printer.port == "sim",
                printer_width_dots=ctx.receipt_profile.width_dots,
                camera=dev.camera.port == "sim",
                spool_retention=config.store.purge_after_hours * 3600.0,
            )
            ctx.network = ctx.sim.network
            ports.update(ctx.sim.start())
        ctx.devices.add(IdCardWorker, "idcard", ports["idcard"], baud=dev.idcard.baud,
                        exclude=serial_ports_in_use(config))
        ctx.devices.add(PrinterWorker, "printer", ports["printer"])
        if dev.sscard.port != "none":
            ctx.devices.add(SocialSecurityCardWorker, "sscard", ports["sscard"])
        if dev.a4printer.port != "none":
            a4_port = ports.get("a4printer", dev.a4printer.port)
            ctx.devices.add(A4PrinterWorker, "a4printer", a4_port)
        if dev.camera.port != "none":
            ctx.devices.add(CameraWorker, "camera", dev.camera.port,
                            simulator=ctx.sim.camera if ctx.sim else None)
        if ctx.damaged:
            log.error("out of service: %d damaged local file(s); see kiosk doctor",
                      len(ctx.damaged))
            return ctx
        ctx.queue = QueueNumberStore(data / "queue.sqlite3")
        ctx.paper = ReceiptPaper(data / "staff" / "paper.json",
                                 dev.printer.roll_length_m * 1000.0,
                                 ctx.receipt_profile.width_dots)
        ctx.volume = VoiceVolume(data / "staff" / "voice.json", config.voice.volume)
        ctx.usage = UsageBook(data / "usage.json")
        try:
            ctx._connect_platform()
        except BaseException:  # e.g. not enrolled: what was started stops again
            for stop in (ctx.link and ctx.link.stop, ctx.outbox and ctx.outbox.close,
                         ctx.queue.close, ctx.sim and ctx.sim.stop):
                if stop:
                    stop()
            raise
        return ctx

    def _connect_platform(self) -> None:
        """The outbox, the link to the platform and the sync worker that joins them."""
        self.outbox = open_outbox(self.config)
        self.link = connect_platform(self.config)
        self.sync = build_engine(self.config, self.link.url,
                                 telemetry=lambda: {**device_telemetry(self.devices.workers),
                                                    **self.help.telemetry(),
                                                    **(self.usage.telemetry()
                                                       if self.usage else {})})
        self.queue_client = PlatformClient(
            self.link.url, self.config.terminal.id, terminal_secret(self.config),
            ca_file=self.config.platform.ca_file, deadline=QUEUE_DEADLINE)
        self.outbox.on_queued(lambda: self.sync.trigger("finalized"))
        self.network.on_change(self._network_changed)

    def _network_changed(self, up: bool) -> None:
        assert self.link is not None and self.sync is not None
        self.link.set_up(up)  # the simulated cut is a real one: the link's proxy drops
        if up:
            self.sync.trigger("network")

    def start(self, sync: bool = True) -> None:
        """Start the devices and, unless ``sync`` is False (``kiosk doctor`` only looks),
        the sync worker."""
        self.devices.start()
        if sync and self.sync is not None:
            self.sync.start()

    def stop(self) -> None:
        if self.sync is not None:
            self.sync.close()
        if self.usage is not None:
            self.usage.flush()
        if self.queue_client is not None:
            self.queue_client.close()
        if self.link is not None:
            self.link.stop()
        if self.outbox is not None:
            self.outbox.close()
        self.devices.stop()
        if self.sim is not None:
            self.sim.stop()
        if self.queue is not None:
            self.queue.close()

    @property
    def receipt_profile(self) -> ReceiptProfile:
        """What the receipt printer can do, on the paper fitted (templates render for it)."""
        p = self.config.devices.printer
        return get_profile(p.profile, p.paper_width)

    @property
    def idle_policy(self) -> IdlePolicy:
        t = self.config.terminal
        policy = IdlePolicy(timeout=t.idle_timeout, grace=t.idle_grace)
        return policy.scaled(self.sessions.current.time_scale)

    def print_receipt(self, job_id: str, data: bytes, what: str) -> str:
        """Print ESC/POS ``data`` on the receipt printer and wait until it is out; "" when
        it is, else the error code to tell the citizen. ``what`` names it in the log (no
        personal data). Call it off the GUI thread."""
        try:
            self.devices.printer.print_job(job_id, data).result(timeout=PRINT_DEADLINE)
        except DeviceError as e:
            log.warning("%s not printed: %s", what, e)
            return e.code
        except FutureTimeout:
            log.warning("%s: printer gave no answer in %ss", what, PRINT_DEADLINE)
            return "printer.timeout"
        log.info("%s printed", what)
        if self.paper is not None:
            self.paper.printed(data)
        return ""

    def issue_number(self, prefix: str) -> IssuedNumber:
        """A number from the hall's queue service; if it does not answer within
        ``QUEUE_DEADLINE``, one from this kiosk's offline series (reported to the platform
        later, with the request's key: a hall number issued under it whose answer was lost
        is then cancelled). Call it off the GUI thread."""
        assert self.queue is not None
        key = self.queue.new_request(prefix, datetime.now().astimezone())
        try:
            doc = self._take_number(prefix, key)
            return self.queue.record_online(prefix, doc["number"], int(doc["waiting"]),
                                            datetime.fromisoformat(doc["issued_at"]), key)
        except (OutcomeUnknown, PlatformRefused, KeyError, ValueError) as e:
            log.warning("queue service unavailable, issuing an offline number: %s", e)
        assert self.outbox is not None  # the platform learns of it later: room for that first
        self.outbox.require_room(1024)
        issued = self.queue.issue_offline(prefix, datetime.now().astimezone(),
                                          self.config.queue.offline_slot, key)
        self.outbox.add_record(Kind.TICKET, "queue", OfflineTicket(
            number=issued.number, prefix=issued.prefix, issued_at=issued.issued_at,
            request_id=key).body())
        return issued

    def _take_number(self, prefix: str, key: str) -> dict[str, Any]:
        """Ask the queue service under ``key``, and once more (same key, so the same
        number) if the first answer is lost early enough to leave time for it."""
        assert self.queue_client is not None
        end = time.monotonic() + QUEUE_DEADLINE
        try:
            return self.queue_client.take_number(prefix, key, QUEUE_DEADLINE)
        except OutcomeUnknown as e:
            if end - time.monotonic() < QUEUE_RETRY_MIN:
                raise
            log.info("queue service: no answer (%s), asking again with the same key", e)
        return self.queue_client.take_number(prefix, key, end - time.monotonic())

    def call_next(self, prefix: str) -> str | None:
        """The hall's caller (the simulator panel's 叫号): through the queue service, or
        this kiosk's own copy of the queue when the service cannot be reached."""
        assert self.queue is not None and self.queue_client is not None
        today = date.today()
        try:
            number = self.queue_client.call_number(prefix, str(uuid.uuid4()))["number"]
        except (OutcomeUnknown, PlatformRefused) as e:
            log.warning("queue service unavailable, calling locally: %s", e)
            return self.queue.call_next(prefix, today)
        if number is not None:
            self.queue.note_called(prefix, today, number)
        return number
