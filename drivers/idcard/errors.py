"""Typed errors of the ID-card reader.

Every error is an ``IdCardError`` (so callers can catch the whole driver in one clause) and
also, where it applies, a ``DeviceTimeout`` / ``DeviceGone`` from ``drivers.base`` (so the device
manager can treat all devices alike). Technician messages name commands and bytes, never the
card holder's data.
"""

from __future__ import annotations

from drivers.base import DeviceError, DeviceGone, DeviceTimeout


class IdCardError(DeviceError):
    """Any failure of the ID-card reader or of a card read."""


class IdCardFrameError(IdCardError):
    """A frame on the wire was malformed (bad checksum, impossible LEN); it was discarded."""


class IdCardStatusError(IdCardError):
    """The SAM module answered with a non-success SW3 status."""

    def __init__(self, code: str, tech: str, sw3: int) -> None:
        super().__init__(code, tech)
        self.sw3 = sw3


class IdCardDataError(IdCardError):
    """A well-framed reply whose contents do not parse (lengths, text block, dates)."""


class IdCardTimeout(IdCardError, DeviceTimeout):
    """The SAM module did not deliver a complete reply before the exchange's deadline."""


class IdCardGone(IdCardError, DeviceGone):
    """The serial port is missing or vanished (unplugged, EIO)."""
