"""The device manager: every device's I/O on its own worker thread, never the GUI's.

Each ``DeviceWorker`` owns one driver and serialises everything done to it: connecting,
polling, and commands submitted from other threads (which get a ``Future``). It publishes
a ``DeviceStatus`` and events to listeners; the Qt shell turns those into signals. A device
that disappears is reported ABSENT and re-opened every few seconds until it comes back
(the pattern of Odoo's IoT box drivers).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from drivers.a4printer.cups import CupsPrinter
from drivers.base import DeviceError, DeviceGone, DeviceState, DeviceStatus, DeviceTimeout
from drivers.camera import Camera, open_camera
from drivers.camera.enhance import shrink
from drivers.camera.live import LivePreview, PreviewFrame
from drivers.camera.page_net import check_model
from drivers.camera.scan import ScanResult, scan_frame
from drivers.escpos.printer import ReceiptPrinter
from drivers.escpos.transport import open_transport
from drivers.idcard.probe import baud_order, find_reader
from drivers.idcard.reader import IdCardReader
from drivers.sscard.reader import SocialSecurityCardReader

log = logging.getLogger(__name__)

T = TypeVar("T")
Listener = Callable[[str, str, Any], None]  # (device name, event, payload)

EVENT_STATUS = "status"  # payload: DeviceStatus
EVENT_CARD_PLACED = "card_placed"  # payload: IdentityCard or SocialSecurityCard
EVENT_CARD_REMOVED = "card_removed"  # payload: None
EVENT_CARD_ERROR = "card_error"  # payload: DeviceError (the card could not be read)
DEVICE_BUG = "device_bug"  # set on the log record of an unexpected error in a worker


class DeviceWorker:
    """One device, one thread. Subclasses implement connect / disconnect / poll."""

    kind = "device"
    poll_interval = 0.3
    reconnect_interval = 2.0
    # A device still gone after this many tries is tried at doubling intervals up to
    # reconnect_cap: one unplugged for good is not probed every 2 s for ever ("auto" opens
    # every serial port), and one plugged back soon is found as fast as before.
    backoff_after = 5
    reconnect_cap = 30.0

    def __init__(self, name: str, port: str, emit: Listener) -> None:
        self.name = name
        self.failed_opens = 0  # in a row, since the device last worked
        self.port = port
        self._emit = emit
        self._commands: queue.Queue[tuple[Callable[[], Any], Future[Any]] | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"device-{name}", daemon=True)
        self._connected = False
        self.status = DeviceStatus(DeviceState.ABSENT, f"{self.kind}.not_started", "not started")
        self.first_status = threading.Event()

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._commands.put(None)
        self._thread.join(timeout)

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Run ``fn`` on this device's thread; the future carries its result or error."""
        fut: Future[T] = Future()
        self._commands.put((fn, fut))
        return fut

    # --- for subclasses ---------------------------------------------------------------
    def connect(self) -> DeviceStatus:
        raise NotImplementedError

    def disconnect(self) -> None:
        raise NotImplementedError

    def poll(self) -> None:
        """Called every ``poll_interval`` while connected."""

    def emit(self, event: str, payload: Any = None) -> None:
        self._emit(self.name, event, payload)

    def set_status(self, status: DeviceStatus) -> None:
        changed = status != self.status
        self.status = status
        self.first_status.set()
        if changed:
            log.info("%s: %s %s %s", self.name, status.state, status.code, status.reason)
            self.emit(EVENT_STATUS, status)

    # --- the loop -----------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._connected:
                self._try_connect()
            if self._connected:
                self._guard(self.poll)
            wait = self.poll_interval if self._connected else self.reconnect_wait()
            self._drain_commands(wait)
        if self._connected:
            self._safe_disconnect()

    def reconnect_wait(self) -> float:
        extra = self.failed_opens - self.backoff_after
        if extra <= 0:
            return self.reconnect_interval
        return max(self.reconnect_interval,
                   min(self.reconnect_cap, self.reconnect_interval * 2 ** extra))

    def _try_connect(self) -> None:
        try:
            status = self.connect()
        except DeviceError as e:
            self.failed_opens += 1
            self._safe_disconnect()
            self.set_status(DeviceStatus(DeviceState.ABSENT, e.code, e.tech))
            return
        self._connected = True
        self.failed_opens = 0
        self.set_status(status)

    def _drain_commands(self, wait: float) -> None:
        """Run queued commands; block up to ``wait`` seconds for the first one."""
        try:
            item = self._commands.get(timeout=wait)
        except queue.Empty:
            return
        while item is not None:
            fn, fut = item
            if fut.set_running_or_notify_cancel():
                if not self._connected:
                    fut.set_exception(DeviceGone(self.status.code, self.status.reason))
                else:
                    try:
                        fut.set_result(self._guard(fn, reraise=True))
                    except Exception as e:  # noqa: BLE001 - handed to the caller
                        fut.set_exception(e)
            try:
                item = self._commands.get_nowait()
            except queue.Empty:
                return

    def _guard(self, fn: Callable[[], T], reraise: bool = False) -> T | None:
        """Run device I/O; a vanished or silent device is closed and reported absent."""
        try:
            return fn()
        except (DeviceGone, DeviceTimeout) as e:
            log.warning("%s: lost (%s); will reconnect", self.name, e)
            self._safe_disconnect()
            self.set_status(DeviceStatus(DeviceState.ABSENT, e.code, e.tech))
            if reraise:
                raise
        except DeviceError:
            if reraise:
                raise
            log.exception("%s: device error while polling", self.name)
        except Exception:
            # A bug must not kill the device thread: log it, reset the device, go on. The
            # record is marked so that the tests fail on it (tests/conftest.py).
            log.exception("%s: unexpected error", self.name, extra={DEVICE_BUG: True})
            self._safe_disconnect()
            self.set_status(DeviceStatus(DeviceState.ERROR, f"{self.kind}.internal", "bug"))
            if reraise:
                raise
        return None

    def _safe_disconnect(self) -> None:
        self._connected = False
        try:
            self.disconnect()
        except Exception:  # noqa: BLE001 - closing a dead port may fail; it is gone anyway
            log.debug("%s: error while closing", self.name, exc_info=True)


