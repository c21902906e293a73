"""One reader slot of pcscd's vpcd driver (vsmartcard-vpcd), played over its TCP protocol.

vpcd's reader.conf entry ``DEVICENAME /dev/null:PORT`` makes the driver listen on PORT for
slot 0 and PORT+1 for slot 1; a virtual card is "inserted" by connecting and "removed" by
closing the connection. (vpcd can also connect out to a card, ``DEVICENAME host:port``, but
Debian's build then aborts pcscd the first time a card leaves.) Every message either way is
a 2-byte big-endian length and its bytes. From vpcd, a 1-byte message is a control code
(``CTRL_*``), anything longer a command APDU; the card answers an ATR request with its ATR
and an APDU with the response APDU, and nothing else. vpcd asks for the ATR at every
presence poll (every 400 ms), which is how it notices a card that went away.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

from sim.sscard_virtual import VirtualSsCard

CTRL_OFF = 0x00
CTRL_ON = 0x01
CTRL_RESET = 0x02
CTRL_ATR = 0x04
_LENGTH = struct.Struct(">H")
_TICK = 0.1  # socket timeout and retry pause; bounds how long stop() and remove() take
_JOIN_TIMEOUT = 5.0


class _Closed(Exception):
    """The connection ended: vpcd closed it, or the card left the slot."""


class VpcdSlot:
    """The card side of one vpcd slot; a ``VirtualSsCard`` may be inserted."""

    def __init__(self, port: int, reader_name: str) -> None:
        self.port = port
        self.reader_name = reader_name
        self.claimed = False  # handed out by PrivatePcscd.claim_slot
        self._card: VirtualSsCard | None = None
        self._remove_after: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"vpcd-{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(_JOIN_TIMEOUT)
        self._thread = None

    # -- the card ---------------------------------------------------------------------------

    @property
    def card(self) -> VirtualSsCard | None:
        with self._lock:
            return self._card

    def insert(self, card: VirtualSsCard, remove_after: int | None = None) -> None:
        """Put ``card`` in the slot; ``remove_after`` pulls it after that many APDUs."""
        card.power_on()
        with self._lock:
            self._card, self._remove_after = card, remove_after

    def remove(self) -> None:
        with self._lock:
            self._card = None

    # -- talking to vpcd --------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.card is None:
                self._stop.wait(_TICK)
                continue
            try:
                conn = socket.create_connection(("127.0.0.1", self.port), timeout=_TICK)
            except OSError:
                self._stop.wait(_TICK)  # pcscd not (yet) listening: starting or restarting
                continue
            # Either side may end the connection (card removed, pcscd stopped); while the
            # card stays in the slot the loop connects again.
            with conn, contextlib.suppress(_Closed, OSError):
                self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(_TICK)
        # One connection is one card: another card needs a new power-up and ATR.
        card = self.card
        while not self._stop.is_set() and card is not None and self.card is card:
            message = self._receive(conn)
            if message is None:
                continue
            reply = self._answer(message)
            if reply is not None:
                conn.sendall(_LENGTH.pack(len(reply)) + reply)

    def _answer(self, message: bytes) -> bytes | None:
        """The reply to ``message``; None for the control codes that get none."""
        is_apdu = len(message) > 1
        with self._lock:
            card = self._card
            if card is not None and is_apdu and self._remove_after is not None:
                if self._remove_after <= 0:
                    self._card = None
                    raise _Closed  # pulled in the middle of a read: no answer comes
                self._remove_after -= 1
        if card is None:
            raise _Closed
        if is_apdu:
            return card.process(message)
        if message == bytes((CTRL_ATR,)):
            return card.atr()
        if message in (bytes((CTRL_ON,)), bytes((CTRL_RESET,))):
            card.power_on()
        return None

    def _receive(self, conn: socket.socket) -> bytes | None:
        """One whole message, or None if nothing arrived within a tick."""
        head = self._read(conn, _LENGTH.size, idle_ok=True)
        if head is None:
            return None
        (length,) = _LENGTH.unpack(head)
        return self._read(conn, length, idle_ok=False)

    def _read(self, conn: socket.socket, size: int, idle_ok: bool) -> bytes | None:
        buf = b""
        while len(buf) < size:
            try:
                # vpcd writes the length and the APDU separately; without an immediate ACK
                # Nagle holds its second write for our delayed ACK: 40 ms per APDU.
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                chunk = conn.recv(size - len(buf))
            except TimeoutError:
                if idle_ok and not buf:
                    return None
                if self._stop.is_set():
                    raise _Closed from None
                continue
            if not chunk:
                raise _Closed
            buf += chunk
        return buf
