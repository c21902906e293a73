"""GA/T 467 ID-card SAM module wire protocol: pure functions, bytes in, values out.

Frames (PROTOCOLS.md §1)::

    host -> SAM:  AA AA AA 96 69 | LEN(2, BE) | CMD PARA | DATA... | CHK
    SAM -> host:  AA AA AA 96 69 | LEN(2, BE) | SW1 SW2 SW3 | DATA... | CHK

LEN counts every byte after itself including CHK; CHK is the XOR of the two LEN bytes and every
byte after them before CHK. All byte values of the spec live in the tables of this module.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from functools import reduce
from operator import xor
from typing import NamedTuple

from drivers.idcard.errors import IdCardDataError, IdCardFrameError, IdCardStatusError

PREAMBLE = bytes((0xAA, 0xAA, 0xAA, 0x96, 0x69))
HEADER_BYTES = len(PREAMBLE) + 2  # preamble + LEN
MAX_FRAME_BYTES = 2321  # 30 10 reply with a 1024-byte fingerprint, the largest frame
MAX_LEN = MAX_FRAME_BYTES - HEADER_BYTES
RESPONSE_MIN_LEN = 4  # SW1 SW2 SW3 CHK
COMMAND_MIN_LEN = 3  # CMD PARA CHK

# Every item the spec marks UNCERTAIN (single source), and what depends on it. Each place in
# the code that relies on one says "UNCERTAIN" and points here.
UNCERTAIN: dict[str, str] = {
    "sam_id_format": "SAM ID shown as %02X.%02X-%u-%010u-%010u from bytes 0, 2 and LE uint32 "
    "4..7, 8..11, 12..15 (format_sam_id).",
    "layout_foreign_permanent_2023": "Field offsets of the 2023 permanent-residence permit "
    "('Y' flag) text block (card._LAYOUTS).",
    "removal_by_reselect": "Removal is detected by re-selecting (20 02): 90 while the read "
    "card stays, 81 once it left, because find (20 01) answers 80 for an already-read card "
    "(IdCardReader.card_still_present).",
    "baud_para_order": "60 00..04 is assumed to follow the list order 115200/57600/38400/"
    "19200/9600 (BAUD_PARAS).",
    "find_select_reply_data": "The simulator pads find/select replies with 4/8 zero bytes as "
    "common modules do; the driver ignores reply data of these commands.",
    "card_io_timeout": "Commands that talk to the card over RF get CARD_IO_TIMEOUT_FACTOR x "
    "the exchange timeout; real modules need up to about a second for a read.",
    "permit_2017_number": "The 2017 permit number is checked for its shape only (3 letters + "
    "12 digits); its check digit algorithm is not documented.",
    "wlt_library_abi": "A vendor WLT decoder exports int unpack(wlt, bmp, 1) filling a "
    "38862-byte BMP and returning 1 (photo.UNPACK_SYMBOL, photo.BMP_BYTES).",
}


class Sw3(IntEnum):
    """SW3 status bytes of SAM replies."""

    OK = 0x90
    CARD_FOUND = 0x9F
    NO_CONTENT = 0x91
    CHECKSUM_ERROR = 0x10
    LENGTH_ERROR = 0x11
    COMMAND_ERROR = 0x21
    UNAUTHORISED = 0x23
    UNRECOGNISED = 0x24
    CARD_AUTH_SAM_FAILED = 0x31
    SAM_AUTH_CARD_FAILED = 0x32
    VERIFY_FAILED = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORISED = 0x66
    NO_CARD = 0x80
    SELECT_FAILED = 0x81


class Sw3Info(NamedTuple):
    code: str  # stable error code; kiosk.i18n holds the citizen text
    tech: str  # what the status means, for the technician


SW3_INFO: dict[Sw3, Sw3Info] = {
    Sw3.OK: Sw3Info("idcard.ok", "success"),
    Sw3.CARD_FOUND: Sw3Info("idcard.card_found", "card found"),
    Sw3.NO_CONTENT: Sw3Info("idcard.no_content", "the card holds no content for this item"),
    Sw3.CHECKSUM_ERROR: Sw3Info(
        "idcard.sam_checksum", "SAM received a command frame with a bad checksum"
    ),
    Sw3.LENGTH_ERROR: Sw3Info(
        "idcard.sam_length", "SAM received a command frame with a bad length"
    ),
    Sw3.COMMAND_ERROR: Sw3Info(
        "idcard.sam_command_error", "SAM rejected the command (bad value or sequence)"
    ),
    Sw3.UNAUTHORISED: Sw3Info("idcard.sam_unauthorised", "SAM refused an unauthorised operation"),
    Sw3.UNRECOGNISED: Sw3Info("idcard.sam_unrecognised", "SAM reported an unrecognised error"),
    Sw3.CARD_AUTH_SAM_FAILED: Sw3Info(
        "idcard.card_auth_sam_failed", "the card failed to authenticate the SAM"
    ),
    Sw3.SAM_AUTH_CARD_FAILED: Sw3Info(
        "idcard.sam_auth_card_failed", "the SAM failed to authenticate the card"
    ),
    Sw3.VERIFY_FAILED: Sw3Info("idcard.verify_failed", "information verification failed"),
    Sw3.UNKNOWN_CARD_TYPE: Sw3Info("idcard.unknown_card_type", "unknown card type in the field"),
    Sw3.READ_FAILED: Sw3Info("idcard.read_failed", "reading the card failed"),
    Sw3.RANDOM_FAILED: Sw3Info("idcard.random_failed", "getting a random number failed"),
    Sw3.SAM_SELF_TEST_FAILED: Sw3Info("idcard.sam_self_test_failed", "SAM self-test failed"),
    Sw3.SAM_NOT_AUTHORISED: Sw3Info("idcard.sam_not_authorised", "SAM is not authorised"),
    Sw3.NO_CARD: Sw3Info("idcard.no_card", "find card failed: no (new) card in the field"),
    Sw3.SELECT_FAILED: Sw3Info("idcard.select_failed", "select card failed: no card selected"),
}
UNKNOWN_SW3_CODE = "idcard.sw_unknown"

# Error codes raised outside the SW3 table.
CODE_FRAME_CHECKSUM = "idcard.frame_checksum"
CODE_FRAME_LENGTH = "idcard.frame_length"
CODE_BAD_DATA = "idcard.bad_data"
CODE_TIMEOUT = "idcard.timeout"
CODE_GONE = "idcard.gone"
CODE_NO_READER = "idcard.no_reader"


SHORT_REPLY_BYTES = 64  # every reply but the reads fits; bounds a command's transfer time


@dataclass(frozen=True)
class CommandSpec:
    name: str
    cmd: int
    para: int
    card_io: bool = False  # talks to the card over RF, slower than SAM-only commands
    max_reply: int = SHORT_REPLY_BYTES  # the longest whole reply frame, for the timeout


RESET = CommandSpec("reset SAM", 0x10, 0xFF)
SAM_STATUS = CommandSpec("SAM status", 0x11, 0xFF)
SAM_ID = CommandSpec("read SAM ID", 0x12, 0xFF)
FIND = CommandSpec("find card", 0x20, 0x01, card_io=True)
SELECT = CommandSpec("select card", 0x20, 0x02, card_io=True)
# A plain read reply is a 1295-byte frame (PROTOCOLS.md §1).
READ = CommandSpec("read text+photo", 0x30, 0x01, card_io=True, max_reply=1295)
READ_FP = CommandSpec(
    "read text+photo+fingerprint", 0x30, 0x10, card_io=True, max_reply=MAX_FRAME_BYTES
)
READ_ADDRESS = CommandSpec("read appended address", 0x30, 0x03, card_io=True)
COMMANDS: tuple[CommandSpec, ...] = (
    RESET,
    SAM_STATUS,
    SAM_ID,
    FIND,
    SELECT,
    READ,
    READ_FP,
    READ_ADDRESS,
)
_COMMANDS_BY_KEY = {(c.cmd, c.para): c for c in COMMANDS}
BAUD_CMD = 0x60
# UNCERTAIN: baud_para_order
BAUD_PARAS: dict[int, int] = {0x00: 115200, 0x01: 57600, 0x02: 38400, 0x03: 19200, 0x04: 9600}
BAUD_RATES: tuple[int, ...] = tuple(BAUD_PARAS.values())  # the default first


def baud_command(baud: int) -> CommandSpec:
    """Command 60 xx: switch the module's UART to ``baud`` (it answers at the old speed)."""
    para = next((p for p, b in BAUD_PARAS.items() if b == baud), None)
    if para is None:
        raise ValueError(f"the SAM module does not offer {baud} baud; it offers {BAUD_RATES}")
    return CommandSpec(f"set baud {baud}", BAUD_CMD, para)

