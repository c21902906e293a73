"""A virtual A4 printer: one CUPS queue on a local HTTP port, speaking IPP like cupsd does.

The kiosk prints A4 with CUPS's own ``lp`` and follows jobs with ``lpstat``; they talk IPP
to this server exactly as to cupsd (``lp -h 127.0.0.1:PORT``), so the real client programs
and our parsing of their output run in tests. A job is printed ``processing_seconds`` after
its document arrives, and then its PDF is stored under ``output_dir`` — the paper tray.
It can run out of paper (the queue stops, jobs wait, as a real laser printer does), fail
every job (aborted by the printer), refuse new jobs, or be unplugged.
"""

from __future__ import annotations

import functools
import logging
import re
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from drivers.a4printer import ipp
from sim.spool import RETENTION, kept, open_spool, purge_spool

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "kiosk-a4"
_MAX_BODY = 64 * 1024 * 1024  # a certificate is ~100 KB; more is a runaway client
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")  # a page object of the PDF
_COMPLETED_STATES = {ipp.JOB_CANCELED, ipp.JOB_ABORTED, ipp.JOB_COMPLETED}


@dataclass
class _Job:
    id: int
    name: str
    user: str
    created: int
    state: int = ipp.JOB_PENDING
    reasons: str = "job-incoming"
    message: str = ""
    data: bytearray = field(default_factory=bytearray)
    received: bool = False  # the last document has arrived
    due: float | None = None  # when processing ends
    completed: int | None = None
    ranges: tuple[tuple[int, int], ...] = ()  # page-ranges asked for; () = every page
    pages: tuple[int, ...] = ()  # the pages that came out


