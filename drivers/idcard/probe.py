"""Port ``auto``: find the SAM module by asking every serial port, at every baud rate, for its
status (11 FF). Any well-framed answer, even an error status, is a SAM module; silence or
garbage at one speed means "try the next speed"; a port that will not open is skipped.

Probing writes a few bytes to each port, so ports of other devices (the receipt printer) are
passed in ``exclude`` and never touched.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable

from drivers.idcard.errors import IdCardFrameError, IdCardGone, IdCardStatusError, IdCardTimeout
from drivers.idcard.protocol import BAUD_RATES, CODE_NO_READER
from drivers.idcard.reader import IdCardReader

# Stable by-id links first: they name the same device as the ttyUSB node they point to.
CANDIDATE_GLOBS = ("/dev/serial/by-id/*", "/dev/ttyUSB*", "/dev/ttyACM*", "/dev/ttyS*")
PROBE_TIMEOUT = 0.3  # the SAM answers a status request within milliseconds


def baud_order(preferred: int) -> tuple[int, ...]:
    """Every baud rate the module offers, ``preferred`` first."""
    return (preferred, *(b for b in BAUD_RATES if b != preferred))


def candidate_ports(exclude: Iterable[str] = (), paths: Iterable[str] | None = None) -> list[str]:
    """``paths`` (default: the serial ports present), each device once, minus ``exclude``."""
    if paths is None:
        paths = [p for pattern in CANDIDATE_GLOBS for p in sorted(glob.glob(pattern))]
    seen = {os.path.realpath(p) for p in exclude}
    ports: list[str] = []
    for path in paths:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            ports.append(path)
    return ports


def probe_port(port: str, bauds: Iterable[int] = BAUD_RATES,
               timeout: float = PROBE_TIMEOUT) -> int | None:
    """The baud rate at which a SAM module answers on ``port``, or None."""
    for baud in bauds:
        try:
            with IdCardReader(port, baud, timeout) as reader:
                reader.sam_status()
        except IdCardStatusError:
            return baud  # a SAM module, if not a healthy one: the worker reports its status
        except (IdCardTimeout, IdCardFrameError):
            continue
        except IdCardGone:
            return None  # cannot open it (absent, busy, no permission): not at any speed
        return baud
    return None


def find_reader(ports: Iterable[str] | None = None, bauds: Iterable[int] = BAUD_RATES,
                exclude: Iterable[str] = (), timeout: float = PROBE_TIMEOUT) -> tuple[str, int]:
    """(port, baud) of the first SAM module found; ``IdCardGone`` if there is none."""
    bauds = tuple(bauds)
    tried = candidate_ports(exclude, ports)
    for port in tried:
        baud = probe_port(port, bauds, timeout)
        if baud is not None:
            return port, baud
    where = ", ".join(tried) or "no serial ports"
    raise IdCardGone(CODE_NO_READER, f"no SAM module answered on {where} at {bauds} baud")
