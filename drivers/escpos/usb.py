"""USB receipt printers (USB printer class, bulk endpoints), opened by python-escpos's Usb.

python-escpos's ``Usb`` serves for opening: it finds the device by vendor/product id,
detaches the kernel's usblp driver and sets the configuration. We wrap it because the rest
falls short for a kiosk: it assumes endpoints 0x82/0x01 (many Chinese models use others,
so we read them from the interface descriptor), writes without a deadline by default (a
stalled printer would block the device thread forever), and its ``_read`` uses pyusb's 1 s
default and raises on silence, where we need "whatever arrived before our deadline".
Failures become ``DeviceGone`` / ``DeviceTimeout`` with the printer's stable codes.
"""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from drivers.base import DeviceGone, DeviceTimeout
from drivers.escpos.status import PrinterCode

_IDS = re.compile(r"^(?P<vid>[0-9a-fA-F]{4}):(?P<pid>[0-9a-fA-F]{4})$")
_MIN_READ = 64  # a bulk read shorter than the endpoint's packet size can overflow


class UsbTransport:
    def __init__(
        self,
        vendor: int,
        product: int,
        timeout: float = 5.0,
        in_ep: int | None = None,
        out_ep: int | None = None,
    ) -> None:
        self.vendor, self.product, self.timeout = vendor, product, timeout
        self.in_ep, self.out_ep = in_ep, out_ep
        self._printer: Any = None  # escpos.printer.Usb once open
        self._pending = bytearray()  # bytes read beyond what a caller asked for

    @classmethod
    def from_url(cls, url: str, timeout: float) -> UsbTransport:
        """``usb://0416:5011`` or ``usb://0416:5011?in=0x81&out=0x03``."""
        parts = urlsplit(url)
        ids = _IDS.match(parts.netloc)
        if parts.scheme != "usb" or ids is None:
            raise ValueError(f"USB printer address must be usb://VID:PID (hex): {url!r}")
        query = parse_qs(parts.query)
        eps = {k: int(query[k][0], 0) for k in ("in", "out") if k in query}
        return cls(int(ids["vid"], 16), int(ids["pid"], 16), timeout, eps.get("in"),
                   eps.get("out"))

    def __repr__(self) -> str:
        return f"UsbTransport({self.vendor:04x}:{self.product:04x})"

    @property
    def is_open(self) -> bool:
        return self._printer is not None

    def open(self) -> None:
        self.close()
        # Imported here: python-escpos loads its printer database on import (~0.3 s), which
        # kiosks without a USB printer should not pay at start.
        import usb.core
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Usb

        printer = Usb(self.vendor, self.product, timeout=self._ms(self.timeout))
        try:
            printer.open()
            self._find_endpoints(printer.device)
        except (DeviceNotFoundError, usb.core.USBError, usb.core.NoBackendError,
                ValueError) as exc:
            self._printer = printer
            self.close()
            raise DeviceGone(PrinterCode.GONE, f"{self!r}: open failed: {exc}") from exc
        self._printer = printer

    def _find_endpoints(self, device: Any) -> None:
        import usb.util

        interface = device.get_active_configuration()[(0, 0)]
        for ep in interface:
            if usb.util.endpoint_type(ep.bmAttributes) != usb.util.ENDPOINT_TYPE_BULK:
                continue
            if usb.util.endpoint_direction(ep.bEndpointAddress) == usb.util.ENDPOINT_IN:
                self.in_ep = self.in_ep or ep.bEndpointAddress
            else:
                self.out_ep = self.out_ep or ep.bEndpointAddress
        if self.out_ep is None:
            raise ValueError("no bulk OUT endpoint on interface 0")

    def close(self) -> None:
        printer, self._printer = self._printer, None
        self._pending.clear()
        if printer is not None:
            # An unplugged device cannot be released; it is gone either way.
            with contextlib.suppress(Exception):
                printer.close()

    def write(self, data: bytes) -> None:
        import usb.core

        device = self._require_open()
        try:
            device.write(self.out_ep, data, self._ms(self.timeout))
        except usb.core.USBTimeoutError as exc:
            self.close()
            raise DeviceTimeout(
                PrinterCode.WRITE_TIMEOUT, f"{self!r}: {len(data)} bytes not sent in time"
            ) from exc
        except usb.core.USBError as exc:
            self.close()
            raise DeviceGone(PrinterCode.GONE, f"{self!r}: write failed: {exc}") from exc

    def read(self, n: int, timeout: float) -> bytes:
        import usb.core

        device = self._require_open()
        deadline = time.monotonic() + max(timeout, 0.0)
        while len(self._pending) < n and self.in_ep is not None:
            remaining = deadline - time.monotonic()
            try:
                # pyusb treats 0 as "wait forever"; one millisecond is "just look".
                chunk = device.read(self.in_ep, max(n, _MIN_READ), self._ms(remaining) or 1)
            except usb.core.USBTimeoutError:
                break
            except usb.core.USBError as exc:
                self.close()
                raise DeviceGone(PrinterCode.GONE, f"{self!r}: read failed: {exc}") from exc
            self._pending += bytes(chunk)
            if remaining <= 0:
                break
        got = bytes(self._pending[:n])
        del self._pending[:n]
        return got

    def _require_open(self) -> Any:
        if self._printer is None:
            raise DeviceGone(PrinterCode.GONE, f"{self!r}: not open")
        return self._printer.device

    @staticmethod
    def _ms(seconds: float) -> int:
        return max(int(seconds * 1000), 0)
