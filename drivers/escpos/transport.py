"""Byte transports to a receipt printer, each call bounded by its own deadline.

TCP and serial are our own, USB wraps python-escpos's (``drivers.escpos.usb``). Not
python-escpos's TCP and serial transports: its Network transport raises TimeoutError when a printer
stays silent and its ``paper_status()`` reports "paper adequate" for an empty reply. We need
bidirectional reads that return whatever arrived before our deadline, and failures typed as
``DeviceGone`` / ``DeviceTimeout`` with stable codes.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import time
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

import serial

from drivers.base import DeviceGone, DeviceTimeout
from drivers.escpos.status import PrinterCode
from drivers.escpos.usb import UsbTransport

DEFAULT_TCP_PORT = 9100  # raw printing port of printer network cards
DEFAULT_BAUD = 9600  # common factory setting of Chinese serial printers (UNCERTAIN)


class Transport(Protocol):
    @property
    def is_open(self) -> bool: ...
    def open(self) -> None: ...
    def close(self) -> None: ...
    def write(self, data: bytes) -> None: ...
    def read(self, n: int, timeout: float) -> bytes: ...


class TcpTransport:
    def __init__(self, host: str, port: int = DEFAULT_TCP_PORT, timeout: float = 5.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._sock: socket.socket | None = None

    def __repr__(self) -> str:
        return f"TcpTransport({self.host}:{self.port})"

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def open(self) -> None:
        self.close()
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise DeviceGone(PrinterCode.GONE, f"{self!r}: connect failed: {exc}") from exc
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def write(self, data: bytes) -> None:
        sock = self._require_open()
        # Since Python 3.5 the socket timeout bounds the whole sendall, not each send.
        sock.settimeout(self.timeout)
        try:
            sock.sendall(data)
        except TimeoutError as exc:
            self.close()
            raise DeviceTimeout(
                PrinterCode.WRITE_TIMEOUT, f"{self!r}: {len(data)} bytes not sent in time"
            ) from exc
        except OSError as exc:
            self.close()
            raise DeviceGone(PrinterCode.GONE, f"{self!r}: write failed: {exc}") from exc

    def read(self, n: int, timeout: float) -> bytes:
        sock = self._require_open()
        deadline = time.monotonic() + max(timeout, 0.0)
        got = bytearray()
        while len(got) < n:
            remaining = max(deadline - time.monotonic(), 0.0)
            try:
                ready, _, _ = select.select([sock], [], [], remaining)
                if not ready:
                    break
                chunk = sock.recv(n - len(got))
            except OSError as exc:
                self.close()
                raise DeviceGone(PrinterCode.GONE, f"{self!r}: read failed: {exc}") from exc
            if not chunk:  # the printer closed the connection
                self.close()
                if got:
                    break
                raise DeviceGone(PrinterCode.GONE, f"{self!r}: connection closed by printer")
            got += chunk
        return bytes(got)

    def _require_open(self) -> socket.socket:
        if self._sock is None:
            raise DeviceGone(PrinterCode.GONE, f"{self!r}: not connected")
        return self._sock


class SerialTransport:
    def __init__(
        self, port: str, baud: int = DEFAULT_BAUD, timeout: float = 5.0, rtscts: bool = False
    ) -> None:
        self.port, self.baud, self.timeout, self.rtscts = port, baud, timeout, rtscts
        self._ser: serial.Serial | None = None

    def __repr__(self) -> str:
        return f"SerialTransport({self.port}@{self.baud})"

    @property
    def is_open(self) -> bool:
        return self._ser is not None

    def open(self) -> None:
        self.close()
        try:
            self._ser = serial.Serial(
                self.port,
                self.baud,
                timeout=0,
                write_timeout=self.timeout,
                rtscts=self.rtscts,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceGone(PrinterCode.GONE, f"{self!r}: open failed: {exc}") from exc

    def close(self) -> None:
        if self._ser is not None:
            # An unplugged adapter fails to close; there is nothing left to release then.
            with contextlib.suppress(serial.SerialException, OSError):
                self._ser.close()
            self._ser = None

    def write(self, data: bytes) -> None:
        ser = self._require_open()
        try:
            ser.write(data)
        except serial.SerialTimeoutException as exc:
            self.close()
            raise DeviceTimeout(
                PrinterCode.WRITE_TIMEOUT, f"{self!r}: {len(data)} bytes not sent in time"
            ) from exc
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise DeviceGone(PrinterCode.GONE, f"{self!r}: write failed: {exc}") from exc

    def read(self, n: int, timeout: float) -> bytes:
        ser = self._require_open()
        try:
            ser.timeout = max(timeout, 0.0)
            # pyserial's read returns what arrived when its timeout ends: our deadline.
            return bytes(ser.read(n))
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise DeviceGone(PrinterCode.GONE, f"{self!r}: read failed: {exc}") from exc

    def _require_open(self) -> serial.Serial:
        if self._ser is None:
            raise DeviceGone(PrinterCode.GONE, f"{self!r}: not open")
        return self._ser


_HOST_PORT = re.compile(r"^(?P<host>[^/:]+|\[[^\]]+\]):(?P<port>\d+)$")
_WINDOWS_COM = re.compile(r"^COM\d+$", re.IGNORECASE)


AnyTransport = TcpTransport | SerialTransport | UsbTransport


def make_transport(spec: str, timeout: float) -> AnyTransport:
    """Build (not open) a transport from ``tcp://host:9100``, ``host:9100``, ``/dev/ttyS0``,
    ``COM3``, ``serial:///dev/ttyUSB0?baud=19200&rtscts=1`` or ``usb://0416:5011``."""
    spec = spec.strip()
    if spec.startswith("usb://"):
        return UsbTransport.from_url(spec, timeout)
    if spec.startswith("tcp://"):
        url = urlsplit(spec)
        if not url.hostname:
            raise ValueError(f"printer address without a host: {spec!r}")
        return TcpTransport(url.hostname, url.port or DEFAULT_TCP_PORT, timeout)
    if spec.startswith("serial://"):
        url = urlsplit(spec)
        query = parse_qs(url.query)
        baud = int(query.get("baud", [DEFAULT_BAUD])[0])
        rtscts = query.get("rtscts", ["0"])[0] in ("1", "true", "yes")
        if not url.path:
            raise ValueError(f"serial printer address without a device: {spec!r}")
        return SerialTransport(url.path, baud, timeout, rtscts)
    if spec.startswith("/") or _WINDOWS_COM.match(spec):
        return SerialTransport(spec, DEFAULT_BAUD, timeout)
    match = _HOST_PORT.match(spec)
    if match:
        return TcpTransport(match["host"].strip("[]"), int(match["port"]), timeout)
    raise ValueError(f"unrecognised printer address: {spec!r}")


def open_transport(spec: str, timeout: float) -> AnyTransport:
    """``make_transport`` and open it; a missing printer raises DeviceGone(printer.gone)."""
    transport = make_transport(spec, timeout)
    transport.open()
    return transport
