"""The A4 certificate printer through CUPS: ``lp`` to print, ``lpstat`` for the truth.

We use CUPS's own command-line clients rather than pycups: they ship with every CUPS
(Debian ``cups-client``), need no compiled binding, and their output in the C locale is
stable. A job counts as printed only when CUPS lists it as completed with the reason
``job-completed-successfully``; a queue that stops (paper out, jam, door open) while our
job waits gets the job cancelled, so a certificate with a citizen's data does not come out
later for someone else to take. The PDF goes to ``lp`` on stdin, never to a file.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum

from drivers.base import DeviceError, DeviceGone, DeviceState, DeviceStatus, DeviceTimeout

log = logging.getLogger(__name__)


class A4Code(StrEnum):
    """Stable error codes of the A4 printer (looked up in kiosk.i18n)."""

    NO_CUPS = "a4printer.no_cups"  # lp/lpstat not installed
    GONE = "a4printer.gone"  # the CUPS server does not answer
    UNKNOWN_QUEUE = "a4printer.unknown_queue"  # the server has no such queue
    NOT_ANSWERING = "a4printer.not_answering"  # lp/lpstat hung past their deadline
    PAPER_OUT = "a4printer.paper_out"
    JAM = "a4printer.jam"
    COVER_OPEN = "a4printer.cover_open"
    TONER_OUT = "a4printer.toner_out"
    OFFLINE = "a4printer.offline"
    STOPPED = "a4printer.stopped"  # disabled by staff or by CUPS after a backend failure
    NOT_ACCEPTING = "a4printer.not_accepting"
    JOB_FAILED = "a4printer.job_failed"  # CUPS aborted or cancelled the job
    JOB_TIMEOUT = "a4printer.job_timeout"  # not printed in time; cancelled


class A4PrinterError(DeviceError):
    """The A4 printer cannot print, or a job did not complete."""


# printer-state-reasons keywords (RFC 8011 §5.4.12, PWG 5100.9) that stop printing, most
# specific first. A "-warning" or "-report" suffix means printing goes on.
_BLOCKING_REASONS: tuple[tuple[str, A4Code], ...] = (
    ("media-empty", A4Code.PAPER_OUT),
    ("media-needed", A4Code.PAPER_OUT),
    ("input-tray-missing", A4Code.PAPER_OUT),
    ("media-jam", A4Code.JAM),
    ("door-open", A4Code.COVER_OPEN),
    ("cover-open", A4Code.COVER_OPEN),
    ("interlock-open", A4Code.COVER_OPEN),
    ("toner-empty", A4Code.TONER_OUT),
    ("marker-supply-empty", A4Code.TONER_OUT),
    ("offline", A4Code.OFFLINE),
    ("shutdown", A4Code.OFFLINE),
)
_NEAR_END_REASONS = ("media-low",)
_SUCCESS_REASONS = ("job-completed-successfully", "job-completed-with-warnings")
_C_LOCALE = {"LC_ALL": "C", "LANG": "C"}  # lpstat's words and dates, unlocalised


@dataclass(frozen=True)
class QueueState:
    """What ``lpstat -l -p Q -a Q`` says about one queue."""

    enabled: bool
    accepting: bool
    reasons: tuple[str, ...] = ()
    message: str = ""

    def to_device_status(self, queue: str) -> DeviceStatus:
        details: dict[str, object] = {"queue": queue, "paper": self.paper}
        reason = f"queue {queue}: reasons {','.join(self.reasons) or 'none'}"
        if self.message:
            reason += f"; {self.message}"
        code = self.blocking_code()
        if code is None and not self.enabled:
            code = A4Code.STOPPED
        if code is None and not self.accepting:
            code = A4Code.NOT_ACCEPTING
        if code is not None:
            return DeviceStatus(DeviceState.ERROR, code, reason, details)
        return DeviceStatus(DeviceState.READY, "", reason, details)

    def blocking_code(self) -> A4Code | None:
        for keyword, code in _BLOCKING_REASONS:
            if any(_blocks(r, keyword) for r in self.reasons):
                return code
        return None

    @property
    def paper(self) -> str:
        if any(_blocks(r, k) for r in self.reasons for k in ("media-empty", "media-needed")):
            return "out"
        if any(r.startswith(k) for r in self.reasons for k in _NEAR_END_REASONS):
            return "near_end"
        return "ok"


def _blocks(reason: str, keyword: str) -> bool:
    return reason in (keyword, f"{keyword}-error")


def _blocks_of(text: str) -> list[tuple[str, list[str]]]:
    """lpstat output as (head line, its tab-indented lines) blocks."""
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith((" ", "\t")) and blocks:
            blocks[-1][1].append(line.strip())
        elif line.strip():
            blocks.append((line, []))
    return blocks


def _field(lines: list[str], name: str) -> str | None:
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(name + ":")), None)


def parse_queue_state(text: str, queue: str) -> QueueState | None:
    """Parse ``lpstat -l -p Q -a Q`` output (C locale); None if ``queue`` is not in it."""
    enabled = accepting = None
    reasons: tuple[str, ...] = ()
    message = ""
    for head, lines in _blocks_of(text):
        words = head.split()
        if words[:2] == ["printer", queue]:
            enabled = "disabled since" not in head
            # A stopped printer's state message is the indented line after "... since DATE -".
            if head.rstrip().endswith("-") and lines:
                message = lines[0]
            alerts = _field(lines, "Alerts") or ""
            reasons = tuple(w for w in alerts.split() if w != "none")
        elif words[:1] == [queue] and "accepting requests" in head:
            accepting = "not accepting" not in head
    if enabled is None:
        return None
    return QueueState(enabled, accepting is not False, reasons, message)


@dataclass(frozen=True)
class JobListing:
    request_id: str
    alerts: tuple[str, ...] = ()
    status: str = ""

    @property
    def succeeded(self) -> bool:
        return any(r in _SUCCESS_REASONS for r in self.alerts)


_JOB_HEAD = re.compile(r"^(?P<id>\S+-\d+)\s")


def parse_jobs(text: str) -> dict[str, JobListing]:
    """Parse ``lpstat -l -o Q``: each job line, with its ``Status:`` and ``Alerts:`` lines."""
    jobs: dict[str, JobListing] = {}
    for head, lines in _blocks_of(text):
        if (m := _JOB_HEAD.match(head)) and "accepting requests" not in head:
            alerts = tuple((_field(lines, "Alerts") or "").split())
            jobs[m["id"]] = JobListing(m["id"], alerts, _field(lines, "Status") or "")
    return jobs


_REQUEST_ID = re.compile(r"request id is (\S+)")
_ADDRESS = re.compile(r"^(?P<queue>[^\s@/#]+)(@(?P<server>[\w.\-]+:\d{1,5}))?$")


class CupsPrinter:
    def __init__(
        self,
        queue: str,
        server: str | None = None,
        *,
        command_timeout: float = 10.0,
        job_timeout: float = 120.0,
        poll_interval: float = 0.5,
        remember_jobs: int = 1000,
    ) -> None:
        """``server`` is ``host:port`` of the CUPS server; None: CUPS's own default."""
        self.queue, self.server = queue, server
        self.command_timeout = command_timeout
        self.job_timeout = job_timeout
        self.poll_interval = poll_interval
        self._remember = remember_jobs
        self._done: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_address(cls, address: str, **kw: float) -> CupsPrinter:
        """``QUEUE`` or ``QUEUE@HOST:PORT`` (the latter for a CUPS server elsewhere)."""
        m = _ADDRESS.match(address.strip())
        if m is None:
            raise ValueError(f"A4 printer address must be QUEUE or QUEUE@HOST:PORT: {address!r}")
        return cls(m["queue"], m["server"], **kw)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"CupsPrinter({self.queue}@{self.server or 'default'})"

    # --- status --------------------------------------------------------------------------
    def status(self) -> DeviceStatus:
        try:
            state = self._queue_state()
        except (DeviceGone, DeviceTimeout) as exc:
            return DeviceStatus(DeviceState.ABSENT, exc.code, exc.tech, {"queue": self.queue})
        return state.to_device_status(self.queue)

    def _queue_state(self) -> QueueState:
        out = self._run("lpstat", "-l", "-p", self.queue, "-a", self.queue)
        state = parse_queue_state(out.stdout, self.queue)
        if out.returncode != 0 or state is None:
            raise self._why_missing(out.stderr)
        return state

    def _why_missing(self, stderr: str) -> DeviceGone:
        """lpstat says "invalid destination" both for a dead server and a wrong queue name."""
        running = self._run("lpstat", "-r").stdout
        if "not running" in running or "is running" not in running:
            return DeviceGone(A4Code.GONE, f"{self!r}: CUPS server not running ({stderr.strip()})")
        return DeviceGone(A4Code.UNKNOWN_QUEUE, f"{self!r}: no such queue ({stderr.strip()})")

    # --- jobs ----------------------------------------------------------------------------
    def print_pdf(self, job_id: str, pdf: bytes, pages: tuple[int, int] | None = None) -> str:
        """Print once per ``job_id`` (only ``pages``, first and last, if given); returns
        CUPS's request id once the job completed."""
        with self._lock:
            if job_id in self._done:
                log.info("a4: job %s already printed as %s", job_id, self._done[job_id])
                return self._done[job_id]
            device = self._queue_state().to_device_status(self.queue)
            if device.state is not DeviceState.READY:
                raise A4PrinterError(device.code, f"{self!r} before job {job_id}: {device.reason}")
            request = self._submit(job_id, pdf, pages)
            self._follow(job_id, request)
            self._done[job_id] = request
            while len(self._done) > self._remember:
                self._done.popitem(last=False)
            log.info("a4: job %s printed as %s (%d bytes)", job_id, request, len(pdf))
            return request

    def _submit(self, job_id: str, pdf: bytes, pages: tuple[int, int] | None) -> str:
        ranges = ["-o", f"page-ranges={pages[0]}-{pages[1]}"] if pages else []
        out = self._run(
            "lp", "-d", self.queue, "-t", job_id, "-o", "media=A4", "-o", "sides=one-sided",
            *ranges, stdin=pdf,
        )
        match = _REQUEST_ID.search(out.stdout)
        if out.returncode == 0 and match:
            return match[1]
        if "not accepting" in out.stderr.lower():
            raise A4PrinterError(A4Code.NOT_ACCEPTING, f"{self!r}: {out.stderr.strip()}")
        if "does not exist" in out.stderr:
            raise self._why_missing(out.stderr)
        raise A4PrinterError(A4Code.JOB_FAILED, f"{self!r}: lp failed: {out.stderr.strip()}")

    def _follow(self, job_id: str, request: str) -> None:
        when = f"{self!r} job {job_id} ({request})"
        deadline = time.monotonic() + self.job_timeout
        while True:
            out = self._run("lpstat", "-l", "-p", self.queue, "-W", "not-completed",
                            "-o", self.queue)
            state = parse_queue_state(out.stdout, self.queue)
            if out.returncode != 0 or state is None:
                raise self._why_missing(out.stderr)
            if request not in parse_jobs(out.stdout):
                return self._outcome(when, request)
            code = state.blocking_code() or (None if state.enabled else A4Code.STOPPED)
            if code is not None:
                self._cancel(request)
                raise A4PrinterError(code, f"{when}: queue stopped ({state.reasons}); cancelled")
            if time.monotonic() >= deadline:
                self._cancel(request)
                raise A4PrinterError(A4Code.JOB_TIMEOUT, f"{when}: not done in "
                                     f"{self.job_timeout:.0f} s; cancelled")
            time.sleep(self.poll_interval)

    def _outcome(self, when: str, request: str) -> None:
        out = self._run("lpstat", "-l", "-W", "completed", "-o", self.queue)
        job = parse_jobs(out.stdout).get(request)
        if job is None:
            raise A4PrinterError(A4Code.JOB_FAILED, f"{when}: vanished from the queue")
        if not job.succeeded:
            raise A4PrinterError(
                A4Code.JOB_FAILED, f"{when}: {' '.join(job.alerts) or 'no reason'} {job.status}"
            )

    def _cancel(self, request: str) -> None:
        out = self._run("cancel", request)
        if out.returncode != 0:
            log.warning("a4: could not cancel %s: %s", request, out.stderr.strip())

    # --- running the CUPS clients --------------------------------------------------------
    def _run(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
        cmd = [args[0], *(["-h", self.server] if self.server else []), *args[1:]]
        try:
            out = subprocess.run(
                cmd, input=stdin, capture_output=True, timeout=self.command_timeout,
                env={**os.environ, **_C_LOCALE}, check=False,
            )
        except FileNotFoundError as exc:
            raise DeviceGone(A4Code.NO_CUPS, f"{cmd[0]} not found (install cups-client)") from exc
        except subprocess.TimeoutExpired as exc:
            raise DeviceTimeout(
                A4Code.NOT_ANSWERING, f"{self!r}: {cmd[0]} gave no answer in "
                f"{self.command_timeout:.0f} s"
            ) from exc
        return subprocess.CompletedProcess(
            cmd, out.returncode, out.stdout.decode("utf-8", "replace"),
            out.stderr.decode("utf-8", "replace"),
        )
