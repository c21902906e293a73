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
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from drivers.base import DeviceError, DeviceGone, DeviceState, DeviceStatus, DeviceTimeout
from drivers.escpos.printer import ReceiptPrinter
from drivers.escpos.transport import open_transport
from drivers.idcard.reader import IdCardReader

log = logging.getLogger(__name__)

T = TypeVar("T")
Listener = Callable[[str, str, Any], None]  # (device name, event, payload)

EVENT_STATUS = "status"  # payload: DeviceStatus
EVENT_CARD_PLACED = "card_placed"  # payload: IdentityCard
EVENT_CARD_REMOVED = "card_removed"  # payload: None
EVENT_CARD_ERROR = "card_error"  # payload: DeviceError (the card could not be read)


class DeviceWorker:
    """One device, one thread. Subclasses implement connect / disconnect / poll."""

    kind = "device"
    poll_interval = 0.3
    reconnect_interval = 2.0

    def __init__(self, name: str, port: str, emit: Listener) -> None:
        self.name = name
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
            wait = self.poll_interval if self._connected else self.reconnect_interval
            self._drain_commands(wait)
        if self._connected:
            self._safe_disconnect()

    def _try_connect(self) -> None:
        try:
            status = self.connect()
        except DeviceError as e:
            self._safe_disconnect()
            self.set_status(DeviceStatus(DeviceState.ABSENT, e.code, e.tech))
            return
        self._connected = True
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
            # A bug must not kill the device thread: log it, reset the device, go on.
            log.exception("%s: unexpected error", self.name)
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


class IdCardWorker(DeviceWorker):
    kind = "idcard"
    poll_interval = 0.25

    def __init__(self, name: str, port: str, emit: Listener, baud: int = 115200) -> None:
        super().__init__(name, port, emit)
        self.baud = baud
        self.reader: IdCardReader | None = None
        self._card_in_field = False

    def connect(self) -> DeviceStatus:
        self.reader = IdCardReader(self.port, self.baud)
        self.reader.open()
        self.reader.sam_status()
        self._card_in_field = False
        return DeviceStatus(DeviceState.READY, details={"port": self.port})

    def disconnect(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self._card_in_field:
            self._card_in_field = False
            self.emit(EVENT_CARD_REMOVED)

    def poll(self) -> None:
        assert self.reader is not None
        # Look for a newly placed card first, even while one is known to be in the field:
        # a card swapped for another between two polls is a new placement, not "still there".
        try:
            card = self.reader.poll()
        except (DeviceGone, DeviceTimeout):
            raise
        except DeviceError as e:
            # The card is there but could not be read: the citizen must be told to
            # place it again; the reader itself stays usable.
            log.warning("%s: card read failed: %s", self.name, e)
            self._card_in_field = True
            self.emit(EVENT_CARD_ERROR, e)
            return
        if card is not None:
            self._card_in_field = True
            self.emit(EVENT_CARD_PLACED, card)
        elif self._card_in_field and not self.reader.card_still_present():
            self._card_in_field = False
            self.emit(EVENT_CARD_REMOVED)


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
        status = self.printer.status().to_device_status()
        if status.state is DeviceState.ABSENT:
            # Connected but silent: drop the link so the next round re-opens it.
            raise DeviceGone(status.code, status.reason)
        return status

    def print_job(self, job_id: str, data: bytes) -> Future[None]:
        def job() -> None:
            assert self.printer is not None
            try:
                self.printer.print_job(job_id, data)
            finally:
                self._guard(self.poll)

        return self.submit(job)


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
