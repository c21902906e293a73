"""Social-security-card reader over PC/SC (pyscard's scard layer, pcscd), T=0 and T=1.

No pyscard monitor threads: they stop without a word when pcscd goes away. Instead the
owner polls ``wait_for_change`` on its own thread; every PC/SC failure becomes a typed error,
and a lost service or reader is an ``SsCardGone`` that tells the owner to ``close`` and
``open`` again later. That loop (``kiosk.devices.SocialSecurityCardWorker``) is the
supervision that survives an unplugged reader and a pcscd restart.
"""

from __future__ import annotations

import contextlib
import time
from typing import NamedTuple

from smartcard import scard

from drivers.sscard.card import SocialSecurityCard, read_card
from drivers.sscard.errors import SsCardError, SsCardGone, SsCardTimeout
from drivers.sscard.protocol import CODE_REMOVED, TransmitFn

CODE_NO_SERVICE = "sscard.no_service"
CODE_NO_READER = "sscard.no_reader"
CODE_TIMEOUT = "sscard.timeout"
CODE_PCSC = "sscard.pcsc_error"

# PC/SC result -> (error code, error class). Anything not listed is sscard.pcsc_error.
_RESULTS: dict[int, tuple[str, type[SsCardError]]] = {
    scard.SCARD_E_NO_SERVICE: (CODE_NO_SERVICE, SsCardGone),
    scard.SCARD_E_SERVICE_STOPPED: (CODE_NO_SERVICE, SsCardGone),
    scard.SCARD_E_INVALID_HANDLE: (CODE_NO_SERVICE, SsCardGone),  # pcscd restarted
    scard.SCARD_F_COMM_ERROR: (CODE_NO_SERVICE, SsCardGone),
    scard.SCARD_E_NO_READERS_AVAILABLE: (CODE_NO_READER, SsCardGone),
    scard.SCARD_E_UNKNOWN_READER: (CODE_NO_READER, SsCardGone),
    scard.SCARD_E_READER_UNAVAILABLE: (CODE_NO_READER, SsCardGone),
    scard.SCARD_W_REMOVED_CARD: (CODE_REMOVED, SsCardError),
    scard.SCARD_E_NO_SMARTCARD: (CODE_REMOVED, SsCardError),
    scard.SCARD_W_RESET_CARD: (CODE_REMOVED, SsCardError),
    scard.SCARD_E_NOT_TRANSACTED: (CODE_REMOVED, SsCardError),  # the reader lost the card
    scard.SCARD_W_UNRESPONSIVE_CARD: ("sscard.unresponsive", SsCardError),
    scard.SCARD_W_UNPOWERED_CARD: ("sscard.unresponsive", SsCardError),
    scard.SCARD_W_UNSUPPORTED_CARD: ("sscard.unresponsive", SsCardError),
    scard.SCARD_E_PROTO_MISMATCH: ("sscard.unresponsive", SsCardError),
    scard.SCARD_E_SHARING_VIOLATION: ("sscard.busy", SsCardError),
}
_PROTOCOLS = {
    scard.SCARD_PROTOCOL_T0: ("T=0", scard.SCARD_PCI_T0),
    scard.SCARD_PROTOCOL_T1: ("T=1", scard.SCARD_PCI_T1),
}
_READER_LOST = scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE


class SlotState(NamedTuple):
    card: bool  # a card is in the reader
    events: int  # card insertions + removals so far (pcsc-lite; 0 elsewhere)


def pcsc_error(rv: int, what: str) -> SsCardError:
    code, cls = _RESULTS.get(rv, (CODE_PCSC, SsCardError))
    message = scard.SCardGetErrorMessage(rv).strip()
    return cls(code, f"{what}: PC/SC {rv & 0xFFFFFFFF:08X} {message}")


def _check(rv: int, what: str) -> None:
    if rv != scard.SCARD_S_SUCCESS:
        raise pcsc_error(rv, what)


