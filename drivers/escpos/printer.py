"""The receipt printer driver: truthful status, and jobs that print once and are confirmed.

A job is checked before sending (no point printing into an empty printer), then confirmed:
``GS r 1`` is sent after the job and, because the printer processes it in stream order, its
reply means the job was processed. While waiting for it we poll the real-time status, so
paper running out mid-job is reported at once rather than after the deadline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

from drivers.base import DeviceError, DeviceGone, DeviceState, DeviceTimeout
from drivers.escpos import spec
from drivers.escpos.status import (
    PrinterCode,
    PrinterStatus,
    is_paper_sensor_byte,
    is_status_byte,
    paper_from_sensor_byte,
    parse_status,
)
from drivers.escpos.transport import Transport

log = logging.getLogger(__name__)

_STATUS_QUERIES = (spec.STATUS_PRINTER, spec.STATUS_OFFLINE_CAUSE, spec.STATUS_PAPER)


class PrinterError(DeviceError):
    """The printer cannot print (paper out, cover open, not answering, failed mid-job)."""


class ReceiptPrinter:
    def __init__(
        self,
        transport: Transport,
        *,
        status_timeout: float = 0.5,
        job_timeout: float = 20.0,
        poll_interval: float = 0.3,
        remember_jobs: int = 1000,
        confirm_with_paper_sensor: bool = True,
    ) -> None:
        """``confirm_with_paper_sensor=False`` is for models that never answer GS r 1: the
        job then counts as done when the real-time status is healthy after sending it."""
        self.transport = transport
        self.status_timeout = status_timeout
        self.job_timeout = job_timeout
        self.poll_interval = poll_interval
        self.confirm_with_paper_sensor = confirm_with_paper_sensor
        self._remember_jobs = remember_jobs
        self._done: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._sensor_reply: int | None = None  # GS r 1 reply seen among other replies

    # --- status --------------------------------------------------------------------------
    def status(self) -> PrinterStatus:
        with self._lock:
            return self._status()

    def close(self) -> None:
        with self._lock:
            self.transport.close()

    def _status(self) -> PrinterStatus:
        try:
            self._ensure_open()
            replies: dict[int, int | None] = {}
            for n in _STATUS_QUERIES:
                replies[n] = self._query(n)
                if replies[n] is None and n == spec.STATUS_PRINTER:
                    break  # silent: asking the rest would only multiply the wait
            offline_cause = replies.get(spec.STATUS_OFFLINE_CAUSE)
            if offline_cause is not None and offline_cause & spec.STATUS_BIT_ERROR:
                replies[spec.STATUS_ERROR_CAUSE] = self._query(spec.STATUS_ERROR_CAUSE)
        except DeviceGone as exc:
            return PrinterStatus.silent(exc.tech, gone=True)
        except DeviceTimeout as exc:  # it would not even take the 3-byte query
            return PrinterStatus.silent(exc.tech)
        status = parse_status(replies)
        if not status.answering:
            return PrinterStatus.silent(f"{self.transport!r}: {status.reason}")
        return status

    def _ensure_open(self) -> None:
        if not self.transport.is_open:
            self.transport.open()

    def _query(self, n: int) -> int | None:
        """Send DLE EOT n and return the first valid status byte before the deadline."""
        self._take(self.transport.read(256, 0.0))  # drop stale bytes, keep a GS r reply
        self.transport.write(spec.STATUS_REQUEST + bytes([n]))
        deadline = time.monotonic() + self.status_timeout
        while (remaining := deadline - time.monotonic()) > 0:
            for b in self.transport.read(1, remaining):
                if is_status_byte(b):
                    return b
                self._take(bytes([b]))
        return None

    def _take(self, data: bytes) -> None:
        """Keep a GS r 1 reply that arrives while we wait for something else."""
        for b in data:
            if is_paper_sensor_byte(b):
                self._sensor_reply = b
            else:
                log.debug("printer: ignoring unsolicited byte %02X", b)

    # --- jobs ----------------------------------------------------------------------------
    def print_job(self, job_id: str, data: bytes) -> None:
        """Print ``data`` once per ``job_id``; return only when the printer confirms it."""
        with self._lock:
            if job_id in self._done:
                log.info("printer: job %s already printed, not printing it again", job_id)
                return
            self._raise_unless_ready(self._status(), f"before job {job_id}")
            self.transport.write(data)
            self._confirm(job_id)
            self._done[job_id] = None
            while len(self._done) > self._remember_jobs:
                self._done.popitem(last=False)
            log.info("printer: job %s printed (%d bytes)", job_id, len(data))

    def _raise_unless_ready(self, status: PrinterStatus, when: str) -> None:
        device = status.to_device_status()
        if device.state is DeviceState.READY:
            return
        if status.gone:
            raise DeviceGone(PrinterCode.GONE, f"{when}: {device.reason}")
        raise PrinterError(device.code, f"{self.transport!r} {when}: {device.reason}")

    def _confirm(self, job_id: str) -> None:
        when = f"during job {job_id}"
        deadline = time.monotonic() + self.job_timeout
        self._sensor_reply = None
        if self.confirm_with_paper_sensor:
            self.transport.write(spec.PAPER_SENSOR_REQUEST)
        while True:
            status = self._status()
            if status.gone:
                raise DeviceGone(PrinterCode.GONE, f"{when}: {status.reason}")
            if not status.answering:
                raise PrinterError(PrinterCode.JOB_UNCONFIRMED, f"{when}: {status.reason}")
            if status.paper == "out":
                raise PrinterError(PrinterCode.PAPER_OUT_DURING_JOB, f"{when}: paper end")
            self._raise_unless_ready(status, when)
            if self._sensor_reply is not None:
                break
            if not self.confirm_with_paper_sensor:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning("printer: no reply to GS r 1 %s; healthy, counting it done", when)
                return
            self._take(self.transport.read(1, min(self.poll_interval, remaining)))
        if paper_from_sensor_byte(self._sensor_reply) == "out":
            raise PrinterError(PrinterCode.PAPER_OUT_DURING_JOB, f"{when}: GS r 1 paper end")
