"""ID-card reader (GA/T 467 SAM module) over a serial port.

One instance talks to one reader and is meant to be driven by one device thread; a lock still
serialises exchanges so a status probe from elsewhere cannot interleave with a read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import termios
import threading
import time

import serial

from drivers.base import DeviceState, DeviceStatus
from drivers.idcard.card import IdentityCard, parse_appended_address, parse_text_block
from drivers.idcard.errors import IdCardError, IdCardGone, IdCardTimeout
from drivers.idcard.protocol import (
    CARD_IO_TIMEOUT_FACTOR,
    CODE_GONE,
    CODE_NO_READER,
    CODE_TIMEOUT,
    FIND,
    READ,
    READ_ADDRESS,
    READ_FP,
    RESET,
    SAM_ID,
    SAM_STATUS,
    SELECT,
    CommandSpec,
    FrameDecoder,
    Response,
    Sw3,
    baud_command,
    encode_command,
    format_sam_id,
    parse_read_data,
    status_error,
)

_READ_SLICE = 0.05  # seconds one serial read may block; the deadline is checked between reads
_BITS_PER_BYTE = 10  # 8N1: start + 8 data + stop
# Everything that means "the port went away" (pyserial wraps most OSErrors; tcflush raises
# termios.error, which is not an OSError).
_PORT_ERRORS = (serial.SerialException, OSError, termios.error)


class IdCardReader:
    def __init__(self, port: str, baud: int = 115200, timeout: float = 1.0) -> None:
        self.port = port
        self.baud = baud
        self.timeout = timeout
        self._serial: serial.Serial | None = None
        self._decoder = FrameDecoder()
        self._lock = threading.Lock()

    # -- port -----------------------------------------------------------------------------

    def open(self) -> None:
        if self._serial is not None:
            return
        try:
            self._serial = serial.Serial(
                port=self.port,
                baudrate=self.baud,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=_READ_SLICE,
                write_timeout=self.timeout,
            )
        except _PORT_ERRORS as exc:
            raise IdCardGone(CODE_NO_READER, f"cannot open {self.port}: {exc}") from exc

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            # A vanished port may fail to close; there is nothing left to release then.
            with contextlib.suppress(*_PORT_ERRORS):
                port.close()

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def __enter__(self) -> IdCardReader:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- SAM ------------------------------------------------------------------------------

    def reset(self) -> None:
        self._command(RESET)

    def sam_status(self) -> None:
        """Raise the typed error unless the SAM reports itself healthy."""
        self._command(SAM_STATUS)

    def sam_id(self) -> str:
        return format_sam_id(self._command(SAM_ID).data)

    def set_baud(self, baud: int) -> None:
        """Switch the module and this port to ``baud`` (command 60; UNCERTAIN:
        baud_para_order). The module answers at the old speed, then listens at the new one."""
        self._command(baud_command(baud))
        self.baud = baud
        if self._serial is not None:
            try:
                self._serial.baudrate = baud
            except _PORT_ERRORS as exc:
                self.close()
                raise IdCardGone(CODE_GONE, f"port {self.port}: cannot set {baud} baud") from exc

    def status(self) -> DeviceStatus:
        """Probe the reader for the device manager; never raises.

        Reopens a closed port first, so polling this notices a reader plugged back in.
        """
        try:
            if not self.is_open:
                self.open()
            self.sam_status()
        except IdCardGone as exc:
            return DeviceStatus(DeviceState.ABSENT, exc.code, exc.tech)
        except IdCardError as exc:
            return DeviceStatus(DeviceState.ERROR, exc.code, exc.tech)
        return DeviceStatus(DeviceState.READY)

    # -- card -----------------------------------------------------------------------------

    def find_card(self) -> bool:
        """True if a new card is in the field (9F), False if none (80)."""
        return self._command(FIND, ok=(Sw3.CARD_FOUND, Sw3.NO_CARD)).sw3 == Sw3.CARD_FOUND

    def select_card(self) -> None:
        self._command(SELECT)

    def read_card(self, with_fingerprint: bool = False) -> IdentityCard:
        """Select and read the card in the field, including its appended address."""
        self.select_card()
        spec = READ_FP if with_fingerprint else READ
        parts = parse_read_data(self._command(spec).data, with_fingerprint)
        card = parse_text_block(parts.text)
        address = self._command(READ_ADDRESS, ok=(Sw3.OK, Sw3.NO_CONTENT))
        appended = parse_appended_address(address.data) if address.sw3 == Sw3.OK else ""
        return dataclasses.replace(
            card, photo=parts.photo, fingerprint=parts.fingerprint, appended_address=appended
        )

    def card_still_present(self) -> bool:
        """True while the card that was read stays in the field.

        UNCERTAIN: removal_by_reselect. Find (20 01) answers 80 for a card that was already
        read, so it cannot tell "still there" from "gone"; re-selecting (20 02) answers 90
        while the card stays and 81 once it left.
        """
        reply = self._command(SELECT, ok=(Sw3.OK, Sw3.SELECT_FAILED, Sw3.NO_CARD))
        return reply.sw3 == Sw3.OK

    def poll(self) -> IdentityCard | None:
        """Find, select and read; return each placed card once, else None.

        Find comes first even while a card already read is in the field: the module
        answers 9F only for a card that entered the field since, so a card swapped for
        another between two polls is read as the new placement it is. Removal is
        ``card_still_present()``'s job.
        """
        if not self.find_card():
            return None
        return self.read_card()

    # -- exchange -------------------------------------------------------------------------

    def _command(self, spec: CommandSpec, ok: tuple[int, ...] = (Sw3.OK,)) -> Response:
        reply = self._exchange(spec)
        if reply.sw3 not in ok:
            raise status_error(reply.sw3, spec.name)
        return reply

    def _exchange(self, spec: CommandSpec) -> Response:
        with self._lock:
            port = self._serial
            if port is None:
                raise IdCardGone(CODE_GONE, f"{spec.name}: port {self.port} is not open")
            try:
                return self._transact(port, spec)
            except _PORT_ERRORS as exc:
                self.close()
                raise IdCardGone(CODE_GONE, f"{spec.name}: port {self.port} failed: {exc}") from exc

    def _transact(self, port: serial.Serial, spec: CommandSpec) -> Response:
        # A late reply to an earlier, timed-out command must not be taken as this one's answer.
        port.reset_input_buffer()
        self._decoder.reset()
        port.write(encode_command(spec.cmd, spec.para))
        budget = self.timeout * (CARD_IO_TIMEOUT_FACTOR if spec.card_io else 1.0)
        budget += spec.max_reply * _BITS_PER_BYTE / self.baud  # the longest reply's transfer
        deadline = time.monotonic() + budget
        while time.monotonic() < deadline:
            chunk = port.read(max(1, port.in_waiting))
            frames = self._decoder.feed(chunk)
            if frames:
                return Response.from_frame(frames[0])
        partial = self._decoder.buffered
        got = f"{partial} bytes of an incomplete frame" if partial else "nothing"
        tech = f"{spec.name}: no complete reply in {budget:.2f} s, got {got}"
        raise IdCardTimeout(CODE_TIMEOUT, tech)