CARD_IO_TIMEOUT_FACTOR = 3.0  # UNCERTAIN: card_io_timeout

TEXT_BYTES = 256
PHOTO_BYTES = 1024
APPENDED_ADDRESS_BYTES = 70
SAM_ID_BYTES = 16


def command_spec(cmd: int, para: int) -> CommandSpec | None:
    return _COMMANDS_BY_KEY.get((cmd, para))


def checksum(body: bytes) -> int:
    """XOR of the LEN bytes and everything after them up to CHK."""
    return reduce(xor, body, 0)


def _encode_frame(payload: bytes) -> bytes:
    body = (len(payload) + 1).to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes((checksum(body),))


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """Host -> SAM frame."""
    return _encode_frame(bytes((cmd, para)) + data)


def encode_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """SAM -> host frame (used by the simulator and tests)."""
    return _encode_frame(bytes((sw1, sw2, sw3)) + data)


@dataclass(frozen=True)
class Frame:
    """One checked frame: the bytes between LEN and CHK."""

    payload: bytes


class Response(NamedTuple):
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @classmethod
    def from_frame(cls, frame: Frame) -> Response:
        p = frame.payload
        return cls(p[0], p[1], p[2], p[3:])


class Request(NamedTuple):
    cmd: int
    para: int
    data: bytes

    @classmethod
    def from_frame(cls, frame: Frame) -> Request:
        p = frame.payload
        return cls(p[0], p[1], p[2:])


