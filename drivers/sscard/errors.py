"""Typed errors of the social-security-card reader.

Every error is an ``SsCardError``; a lost PC/SC service or reader is also a ``DeviceGone`` and
an overrun read deadline a ``DeviceTimeout`` (``drivers.base``), so the device manager treats
this reader like every other device. Technician messages name APDUs, status words and PC/SC
result codes, never the card holder's data.
"""

from __future__ import annotations

from drivers.base import DeviceError, DeviceGone, DeviceTimeout


class SsCardError(DeviceError):
    """Any failure of the PC/SC reader or of a card read."""


class SsCardStatusError(SsCardError):
    """The card answered an APDU with a status word other than 90 00."""

    def __init__(self, code: str, tech: str, sw: int) -> None:
        super().__init__(code, tech)
        self.sw = sw


class SsCardDataError(SsCardError):
    """A 90 00 reply whose contents do not parse (TLV, BCD, GBK, dates)."""


class SsCardGone(SsCardError, DeviceGone):
    """The PC/SC service or the reader is not there (pcscd stopped, reader unplugged)."""


class SsCardTimeout(SsCardError, DeviceTimeout):
    """A card read overran its deadline."""
