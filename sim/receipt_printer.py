"""A virtual 58/80 mm ESC/POS printer on TCP (port 9100 style) or a pty, printing to PNG files.

It speaks bytes, not Python objects, so the real transport and driver code run against it:
real-time status (DLE EOT 1..4) is answered at once and truthfully for its state, GS r 1 only
while it can print (a real printer at paper end stalls and never reaches it), and print data
is discarded while there is no paper or the cover is open.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import selectors
import socket
import threading
import tty
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Literal

from PIL import Image

from drivers.escpos import spec
from drivers.escpos.fonts import GlyphCache
from drivers.escpos.render import EscPosInterpreter
from sim.spool import RETENTION, kept, open_spool, purge_spool

log = logging.getLogger(__name__)

Paper = Literal["ok", "near_end", "out"]
_WAKE = "wake"
_LISTENER = "listener"


def _send(conn: socket.socket, data: bytes) -> None:
    # A client that hung up before its reply is its own problem, not the printer's.
    with contextlib.suppress(OSError):
        conn.sendall(data)


class VirtualPrinter:
    def __init__(
        self,
        output_dir: str | Path,
        on_page: Callable[[Path], None] | None = None,
        *,
        chinese_default: bool = True,
        width_dots: int = spec.PAPER_WIDTH_DOTS,
        retention: float = RETENTION,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.retention = retention
        self.on_page = on_page
        self.chinese_default = chinese_default
        self.width_dots = width_dots
        self.pages: list[Path] = []
        self.received = bytearray()  # bytes of the last job (up to and including its cut)
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.pty_link: Path | None = None
        self._paper: Paper = "ok"
        self._paper_left: int | None = None  # dots of paper before it runs out
        self._cover_open = False
        self._cutter_error = False
        self._answering = True
        self._lock = threading.RLock()
        self._pages_changed = threading.Condition(self._lock)
        self._glyphs = GlyphCache()
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._mode: Literal["tcp", "pty"] | None = None

    # --- life cycle ----------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on TCP; returns the bound port (pass 0 to let the OS choose)."""
        self.host, self.port, self._mode = host, port, "tcp"
        self.plug()
        assert self.port is not None
        return self.port

    def start_pty(self, link_path: str | Path) -> str:
        """Serve a pty and symlink ``link_path`` to its slave; returns the slave's name."""
        self.pty_link, self._mode = Path(link_path), "pty"
        self.plug()
        return os.readlink(self.pty_link)

    def stop(self) -> None:
        self.unplug()
        self._mode = None

    def __enter__(self) -> VirtualPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def plug(self) -> None:
        """(Re)connect: listen on the same port, or re-create the pty behind the same link."""
        if self._thread is not None or self._mode is None:
            return
        open_spool(self.output_dir)
        purge_spool(self.output_dir, "receipt-*.png", self.retention)
        self._wake = socket.socketpair()
        if self._mode == "tcp":
            listener = socket.create_server((self.host, self.port or 0))  # SO_REUSEADDR on
            self.port = listener.getsockname()[1]
            target: Callable[[], None] = functools.partial(self._serve_tcp, listener)
        else:
            target = self._serve_pty(*self._open_pty())
        self._thread = threading.Thread(target=target, name="virtual-printer", daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        """Drop every connection and stop listening, as a pulled cable or power switch does."""
        if self._thread is None or self._wake is None:
            return
        self._wake[1].send(b"x")
        self._thread.join(timeout=5)
        for sock in self._wake:
            sock.close()
        self._thread, self._wake = None, None
        if self._mode == "pty" and self.pty_link is not None:
            self.pty_link.unlink(missing_ok=True)

    # --- state ---------------------------------------------------------------------------
    def set_paper(self, state: Paper, *, runs_out_after_dots: int | None = None) -> None:
        """Paper state; ``runs_out_after_dots`` makes it run out part-way through a job."""
        if state not in ("ok", "near_end", "out"):
            raise ValueError(f"paper must be ok/near_end/out, not {state!r}")
        with self._lock:
            self._paper, self._paper_left = state, runs_out_after_dots

    def set_cover_open(self, is_open: bool) -> None:
        with self._lock:
            self._cover_open = is_open

    def set_cutter_error(self, failed: bool) -> None:
        with self._lock:
            self._cutter_error = failed

    def set_answering(self, answering: bool) -> None:
        """False: connected but silent, like a hung printer or a wrong port."""
        with self._lock:
            self._answering = answering

    def wait_for_pages(self, count: int, timeout: float = 5.0) -> bool:
        with self._pages_changed:
            return self._pages_changed.wait_for(lambda: len(self.pages) >= count, timeout)

    def status_reply(self, n: int) -> int | None:
        """The byte a real printer in this state sends for DLE EOT n (None: silence)."""
        with self._lock:
            if not self._answering or n not in (1, 2, 3, 4):
                return None
            out = self._paper == "out"
            reply = spec.STATUS_FIXED_VALUE
            if n == spec.STATUS_PRINTER:
                reply |= 0 if self._can_print() else spec.STATUS_BIT_OFFLINE
            elif n == spec.STATUS_OFFLINE_CAUSE:
                reply |= spec.STATUS_BIT_COVER_OPEN if self._cover_open else 0
                reply |= spec.STATUS_BIT_PAPER_STOP if out else 0
                reply |= spec.STATUS_BIT_ERROR if self._cutter_error else 0
            elif n == spec.STATUS_ERROR_CAUSE:
                reply |= spec.STATUS_BIT_CUTTER if self._cutter_error else 0
            else:
                reply |= spec.STATUS_BITS_NEAR_END if self._paper != "ok" else 0
                reply |= spec.STATUS_BITS_PAPER_END if out else 0
            return reply

    def _can_print(self) -> bool:
        return self._paper != "out" and not self._cover_open and not self._cutter_error

    # --- serving -------------------------------------------------------------------------
    def _new_interpreter(self, send: Callable[[bytes], None]) -> EscPosInterpreter:
        def status(n: int) -> None:
            reply = self.status_reply(n)
            if reply is not None:
                send(bytes([reply]))

        def paper_sensor(n: int) -> None:
            # GS r is processed in stream order: a stalled (offline) printer never gets to it.
            with self._lock:
                if not (self._answering and self._can_print()) or n not in (1, 49):
                    return
                near = self._paper == "near_end"
            send(bytes([spec.PAPER_SENSOR_BITS_NEAR_END if near else 0]))

        return EscPosInterpreter(
            width_dots=self.width_dots,
            chinese_default=self.chinese_default,
            on_status_request=status,
            on_paper_sensor=paper_sensor,
            take_paper=self._take_paper,
            on_cut=self._page_cut,
            glyphs=self._glyphs,
        )

    def _feed(self, interpreter: EscPosInterpreter, data: bytes) -> None:
        with self._lock:
            interpreter.feed(data)

    def _finish(self, interpreter: EscPosInterpreter) -> None:
        with self._lock:
            interpreter.finish()

    def _take_paper(self, dots: int) -> bool:
        with self._lock:
            if not self._can_print():
                return False
            if self._paper_left is not None:
                self._paper_left -= dots
                if self._paper_left < 0:
                    log.info("virtual printer: paper ran out mid-page")
                    self._paper, self._paper_left = "out", None
                    return False
            return True

    def _page_cut(self, page: Image.Image | None, job: bytes) -> None:
        with self._pages_changed:
            self.received = bytearray(job)
            if page is None:
                log.info("virtual printer: job of %d bytes discarded (no paper)", len(job))
                return
            path = self._page_path()
            page.save(path)
            self.pages.append(kept(path))
            self._pages_changed.notify_all()
        log.info("virtual printer: printed %s", path.name)
        if self.on_page is not None:
            self.on_page(path)

    def _page_path(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        n = len(self.pages) + 1
        while (path := self.output_dir / f"receipt-{stamp}-{n}.png").exists():
            n += 1
        return path

    def _serve_tcp(self, listener: socket.socket) -> None:
        assert self._wake is not None
        sel = selectors.DefaultSelector()
        sel.register(listener, selectors.EVENT_READ, _LISTENER)
        sel.register(self._wake[0], selectors.EVENT_READ, _WAKE)
        try:
            while True:
                for key, _ in sel.select():
                    if key.data == _WAKE:
                        return
                    if key.data == _LISTENER:
                        conn, _ = listener.accept()
                        interpreter = self._new_interpreter(functools.partial(_send, conn))
                        sel.register(conn, selectors.EVENT_READ, interpreter)
                        continue
                    conn = key.fileobj
                    assert isinstance(conn, socket.socket)
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        data = b""
                    if data:
                        self._feed(key.data, data)
                    else:
                        sel.unregister(conn)
                        conn.close()
                        self._finish(key.data)
        finally:
            for key in list(sel.get_map().values()):
                if key.data not in (_WAKE, _LISTENER):
                    self._finish(key.data)
                if key.data != _WAKE:
                    key.fileobj.close()  # type: ignore[union-attr]
            sel.close()

    def _open_pty(self) -> tuple[int, int]:
        assert self.pty_link is not None
        master, slave = os.openpty()
        # Raw: no echo, no CR/LF translation; print data and replies are binary.
        tty.setraw(slave)
        self.pty_link.unlink(missing_ok=True)
        self.pty_link.symlink_to(os.ttyname(slave))
        return master, slave

    def _serve_pty(self, master: int, slave: int) -> Callable[[], None]:
        def send(data: bytes) -> None:
            with contextlib.suppress(OSError):
                os.write(master, data)

        def serve() -> None:
            assert self._wake is not None
            interpreter = self._new_interpreter(send)
            sel = selectors.DefaultSelector()
            sel.register(master, selectors.EVENT_READ, None)
            sel.register(self._wake[0], selectors.EVENT_READ, _WAKE)
            try:
                while all(key.data != _WAKE for key, _ in sel.select()):
                    try:
                        data = os.read(master, 65536)
                    except OSError:  # EIO: nobody holds the slave open just now
                        data = b""
                    if data:
                        self._feed(interpreter, data)
            finally:
                self._finish(interpreter)
                sel.close()
                # The slave stays open until now so a client closing it does not EIO us.
                os.close(master)
                os.close(slave)

        return serve