class FrameDecoder:
    """Streaming decoder: feed bytes as they arrive, get whole checked frames.

    Bytes before a preamble are dropped. A frame with an impossible LEN or a bad checksum is
    reported as an ``IdCardFrameError`` and only its first byte is skipped, so a good frame
    that starts inside the bad one (a truncated frame followed by the next) is still found.
    """

    def __init__(self, min_len: int = RESPONSE_MIN_LEN, max_len: int = MAX_LEN) -> None:
        self.min_len = min_len
        self.max_len = max_len
        self._buf = bytearray()
        self._deferred: IdCardFrameError | None = None
        self.discarded = 0  # garbage bytes dropped, for diagnostics

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buf)

    def reset(self) -> None:
        self._buf.clear()
        self._deferred = None

    def feed(self, data: bytes) -> list[Frame]:
        """Return the frames completed by ``data``; raise ``IdCardFrameError`` for a bad one.

        Frames are never lost: if a bad frame follows good ones in the same call, the good ones
        are returned and the error is raised by the next call (``feed(b"")`` is enough).
        """
        self._buf += data
        frames: list[Frame] = []
        while (item := self._next()) is not None:
            if isinstance(item, IdCardFrameError):
                if frames:
                    self._deferred = item
                    return frames
                raise item
            frames.append(item)
        return frames

    def events(self, data: bytes) -> list[Frame | IdCardFrameError]:
        """Like ``feed`` but returns errors in order with the frames instead of raising."""
        self._buf += data
        out: list[Frame | IdCardFrameError] = []
        while (item := self._next()) is not None:
            out.append(item)
        return out

    def _next(self) -> Frame | IdCardFrameError | None:
        if self._deferred is not None:
            error, self._deferred = self._deferred, None
            return error
        buf = self._buf
        start = buf.find(PREAMBLE)
        if start < 0:
            # Keep a tail that may be the start of a preamble split across reads.
            keep = len(PREAMBLE) - 1
            self._drop(max(0, len(buf) - keep))
            return None
        self._drop(start)
        if len(buf) < HEADER_BYTES:
            return None
        length = int.from_bytes(buf[5:7], "big")
        if not self.min_len <= length <= self.max_len:
            self._drop(1)
            return IdCardFrameError(
                CODE_FRAME_LENGTH,
                f"frame LEN {length} outside {self.min_len}..{self.max_len}; frame discarded",
            )
        total = HEADER_BYTES + length
        if len(buf) < total:
            return None
        expected, got = checksum(buf[5 : total - 1]), buf[total - 1]
        if expected != got:
            self._drop(1)
            return IdCardFrameError(
                CODE_FRAME_CHECKSUM,
                f"frame checksum {got:02X}, computed {expected:02X} (LEN {length}); "
                "frame discarded",
            )
        frame = Frame(bytes(buf[HEADER_BYTES : total - 1]))
        del buf[:total]
        return frame

    def _drop(self, count: int) -> None:
        if count:
            del self._buf[:count]
            self.discarded += count