class CardReaderWorker(DeviceWorker):
    """A reader of identity cards: each placed card is reported once, then its removal."""

    def __init__(self, name: str, port: str, emit: Listener) -> None:
        super().__init__(name, port, emit)
        self.reader: Any = None  # the subclass's reader; anything with close()
        self._card_in_field = False

    def _read_card(self, read: Callable[[], Any]) -> bool:
        """Run ``read``; emit the card it returns or the error that kept the card unread.

        Returns False if ``read`` found no card.
        """
        try:
            card = read()
        except (DeviceGone, DeviceTimeout):
            raise
        except DeviceError as e:
            # The card is there but could not be read: the citizen must be told to
            # place it again; the reader itself stays usable.
            log.warning("%s: card read failed: %s", self.name, e)
            self._card_in_field = True
            self.emit(EVENT_CARD_ERROR, e)
            return True
        if card is None:
            return False
        self._card_in_field = True
        self.emit(EVENT_CARD_PLACED, card)
        return True

    def disconnect(self) -> None:
        if self.reader is not None:
            self.reader.close()
        self._card_removed()

    def _card_removed(self) -> None:
        if self._card_in_field:
            self._card_in_field = False
            self.emit(EVENT_CARD_REMOVED)


class IdCardWorker(CardReaderWorker):
    kind = "idcard"
    poll_interval = 0.25

    def __init__(self, name: str, port: str, emit: Listener, baud: int = 115200,
                 exclude: tuple[str, ...] = ()) -> None:
        super().__init__(name, port, emit)
        self.baud = baud
        self.exclude = exclude  # ports "auto" must not probe (another device's)
        self.reader: IdCardReader | None = None

    def connect(self) -> DeviceStatus:
        port, baud = self.port, self.baud
        if port == "auto":
            port, baud = find_reader(bauds=baud_order(self.baud), exclude=self.exclude)
        self.reader = IdCardReader(port, baud)
        self.reader.open()
        self.reader.sam_status()
        self._card_in_field = False
        return DeviceStatus(DeviceState.READY, details={"port": port, "baud": baud})


    def poll(self) -> None:
        assert self.reader is not None
        # Look for a newly placed card first, even while one is known to be in the field:
        # a card swapped for another between two polls is a new placement, not "still there".
        found = self._read_card(self.reader.poll)
        if not found and self._card_in_field and not self.reader.card_still_present():
            self._card_removed()