class SocialSecurityCardReader:
    """One PC/SC reader, chosen by a case-insensitive part of its name ("" = the first)."""

    def __init__(self, reader: str = "", read_timeout: float = 5.0) -> None:
        self.wanted = reader
        self.read_timeout = read_timeout  # a whole card read, checked between APDUs
        self.reader_name = ""
        self.protocol = ""  # "T=0" / "T=1" of the last read
        self._ctx: int | None = None
        self._state = scard.SCARD_STATE_UNAWARE

    # -- context and reader -----------------------------------------------------------------

    def open(self) -> None:
        """Connect to pcscd and pick the reader; ``SsCardGone`` if either is missing."""
        if self._ctx is not None:
            return
        rv, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        _check(rv, "SCardEstablishContext")
        self._ctx = ctx
        try:
            self.reader_name = self._pick(self.list_readers())
        except SsCardError:
            self.close()
            raise
        self._state = scard.SCARD_STATE_UNAWARE

    def close(self) -> None:
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            # After a pcscd restart the context is already dead; nothing left to free.
            with contextlib.suppress(Exception):
                scard.SCardReleaseContext(ctx)

    def __enter__(self) -> SocialSecurityCardReader:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def list_readers(self) -> list[str]:
        rv, names = scard.SCardListReaders(self._require(), [])
        if rv == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        _check(rv, "SCardListReaders")
        return list(names)

    def _pick(self, names: list[str]) -> str:
        wanted = self.wanted.casefold()
        for name in names:
            if wanted in name.casefold():
                return name
        shown = ", ".join(names) or "none"
        raise SsCardGone(CODE_NO_READER, f"no PC/SC reader matches {self.wanted!r}; "
                         f"readers: {shown}")

    def _require(self) -> int:
        if self._ctx is None:
            raise SsCardGone(CODE_NO_SERVICE, "PC/SC context is not open")
        return self._ctx

    # -- card presence ----------------------------------------------------------------------

    def wait_for_change(self, timeout: float) -> SlotState:
        """Block up to ``timeout`` s for a card to come or go; return the slot's state."""
        ms = max(0, int(timeout * 1000))
        rv, states = scard.SCardGetStatusChange(
            self._require(), ms, [(self.reader_name, self._state)]
        )
        if rv != scard.SCARD_E_TIMEOUT:
            _check(rv, "SCardGetStatusChange")
            event = states[0][1]
            if event & _READER_LOST:
                raise SsCardGone(CODE_NO_READER, f"reader {self.reader_name!r} went away")
            self._state = event & ~scard.SCARD_STATE_CHANGED
        # pcsc-lite counts card insertions and removals in the high word of the state.
        return SlotState(bool(self._state & scard.SCARD_STATE_PRESENT), self._state >> 16)

    def card_present(self) -> bool:
        self._state = scard.SCARD_STATE_UNAWARE  # ask for the current state, do not wait
        return self.wait_for_change(0).card

    # -- reading ----------------------------------------------------------------------------

    def read_card(self) -> SocialSecurityCard:
        """Connect to the card in the reader (T=0 or T=1, as its ATR offers) and read it."""
        rv, hcard, active = scard.SCardConnect(
            self._require(), self.reader_name, scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        _check(rv, f"SCardConnect {self.reader_name!r}")
        try:
            if active not in _PROTOCOLS:
                raise SsCardError("sscard.unresponsive", f"card runs protocol {active}")
            self.protocol, pci = _PROTOCOLS[active]
            return read_card(self._transmitter(hcard, pci))
        finally:
            with contextlib.suppress(Exception):
                scard.SCardDisconnect(hcard, scard.SCARD_LEAVE_CARD)

    def _transmitter(self, hcard: int, pci: int) -> TransmitFn:
        deadline = time.monotonic() + self.read_timeout

        def transmit(capdu: bytes) -> bytes:
            if time.monotonic() > deadline:
                raise SsCardTimeout(CODE_TIMEOUT, f"card read took over {self.read_timeout} s")
            rv, response = scard.SCardTransmit(hcard, pci, list(capdu))
            _check(rv, f"SCardTransmit {capdu[:4].hex(' ').upper()}")
            return bytes(response)

        return transmit