def status_error(sw3: int, command: str) -> IdCardStatusError:
    """The typed error for a non-success SW3 answer to ``command``."""
    try:
        info = SW3_INFO[Sw3(sw3)]
    except ValueError:
        info = Sw3Info(UNKNOWN_SW3_CODE, "status not in GA/T 467")
    return IdCardStatusError(info.code, f"{command}: SAM answered SW3={sw3:02X}: {info.tech}", sw3)


class ReadData(NamedTuple):
    text: bytes
    photo: bytes
    fingerprint: bytes


def parse_read_data(data: bytes, with_fingerprint: bool) -> ReadData:
    """Split a 30 01 / 30 10 reply: TEXT_LEN PHOTO_LEN [FP_LEN] TEXT PHOTO [FINGERPRINT]."""
    fmt = ">HHH" if with_fingerprint else ">HH"
    head = struct.calcsize(fmt)
    if len(data) < head:
        raise IdCardDataError(CODE_BAD_DATA, f"read reply of {len(data)} bytes has no length head")
    lengths = struct.unpack_from(fmt, data)
    if head + sum(lengths) != len(data):
        raise IdCardDataError(
            CODE_BAD_DATA,
            f"read reply lengths {lengths} do not add up to {len(data) - head} data bytes",
        )
    text_end = head + lengths[0]
    photo_end = text_end + lengths[1]
    return ReadData(data[head:text_end], data[text_end:photo_end], data[photo_end:])


def encode_read_data(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """Inverse of ``parse_read_data``; ``fingerprint=None`` gives the 30 01 form."""
    if fingerprint is None:
        return struct.pack(">HH", len(text), len(photo)) + text + photo
    return struct.pack(">HHH", len(text), len(photo), len(fingerprint)) + text + photo + fingerprint


def format_sam_id(data: bytes) -> str:
    """SAM ID as printed on the module label. UNCERTAIN: sam_id_format."""
    if len(data) != SAM_ID_BYTES:
        raise IdCardDataError(CODE_BAD_DATA, f"SAM ID reply has {len(data)} bytes, expected 16")
    a, b, c = struct.unpack_from("<III", data, 4)
    return f"{data[0]:02X}.{data[2]:02X}-{a}-{b:010d}-{c:010d}"