class SocialSecurityCardWorker(CardReaderWorker):
    kind = "sscard"
    poll_interval = 0.01  # poll() itself waits in PC/SC for a card event
    reconnect_interval = 1.0
    event_wait = 0.25

    def __init__(self, name: str, port: str, emit: Listener) -> None:
        super().__init__(name, port, emit)
        self.reader: SocialSecurityCardReader | None = None
        self._placement: int | None = None  # PC/SC event count of the card read last

    def connect(self) -> DeviceStatus:
        self.reader = SocialSecurityCardReader(self.port)
        self.reader.open()
        self._card_in_field = False
        self._placement = None
        return DeviceStatus(DeviceState.READY, details={"reader": self.reader.reader_name})


    def poll(self) -> None:
        assert self.reader is not None
        slot = self.reader.wait_for_change(self.event_wait)
        if slot.card and slot.events != self._placement:
            # A new placement, also when a card was swapped between two waits.
            self._placement = slot.events
            self._read_card(self.reader.read_card)
        elif not slot.card:
            self._placement = None
            self._card_removed()


class PrinterWorker(DeviceWorker):
    kind = "printer"
    poll_interval = 2.0

    def __init__(self, name: str, port: str, emit: Listener) -> None:
        super().__init__(name, port, emit)
        self.printer: ReceiptPrinter | None = None

    def connect(self) -> DeviceStatus:
        transport = open_transport(self.port, timeout=2.0)
        self.printer = ReceiptPrinter(transport)
        return self._read_status()

    def disconnect(self) -> None:
        if self.printer is not None:
            self.printer.transport.close()

    def poll(self) -> None:
        self.set_status(self._read_status())

    def _read_status(self) -> DeviceStatus:
        assert self.printer is not None
        return _present(self.printer.status().to_device_status())

    def print_job(self, job_id: str, data: bytes) -> Future[None]:
        def job() -> None:
            assert self.printer is not None
            try:
                self.printer.print_job(job_id, data)
            finally:
                self._guard(self.poll)

        return self.submit(job)


def _present(status: DeviceStatus) -> DeviceStatus:
    """``status``, unless the device is absent or silent: then DeviceGone, so the worker
    drops the link and the next round re-opens it."""
    if status.state is DeviceState.ABSENT:
        raise DeviceGone(status.code, status.reason)
    return status


class A4PrinterWorker(DeviceWorker):
    """The A4 certificate printer: a CUPS queue, watched with lpstat and printed to with lp."""

    kind = "a4printer"
    poll_interval = 5.0  # each poll runs lpstat; CUPS itself watches the printer
    reconnect_interval = 5.0

    def __init__(self, name: str, port: str, emit: Listener) -> None:
        super().__init__(name, port, emit)
        # One for the worker's life: it remembers which job ids were printed.
        self.printer = CupsPrinter.from_address(port)

    def connect(self) -> DeviceStatus:
        return _present(self.printer.status())

    def disconnect(self) -> None:
        """Nothing stays open between runs of lp and lpstat."""

    def poll(self) -> None:
        self.set_status(_present(self.printer.status()))

    def print_pdf(self, job_id: str, pdf: bytes,
                  pages: tuple[int, int] | None = None) -> Future[str]:
        """Print once per ``job_id`` (only ``pages``, first and last, if given); the future
        ends when CUPS says the job completed."""

        def job() -> str:
            try:
                return self.printer.print_pdf(job_id, pdf, pages)
            finally:
                self._guard(self.poll)

        return self.submit(job)


@dataclass(frozen=True)
class Captured:
    """A still through the page pipeline, and the page as the screens show it (BGR)."""

    result: ScanResult
    shown: np.ndarray | None


