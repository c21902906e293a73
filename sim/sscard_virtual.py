"""A 社保卡 chip in software: command APDUs in, response APDUs out, as a real card answers.

It knows the SSSE application and its EF05/EF06 records (``card.encode_files``) and behaves
like the two transport protocols do: on T=0 it answers SELECT with ``61 xx`` (the FCI waits
for GET RESPONSE) and a READ RECORD with the wrong Le with ``6C xx``; on T=1 it answers
directly. ``vpcd.VpcdSlot`` puts it behind pcscd, so the real PC/SC stack reads it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import reduce
from operator import xor

from drivers.sscard.card import SocialSecurityCard, encode_files
from drivers.sscard.protocol import SSSE_AID, SW_OK

HISTORICAL_BYTES = b"CN-SSC"


def make_atr(protocol: int) -> bytes:
    """An ATR offering only T=0 or only T=1, so pcscd has to use that protocol."""
    if protocol == 0:
        # T0 = 6K: TB1 and TC1 follow (both 00), no TD1: T=0 only, no TCK.
        return bytes((0x3B, 0x60 | len(HISTORICAL_BYTES), 0x00, 0x00)) + HISTORICAL_BYTES
    # T0 = 8K: TD1 = 01 says T=1 and ends the interface bytes; T=1 needs the TCK.
    body = bytes((0x80 | len(HISTORICAL_BYTES), 0x01)) + HISTORICAL_BYTES
    return b"\x3b" + body + bytes((reduce(xor, body, 0),))


def _sw(sw: int) -> bytes:
    return sw.to_bytes(2, "big")


def _fci(aid: bytes) -> bytes:
    """A minimal FCI template: 6F { 84 DF name }."""
    inner = bytes((0x84, len(aid))) + aid
    return bytes((0x6F, len(inner))) + inner


class VirtualSsCard:
    """One card: its files, its protocol and the files it protects (EF -> SW to answer)."""

    def __init__(
        self,
        card: SocialSecurityCard | None,
        protocol: int = 1,
        protected: Mapping[int, int] | None = None,
    ) -> None:
        if protocol not in (0, 1):
            raise ValueError("protocol must be 0 (T=0) or 1 (T=1)")
        self.card = card
        self.protocol = protocol
        self.protected = dict(protected or {})
        self.files = encode_files(card) if card is not None else {}  # no card: no SSSE
        self.trace: list[tuple[bytes, bytes]] = []  # (command, response) for tests
        self._lock = threading.Lock()
        self._app_selected = False
        self._ef: int | None = None
        self._pending = b""  # T=0 response data waiting for GET RESPONSE

    def atr(self) -> bytes:
        return make_atr(self.protocol)

    def power_on(self) -> None:
        """Reset: nothing is selected after power-up."""
        with self._lock:
            self._app_selected, self._ef, self._pending = False, None, b""

    def process(self, capdu: bytes) -> bytes:
        with self._lock:
            rapdu = self._process(capdu)
            self.trace.append((capdu, rapdu))
            return rapdu

    # -- the card OS ------------------------------------------------------------------------

    def _process(self, capdu: bytes) -> bytes:
        if len(capdu) < 4:
            return _sw(0x6700)
        cla, ins, p1, p2 = capdu[:4]
        if cla != 0x00:
            return _sw(0x6E00)
        if ins != 0xC0:
            self._pending = b""  # GET RESPONSE must come right after the command
        body = capdu[4:]
        if ins == 0xA4:
            return self._select(p1, body)
        if ins == 0xB2:
            return self._read_record(p1, p2, body)
        if ins == 0xC0:
            return self._get_response(body)
        return _sw(0x6D00)

    def _data(self, body: bytes) -> bytes:
        return body[1 : 1 + body[0]] if body else b""

    def _select(self, p1: int, body: bytes) -> bytes:
        data = self._data(body)
        if p1 == 0x04:
            if data != SSSE_AID or not self.files:
                return _sw(0x6A82)
            self._app_selected, self._ef = True, None
            fci = _fci(data)
            if self.protocol == 0:
                self._pending = fci
                return _sw(0x6100 | len(fci))
            wants_fci = len(body) > 1 + body[0]  # Le present
            return (fci if wants_fci else b"") + _sw(SW_OK)
        if p1 == 0x02 and self._app_selected:
            fid = int.from_bytes(data, "big") if len(data) == 2 else -1
            if fid not in self.files:
                return _sw(0x6A82)
            self._ef = fid
            return _sw(SW_OK)
        return _sw(0x6A86 if p1 not in (0x02, 0x04) else 0x6A82)

    def _read_record(self, tag: int, p2: int, body: bytes) -> bytes:
        if self._ef is None:
            return _sw(0x6986)  # no current EF
        if p2 != 0x00:
            return _sw(0x6A86)  # only "first record with this identifier" is offered
        if self._ef in self.protected:
            return _sw(self.protected[self._ef])
        record = self.files[self._ef].get(tag)
        if record is None:
            return _sw(0x6A83)
        le = (body[0] or 256) if len(body) == 1 else 256
        if le != len(record) and (self.protocol == 0 or le < len(record)):
            return _sw(0x6C00 | len(record))
        return record + _sw(SW_OK)

    def _get_response(self, body: bytes) -> bytes:
        if not self._pending:
            return _sw(0x6985)
        le = body[0] if body else 0
        out, self._pending = self._pending[: le or 256], self._pending[le or 256 :]
        more = len(self._pending)
        return out + _sw(0x6100 | min(more, 0xFF) if more else SW_OK)