class VirtualA4Printer:
    def __init__(
        self,
        output_dir: str | Path,
        queue: str = DEFAULT_QUEUE,
        *,
        processing_seconds: float = 0.2,
        on_document: Callable[[Path], None] | None = None,
        retention: float = RETENTION,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.retention = retention
        self.queue = queue
        self.processing_seconds = processing_seconds
        self.on_document = on_document
        self.documents: list[Path] = []
        self.host = "127.0.0.1"
        self.port: int | None = None
        self._jobs: dict[int, _Job] = {}
        self._next_id = 1
        self._paper_out = False
        self._sheets: int | None = None  # paper left in the tray; None: never runs out
        self.printed_pages: list[tuple[str, int]] = []  # (job name, page) as they came out
        self._failing = False
        self._accepting = True
        self._started = int(time.time())
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def address(self) -> str:
        """The kiosk's ``[devices.a4printer] port`` value that reaches this printer."""
        return f"{self.queue}@{self.host}:{self.port}"

    # --- life cycle ----------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.host, self.port = host, port
        self.plug()
        assert self.port is not None
        return self.port

    def plug(self) -> None:
        if self._server is not None:
            return
        open_spool(self.output_dir)
        purge_spool(self.output_dir, "a4-*.pdf", self.retention)
        handler = functools.partial(_Handler, self)
        self._server = ThreadingHTTPServer((self.host, self.port or 0), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._threads = [
            # A short poll interval lets unplug() return quickly.
            threading.Thread(target=self._server.serve_forever, args=(0.1,), name="virtual-a4",
                             daemon=True),
            threading.Thread(target=self._engine, name="virtual-a4-engine", daemon=True),
        ]
        for t in self._threads:
            t.start()

    def unplug(self) -> None:
        """Stop answering: connections are refused, as with a cable pulled or cupsd down."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._cond:
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout=5)
        self._threads = []

    stop = unplug

    def __enter__(self) -> VirtualA4Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state ---------------------------------------------------------------------------
    def set_paper(self, ok: bool) -> None:
        """No paper: the queue stops with media-empty-error; waiting jobs print on refill."""
        with self._cond:
            self._paper_out = not ok
            self._sheets = None
            self._cond.notify_all()

    def load_paper(self, sheets: int) -> None:
        """Only ``sheets`` sheets in the tray: the printer stops (media-empty) when a job
        needs more, with what it printed already out; set_paper(True) refills it."""
        with self._cond:
            self._sheets = sheets
            self._paper_out = sheets == 0
            self._cond.notify_all()

    def set_failing(self, failing: bool) -> None:
        """Every job that reaches the engine from now on is aborted by the printer."""
        with self._cond:
            self._failing = failing
            self._cond.notify_all()

    def set_accepting(self, accepting: bool) -> None:
        with self._cond:
            self._accepting = accepting

    def wait_for_documents(self, count: int, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.documents) >= count, timeout)

    def job_states(self) -> dict[int, int]:
        with self._cond:
            return {job.id: job.state for job in self._jobs.values()}

    def wait_for_job_state(self, job_id: int, state: int, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: job_id in self._jobs and self._jobs[job_id].state == state, timeout
            )

    # --- the print engine ----------------------------------------------------------------
    def _engine(self) -> None:
        with self._cond:
            while self._server is not None:
                due = self._advance(time.monotonic())
                self._cond.wait(None if due is None else max(due - time.monotonic(), 0.0))

    def _advance(self, now: float) -> float | None:
        """Move jobs along; returns when the next one is due (None: nothing to wait for)."""
        for job in sorted(self._jobs.values(), key=lambda j: j.id):
            if job.state in _COMPLETED_STATES or not job.received or self._paper_out:
                continue
            if job.due is None:
                job.state, job.reasons = ipp.JOB_PROCESSING, "job-printing"
                job.due = now + self.processing_seconds
                self._cond.notify_all()
            if job.due > now:
                return job.due  # one job at a time, like a real engine
            if not self._print_pages(job):
                return None  # the tray ran out mid-job: it waits for paper
            self._finish(job)
        return None

    def _print_pages(self, job: _Job) -> bool:
        """Put the job's pages out one sheet at a time; False if the tray ran empty."""
        count = len(_PAGE.findall(bytes(job.data))) or 1
        wanted = [n for n in range(1, count + 1)
                  if not job.ranges or any(lo <= n <= hi for lo, hi in job.ranges)]
        for n in wanted[len(job.pages):]:
            if self._sheets is not None:
                if self._sheets == 0:
                    self._paper_out = True
                    log.info("virtual A4: out of paper in job %d before page %d", job.id, n)
                    self._cond.notify_all()
                    return False
                self._sheets -= 1
            job.pages += (n,)
            self.printed_pages.append((job.name, n))
        return True

    def _finish(self, job: _Job) -> None:
        job.completed = int(time.time())
        if self._failing:
            job.state, job.reasons = ipp.JOB_ABORTED, "aborted-by-system"
            job.message = "printer fault: fuser error (simulated)"
            log.info("virtual A4: job %d aborted (set to fail)", job.id)
            return
        job.state, job.reasons, job.message = ipp.JOB_COMPLETED, "job-completed-successfully", ""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.output_dir / f"a4-{stamp}-job{job.id}.pdf"
        path.write_bytes(bytes(job.data))
        self.documents.append(kept(path))
        purge_spool(self.output_dir, "a4-*.pdf", self.retention)
        self._cond.notify_all()
        log.info("virtual A4: job %d printed to %s", job.id, path.name)
        if self.on_document is not None:
            self.on_document(path)

    # --- IPP operations (called by the HTTP handler) -------------------------------------
    def handle(self, req: ipp.Message, host: str) -> ipp.Message:
        handlers = {
            ipp.GET_PRINTER_ATTRIBUTES: self._op_printer,
            ipp.CUPS_GET_DEFAULT: self._op_printer,
            ipp.CUPS_GET_PRINTERS: self._op_printer,
            ipp.VALIDATE_JOB: self._op_validate,
            ipp.PRINT_JOB: self._op_create,
            ipp.CREATE_JOB: self._op_create,
            ipp.SEND_DOCUMENT: self._op_send,
            ipp.GET_JOBS: self._op_get_jobs,
            ipp.GET_JOB_ATTRIBUTES: self._op_job,
            ipp.CANCEL_JOB: self._op_cancel,
        }
        op = handlers.get(req.code)
        if op is None:
            return self._reply(req, ipp.OPERATION_NOT_SUPPORTED)
        with self._cond:
            reply = op(req, host)
            self._cond.notify_all()
            return reply

    def _reply(self, req: ipp.Message, status: int, *groups: tuple[int, list[ipp.Attribute]],
               message: str = "") -> ipp.Message:
        head = ipp.operation_attributes()
        if message:
            head.append(ipp.attr("status-message", ipp.TEXT, message))
        return ipp.Message(status, req.request_id, [(ipp.OPERATION, head), *groups],
                           version=req.version)

    def _names_us(self, req: ipp.Message) -> bool:
        uri = req.value("printer-uri") or req.value("job-uri") or ""
        return "/printers/" not in str(uri) or str(uri).rstrip("/").endswith("/" + self.queue)

    def _printer_uri(self, host: str) -> str:
        return f"ipp://{host}/printers/{self.queue}"

    def _op_printer(self, req: ipp.Message, host: str) -> ipp.Message:
        if not self._names_us(req):
            return self._reply(req, ipp.NOT_FOUND, message="The printer does not exist.")
        return self._reply(req, ipp.OK, (ipp.PRINTER, self._printer_attributes(host)))

    def _printer_attributes(self, host: str) -> list[ipp.Attribute]:
        busy = any(j.state == ipp.JOB_PROCESSING for j in self._jobs.values())
        if self._paper_out:
            state, reasons, message = ipp.PRINTER_STOPPED, "media-empty-error", "Out of paper"
        else:
            state = ipp.PRINTER_PROCESSING if busy else ipp.PRINTER_IDLE
            reasons, message = "none", ""
        a, t = ipp.attr, ipp
        return [
            a("printer-uri-supported", t.URI, self._printer_uri(host)),
            a("uri-authentication-supported", t.KEYWORD, "none"),
            a("uri-security-supported", t.KEYWORD, "none"),
            a("printer-name", t.NAME, self.queue),
            a("printer-state", t.ENUM, state),
            a("printer-state-reasons", t.KEYWORD, reasons),
            a("printer-state-message", t.TEXT, message),
            a("printer-is-accepting-jobs", t.BOOLEAN, self._accepting),
            a("printer-type", t.ENUM, 0x0004 | 0x0010),  # CUPS: black-and-white, duplex
            a("printer-info", t.TEXT, "Virtual A4 printer (kiosk simulator)"),
            a("printer-location", t.TEXT, "simulator"),
            a("printer-make-and-model", t.TEXT, "Kiosk Virtual A4"),
            a("device-uri", t.URI, f"file://{self.output_dir.as_posix()}"),
            a("printer-state-change-time", t.INTEGER, self._started),
            a("printer-up-time", t.INTEGER, int(time.time())),
            a("queued-job-count", t.INTEGER, sum(
                j.state not in _COMPLETED_STATES for j in self._jobs.values())),
            a("document-format-supported", t.MIME, "application/pdf", "application/octet-stream"),
            a("document-format-default", t.MIME, "application/octet-stream"),
            a("media-default", t.KEYWORD, "iso_a4_210x297mm"),
            a("media-supported", t.KEYWORD, "iso_a4_210x297mm"),
            a("copies-default", t.INTEGER, 1),
            a("job-sheets-default", t.NAME, "none", "none"),
            a("printer-is-shared", t.BOOLEAN, False),
        ]

    def _op_validate(self, req: ipp.Message, host: str) -> ipp.Message:
        if not self._names_us(req):
            return self._reply(req, ipp.NOT_FOUND, message="The printer does not exist.")
        return self._reply(req, ipp.OK)

    def _op_create(self, req: ipp.Message, host: str) -> ipp.Message:
        if not self._names_us(req):
            return self._reply(req, ipp.NOT_FOUND, message="The printer does not exist.")
        if not self._accepting:
            return self._reply(req, ipp.NOT_ACCEPTING, message="Not accepting jobs.")
        job = _Job(
            id=self._next_id,
            name=str(req.value("job-name", "untitled")),
            user=str(req.value("requesting-user-name", "anonymous")),
            created=int(time.time()),
        )
        self._next_id += 1
        self._jobs[job.id] = job
        ranges = req.get("page-ranges")
        if ranges is not None:  # rangeOfInteger: two big-endian ints per range
            job.ranges = tuple(struct.unpack(">ii", v) for v in ranges.values
                               if isinstance(v, bytes) and len(v) == 8)
        if req.code == ipp.PRINT_JOB:
            self._receive(job, req.data, last=True)
        return self._reply(req, ipp.OK, (ipp.JOB, self._job_attributes(job, host)))

    def _receive(self, job: _Job, data: bytes, last: bool) -> None:
        job.data += data
        if last:
            job.received, job.reasons = True, "none"

    def _op_send(self, req: ipp.Message, host: str) -> ipp.Message:
        job = self._jobs.get(int(req.value("job-id", 0) or 0))  # type: ignore[arg-type]
        if job is None or job.received:
            return self._reply(req, ipp.NOT_POSSIBLE, message="No such job awaiting data.")
        self._receive(job, req.data, last=bool(req.value("last-document", False)))
        return self._reply(req, ipp.OK, (ipp.JOB, self._job_attributes(job, host)))

    def _op_get_jobs(self, req: ipp.Message, host: str) -> ipp.Message:
        which = str(req.value("which-jobs", "not-completed"))
        jobs = [
            j for j in sorted(self._jobs.values(), key=lambda j: j.id)
            if which == "all" or (j.state in _COMPLETED_STATES) == (which == "completed")
        ]
        groups = [(ipp.JOB, self._job_attributes(j, host)) for j in jobs]
        return self._reply(req, ipp.OK, *groups)

    def _op_job(self, req: ipp.Message, host: str) -> ipp.Message:
        job = self._find_job(req)
        if job is None:
            return self._reply(req, ipp.NOT_FOUND, message="The job does not exist.")
        return self._reply(req, ipp.OK, (ipp.JOB, self._job_attributes(job, host)))

    def _op_cancel(self, req: ipp.Message, host: str) -> ipp.Message:
        job = self._find_job(req)
        if job is None:
            return self._reply(req, ipp.NOT_FOUND, message="The job does not exist.")
        if job.state in _COMPLETED_STATES:
            return self._reply(req, ipp.NOT_POSSIBLE, message="The job is already finished.")
        job.state, job.reasons, job.completed = ipp.JOB_CANCELED, "job-canceled-by-user", int(
            time.time()
        )
        log.info("virtual A4: job %d canceled", job.id)
        return self._reply(req, ipp.OK)

    def _find_job(self, req: ipp.Message) -> _Job | None:
        job_id = req.value("job-id")
        if job_id is None:
            uri = str(req.value("job-uri", ""))
            job_id = int(uri.rsplit("/", 1)[-1]) if uri.rsplit("/", 1)[-1].isdigit() else 0
        return self._jobs.get(int(job_id))  # type: ignore[arg-type]

    def _job_attributes(self, job: _Job, host: str) -> list[ipp.Attribute]:
        a, t = ipp.attr, ipp
        attrs = [
            a("job-id", t.INTEGER, job.id),
            a("job-uri", t.URI, f"ipp://{host}/jobs/{job.id}"),
            a("job-printer-uri", t.URI, self._printer_uri(host)),
            a("job-name", t.NAME, job.name),
            a("job-originating-user-name", t.NAME, job.user),
            a("job-state", t.ENUM, job.state),
            a("job-state-reasons", t.KEYWORD, job.reasons),
            a("job-k-octets", t.INTEGER, (len(job.data) + 1023) // 1024),
            a("time-at-creation", t.INTEGER, job.created),
        ]
        if job.message:
            attrs.append(a("job-printer-state-message", t.TEXT, job.message))
        if job.completed is not None:
            attrs.append(a("time-at-completed", t.INTEGER, job.completed))
        return attrs


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and 100-continue, as the CUPS client expects
    # Headers and body go out in separate writes; with Nagle's algorithm each reply would
    # wait for the client's delayed ACK (~40 ms), and lpstat makes several requests.
    disable_nagle_algorithm = True

    def __init__(self, printer: VirtualA4Printer, *args: object) -> None:
        self.printer = printer
        super().__init__(*args)  # type: ignore[arg-type]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        log.debug("virtual A4 http: " + format, *args)

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        body = self._body()
        if body is None:
            self._send(HTTPStatus.BAD_REQUEST, b"")
            return
        try:
            req = ipp.decode(body)
        except ipp.IppError as exc:
            log.debug("virtual A4: bad IPP request: %s", exc)
            self._send(HTTPStatus.BAD_REQUEST, b"")
            return
        reply = self.printer.handle(req, self.headers.get("Host", self.printer.host))
        self._send(HTTPStatus.OK, ipp.encode(reply))

    def _body(self) -> bytes | None:
        """The request body, plain or chunked (``lp`` sends documents chunked)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
                if len(body) > _MAX_BODY:
                    return None
        length = int(self.headers.get("Content-Length", "0") or 0)
        if length > _MAX_BODY:
            return None
        data = self.rfile.read(length)
        return data if len(data) == length else None  # a short body is not a request

    def _send(self, status: HTTPStatus, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/ipp")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