class CameraWorker(DeviceWorker):
    """The document camera. While a screen watches (``set_streaming``), every frame is
    searched for the page and handed to ``frame_sink`` (on this thread: the sink must only
    hand it on); otherwise the camera is only checked now and then. A still is grabbed here
    and processed on a thread of its own, so the preview keeps running meanwhile."""

    kind = "camera"
    idle_interval = 1.0

    def __init__(self, name: str, port: str, emit: Listener,
                 simulator: Camera | None = None) -> None:
        super().__init__(name, port, emit)
        self.camera = open_camera(port, simulator)
        self.live = LivePreview()
        self.frame_sink: Callable[[PreviewFrame], None] | None = None
        self._streaming = False
        self._pages = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{name}-pages")

    @property
    def poll_interval(self) -> float:  # type: ignore[override]
        return 0.0 if self._streaming else self.idle_interval

    def connect(self) -> DeviceStatus:
        check_model()  # a camera that cannot find pages is no use to a citizen
        self.camera.open()
        w, h = self.camera.size
        return DeviceStatus(DeviceState.READY, details={"size": f"{w}x{h}"})

    def disconnect(self) -> None:
        self.camera.close()

    def poll(self) -> None:
        frame = self.camera.preview()  # also how an unplugged camera is noticed
        sink = self.frame_sink
        if self._streaming and sink is not None:
            sink(self.live.update(frame, time.monotonic()))

    def set_streaming(self, on: bool) -> None:
        if on and not self._streaming:
            self.live = LivePreview()
        self._streaming = on
        self.submit(lambda: None)  # wake the loop now rather than after its idle wait

    def capture(self, mode: str, earlier: Sequence[int],
                shown_long_side: int = 1280) -> Future[Captured]:
        """Take a full-resolution still and run the page pipeline on it; a page taken
        comes with its picture scaled for the screens (here, not on the GUI thread)."""
        done: Future[Captured] = Future()
        earlier = tuple(earlier)  # as it is now: the page list may change meanwhile

        def grab() -> Any:
            frame = self.camera.still()
            self.live.stillness.captured()
            return frame

        def process(grabbed: Future[Any]) -> None:
            try:
                result = scan_frame(grabbed.result(), mode, earlier)
                shown = (shrink(result.page.image, shown_long_side)
                         if result.page is not None else None)
                done.set_result(Captured(result, shown))
            except Exception as e:  # noqa: BLE001 - handed to the caller
                done.set_exception(e)

        self.submit(grab).add_done_callback(lambda f: self._pages.submit(process, f))
        return done

    def stop(self, timeout: float = 3.0) -> None:
        super().stop(timeout)
        self._pages.shutdown(wait=False, cancel_futures=True)


class DeviceManager:
    """All configured devices; listeners hear every status change and event."""

    def __init__(self) -> None:
        self.workers: dict[str, DeviceWorker] = {}
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def add(self, worker_cls: type[DeviceWorker], name: str, port: str, **kw: Any) -> None:
        self.workers[name] = worker_cls(name, port, self._dispatch, **kw)

    def add_listener(self, cb: Listener) -> None:
        with self._lock:
            self._listeners.append(cb)

    def _dispatch(self, name: str, event: str, payload: Any) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for cb in listeners:
            try:
                cb(name, event, payload)
            except Exception:  # a broken listener must not break the device thread
                log.exception("listener failed for %s/%s", name, event)

    def start(self) -> None:
        for w in self.workers.values():
            w.start()

    def stop(self) -> None:
        for w in self.workers.values():
            w.stop()

    def wait_first_status(self, timeout: float) -> None:
        for w in self.workers.values():
            w.first_status.wait(timeout)

    def statuses(self) -> dict[str, DeviceStatus]:
        return {name: w.status for name, w in self.workers.items()}

    @property
    def printer(self) -> PrinterWorker:
        w = self.workers["printer"]
        assert isinstance(w, PrinterWorker)
        return w

    @property
    def camera(self) -> CameraWorker | None:
        """The document camera's worker, or None where none is configured."""
        w = self.workers.get("camera")
        return w if isinstance(w, CameraWorker) else None

    @property
    def a4printer(self) -> A4PrinterWorker | None:
        """The A4 printer's worker, or None where none is configured."""
        w = self.workers.get("a4printer")
        return w if isinstance(w, A4PrinterWorker) else None
