"""A SAM module that speaks GA/T 467 byte for byte on a pseudo-terminal.

The driver opens the pty slave with pyserial exactly as it opens a real reader, so tests and
the dev kiosk run the real transport code. With ``link_path`` the simulator keeps a symlink
pointing at the current slave, like a udev by-id link that survives unplug/replug.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import random
import select
import termios
import threading
import time
import tty
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from drivers.idcard.card import IdentityCard, encode_appended_address, encode_text_block
from drivers.idcard.errors import IdCardFrameError
from drivers.idcard.protocol import (
    BAUD_CMD,
    BAUD_PARAS,
    CODE_FRAME_CHECKSUM,
    COMMAND_MIN_LEN,
    FIND,
    HEADER_BYTES,
    READ_ADDRESS,
    READ_FP,
    RESET,
    SAM_ID,
    SAM_ID_BYTES,
    SAM_STATUS,
    SELECT,
    Frame,
    FrameDecoder,
    Request,
    Sw3,
    command_spec,
    encode_read_data,
    encode_response,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# The simulator's own limit: no GA/T 467 command carries more than a few data bytes, so a
# larger LEN is answered at once with a length error instead of waiting for the bytes.
COMMAND_MAX_LEN = 32
POLL_INTERVAL = 0.1  # select() timeout; bounds how long stop() can take
CONTROL_TIMEOUT = 5.0
# UNCERTAIN: find_select_reply_data
FIND_REPLY_DATA = bytes(4)
SELECT_REPLY_DATA = bytes(8)
SAM_ID_DATA = bytes(range(1, SAM_ID_BYTES + 1))
FAULTS = ("garbage", "drop", "bad_checksum", "silence")  # plus "sw:<hex>"
BITS_PER_BYTE = 10  # 8N1
PACE_CHUNK = 16  # bytes handed to the pty at a time when paced
_TERMIOS_SPEEDS = {
    115200: termios.B115200, 57600: termios.B57600, 38400: termios.B38400,
    19200: termios.B19200, 9600: termios.B9600,
}


def _frame_bytes(item: Frame | IdCardFrameError) -> int:
    """Bytes a command took on the wire (a rejected frame: at least its header)."""
    return HEADER_BYTES + len(item.payload) + 1 if isinstance(item, Frame) else HEADER_BYTES


class SamSimulator:
    """A fake SAM module with one card slot, run by a daemon thread."""

    def __init__(self, link_path: str | None = None, delay: float = 0.0,
                 baud: int = 115200, paced: bool = False) -> None:
        self.link_path = link_path
        self.delay = delay  # seconds before each reply
        self.baud = baud  # the module's UART speed; command 60 changes it
        self.paced = paced  # take as long as a real UART at self.baud to receive and send
        self._lock = threading.Lock()  # guards the card slot and the fault queue
        self._card: IdentityCard | None = None
        self._found = False  # find answered 9F for the current placement
        self._faults: deque[str] = deque()
        self._next_baud = 0
        self._rng = random.Random(0x467)
        self._decoder = FrameDecoder(min_len=COMMAND_MIN_LEN, max_len=COMMAND_MAX_LEN)
        # fds are opened, used and closed only by the worker thread while it runs.
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_path: str | None = None
        self._wake_r: int | None = None
        self._wake_w: int | None = None
        self._ops: queue.SimpleQueue[tuple[Callable[[], object], Future[object]]] = (
            queue.SimpleQueue()
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> str:
        """Open the pty, start the worker, return the slave path."""
        if self._thread is not None:
            raise RuntimeError("simulator already started")
        self._wake_r, self._wake_w = os.pipe()
        self._stop.clear()
        path = self._open_pty()
        self._thread = threading.Thread(target=self._run, name="sam-simulator", daemon=True)
        self._thread.start()
        return path

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            self._wake()
            thread.join(CONTROL_TIMEOUT)
        self._close_pty()
        for fd in (self._wake_r, self._wake_w):
            if fd is not None:
                os.close(fd)
        self._wake_r = self._wake_w = None

    def __enter__(self) -> SamSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def slave_path(self) -> str | None:
        return self._slave_path

    def unplug(self) -> None:
        """Close the pty and remove the link: the driver sees EIO and must report absent."""
        self._in_worker(self._close_pty)

    def plug(self) -> str:
        """A new pty (a new slave path); the link is pointed at it."""
        return self._in_worker(self._open_pty)

    # -- the card slot and faults -----------------------------------------------------------

    def place_card(self, card: IdentityCard) -> None:
        with self._lock:
            self._card = card
            self._found = False

    def remove_card(self) -> None:
        with self._lock:
            self._card = None
            self._found = False

    @property
    def card_present(self) -> bool:
        with self._lock:
            return self._card is not None

    def inject(self, fault: str) -> None:
        """Queue a one-shot fault for the next reply: garbage, drop, bad_checksum, silence,
        or ``sw:<hex>`` (answer the next command with that SW3 and no data)."""
        if fault.startswith("sw:"):
            if not 0 <= int(fault[3:], 16) <= 0xFF:
                raise ValueError(f"SW3 in {fault!r} is not a byte")
        elif fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        with self._lock:
            self._faults.append(fault)

    # -- pty ----------------------------------------------------------------------------------

    def _open_pty(self) -> str:
        self._close_fds()
        master, slave = os.openpty()
        # Raw before the driver opens it: an echoing pty would bounce commands back as replies.
        tty.setraw(slave)
        os.set_blocking(master, False)
        # Keeping our own slave fd open stops the master from reading EIO while no driver has
        # the port open.
        self._master, self._slave = master, slave
        self._slave_path = os.ttyname(slave)
        self._decoder.reset()
        if self.link_path:
            tmp = f"{self.link_path}.tmp{os.getpid()}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self._slave_path, tmp)
            os.replace(tmp, self.link_path)  # atomic: the link never dangles mid-replug
        return self._slave_path

    def _close_pty(self) -> None:
        if self.link_path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link_path)
        self._close_fds()

    def _close_fds(self) -> None:
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        self._slave_path = None

    # -- worker -------------------------------------------------------------------------------

    def _in_worker(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the worker thread (which owns the fds), or here if not started."""
        if self._thread is None:
            return fn()
        done: Future[object] = Future()
        self._ops.put((fn, done))
        self._wake()
        return done.result(CONTROL_TIMEOUT)  # type: ignore[return-value]

    def _wake(self) -> None:
        if self._wake_w is not None:
            os.write(self._wake_w, b"\0")

    def _run(self) -> None:
        assert self._wake_r is not None
        while not self._stop.is_set():
            try:
                self._step(self._wake_r)
            except Exception:
                # A simulator must outlive any input: log and keep serving.
                log.exception("SAM simulator failed to handle input")
        self._run_ops()

    def _step(self, wake_r: int) -> None:
        self._run_ops()
        fds = [wake_r] if self._master is None else [wake_r, self._master]
        ready, _, _ = select.select(fds, [], [], POLL_INTERVAL)
        if wake_r in ready:
            os.read(wake_r, 256)
        if self._master is not None and self._master in ready:
            self._serve()

    def _run_ops(self) -> None:
        while True:
            try:
                fn, done = self._ops.get_nowait()
            except queue.Empty:
                return
            try:
                done.set_result(fn())
            except Exception as exc:
                done.set_exception(exc)

    def _serve(self) -> None:
        assert self._master is not None
        try:
            chunk = os.read(self._master, 4096)
        except BlockingIOError:
            return
        if not self._speed_matches():
            # A UART at another speed receives only framing errors: nothing to answer.
            self._decoder.reset()
            return
        for item in self._decoder.events(chunk):
            if self.paced and self._stop.wait(self._wire_time(_frame_bytes(item))):
                return
            reply = self._reply_to(item)
            if self.delay and self._stop.wait(self.delay):
                return
            speed = self.baud  # a reply goes out at the speed the command came in at
            if self._next_baud:
                # Switch before the reply leaves, so whoever has read the reply sees the new speed.
                self.baud, self._next_baud = self._next_baud, 0
            if reply:
                self._write(reply, speed)

    def _speed_matches(self) -> bool:
        # The master side of a pty reports the speed the driver set on the slave.
        assert self._master is not None
        return termios.tcgetattr(self._master)[4] == _TERMIOS_SPEEDS.get(self.baud)

    def _wire_time(self, nbytes: int, baud: int = 0) -> float:
        return nbytes * BITS_PER_BYTE / (baud or self.baud)

    def _write(self, data: bytes, baud: int = 0) -> None:
        view = memoryview(data)
        start = time.monotonic()
        sent = 0
        while view and self._master is not None and not self._stop.is_set():
            step = min(PACE_CHUNK, len(view)) if self.paced else len(view)
            if self.paced:
                # Hand bytes over no sooner than a UART would have shifted out the last one.
                due = start + self._wire_time(sent + step, baud) - time.monotonic()
                if due > 0 and self._stop.wait(due):
                    return
            _, writable, _ = select.select([], [self._master], [], POLL_INTERVAL)
            if writable:
                written = os.write(self._master, view[:step])
                sent += written
                view = view[written:]

    # -- the SAM itself -----------------------------------------------------------------------

    def _reply_to(self, item: Frame | IdCardFrameError) -> bytes:
        with self._lock:
            fault = self._faults.popleft() if self._faults else ""
        if fault.startswith("sw:"):
            return encode_response(int(fault[3:], 16))
        if isinstance(item, IdCardFrameError):
            sw3 = Sw3.CHECKSUM_ERROR if item.code == CODE_FRAME_CHECKSUM else Sw3.LENGTH_ERROR
            reply = encode_response(sw3)
        else:
            sw3, data = self._execute(Request.from_frame(item))
            reply = encode_response(sw3, data)
        return self._apply_fault(fault, reply)

    def _apply_fault(self, fault: str, reply: bytes) -> bytes:
        if fault == "silence":
            return b""
        if fault == "garbage":
            # No 0xAA, so the garbage can never hold a preamble.
            noise = bytes(self._rng.choice(range(0xAA)) for _ in range(self._rng.randint(5, 40)))
            return noise + reply
        if fault == "drop":
            # Cut bytes after LEN: the driver sees a truncated frame and times out.
            start = HEADER_BYTES + (len(reply) - HEADER_BYTES) // 2
            return reply[:start] + reply[start + 3 :]
        if fault == "bad_checksum":
            return reply[:-1] + bytes((reply[-1] ^ 0xFF,))
        return reply

    def _execute(self, req: Request) -> tuple[int, bytes]:
        if req.cmd == BAUD_CMD:
            if req.para not in BAUD_PARAS:
                return Sw3.COMMAND_ERROR, b""
            self._next_baud = BAUD_PARAS[req.para]  # after the reply, sent at the old speed
            return Sw3.OK, b""
        spec = command_spec(req.cmd, req.para)
        if spec is None:
            return Sw3.COMMAND_ERROR, b""
        if spec in (RESET, SAM_STATUS):
            return Sw3.OK, b""
        if spec is SAM_ID:
            return Sw3.OK, SAM_ID_DATA
        with self._lock:
            card = self._card
            if spec is FIND:
                # A card is found once per placement, as real modules do.
                found = card is not None and not self._found
                self._found = self._found or found
                return (Sw3.CARD_FOUND if found else Sw3.NO_CARD), FIND_REPLY_DATA
        if spec is SELECT:
            return (Sw3.OK if card else Sw3.SELECT_FAILED), SELECT_REPLY_DATA
        if card is None:
            return Sw3.READ_FAILED, b""
        if spec is READ_ADDRESS:
            if not card.appended_address:
                return Sw3.NO_CONTENT, b""
            return Sw3.OK, encode_appended_address(card.appended_address)
        fingerprint = card.fingerprint if spec is READ_FP else None
        return Sw3.OK, encode_read_data(encode_text_block(card), card.photo, fingerprint)
