"""Social-security card (社会保障卡) APDUs: pure functions, bytes in, values out.

PROTOCOLS.md §3. The commands are ISO 7816-4: SELECT the SSSE application by its AID, SELECT
an elementary file by its FID, READ RECORD by tag (record identifier, not record number,
because record numbers differ between card makers). ``exchange`` adds what the transport
layer of T=0 cards leaves to the application: ``61 xx`` (fetch with GET RESPONSE) and
``6C xx`` (send again with Le = xx).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from drivers.sscard.errors import SsCardDataError, SsCardError, SsCardStatusError

# "sx1.sh." followed by 社会保障 in GBK.
SSSE_AID = b"sx1.sh." + "社会保障".encode("gbk")
EF_ISSUER = 0xEF05  # card data written by the issuer
EF_HOLDER = 0xEF06  # the card holder's data

SW_OK = 0x9000
MAX_GET_RESPONSE_ROUNDS = 16  # a card that keeps answering 61 xx is broken, not chatty

# Every item the spec marks UNCERTAIN, and what depends on it.
UNCERTAIN: dict[str, str] = {
    "auth_needed_by_generation": "Whether EF05/EF06 read without PIN/PSAM authentication "
    "differs by card generation; 69 82 and 63 Cx are reported as sscard.needs_auth.",
    "field_sizes": "Only the sizes of tags 01 (16), 07 (9), 08 (18) and 09 (30) are documented; "
    "the others in card.RECORDS are common values. The reader takes every length from the "
    "TLV, so a wrong size only changes what the virtual card sends.",
    "card_id_hex": "The card identification code (tag 01) is shown as the hex digits of its "
    "16 bytes, so its first 6 hex digits are the region code (card.RECORDS).",
}


# The transport: one command APDU in, the response APDU (data + SW1 SW2) out.
TransmitFn = Callable[[bytes], bytes]


class SwInfo(NamedTuple):
    code: str  # stable error code; kiosk.i18n holds the citizen text
    tech: str  # what the status means, for the technician


# ISO 7816-4 status words a social-security card gives, and what they mean here.
SW_INFO: dict[int, SwInfo] = {
    0x6281: SwInfo("sscard.bad_data", "part of the returned data may be corrupted"),
    0x6283: SwInfo("sscard.card_blocked", "selected file invalidated (card deactivated)"),
    0x6581: SwInfo("sscard.card_error", "memory failure"),
    0x6700: SwInfo("sscard.card_error", "wrong length"),
    0x6982: SwInfo("sscard.needs_auth", "security status not satisfied"),
    0x6983: SwInfo("sscard.locked", "authentication method blocked"),
    0x6985: SwInfo("sscard.card_error", "conditions of use not satisfied"),
    0x6A81: SwInfo("sscard.card_error", "function not supported"),
    0x6A82: SwInfo("sscard.not_found", "file or application not found"),
    0x6A83: SwInfo("sscard.record_missing", "record not found"),
    0x6A86: SwInfo("sscard.card_error", "incorrect P1-P2"),
    0x6D00: SwInfo("sscard.card_error", "instruction not supported"),
    0x6E00: SwInfo("sscard.card_error", "class not supported"),
}
CODE_NEEDS_AUTH = "sscard.needs_auth"
CODE_NOT_SSSE = "sscard.not_ssse"
CODE_UNKNOWN_SW = "sscard.sw_unknown"
CODE_BAD_DATA = "sscard.bad_data"
CODE_REMOVED = "sscard.removed"


def sw_info(sw: int) -> SwInfo:
    if sw & 0xFFF0 == 0x63C0:
        # Verification failed with x tries left: the card wants a PIN or PSAM first.
        return SwInfo(CODE_NEEDS_AUTH, f"verification failed, {sw & 0x0F} tries left")
    return SW_INFO.get(sw, SwInfo(CODE_UNKNOWN_SW, "status word not expected from this card"))


def status_error(sw: int, command: str) -> SsCardStatusError:
    info = sw_info(sw)
    return SsCardStatusError(info.code, f"{command}: card answered SW={sw:04X}: {info.tech}", sw)


# -- command APDUs --------------------------------------------------------------------------


def select_aid(aid: bytes = SSSE_AID) -> bytes:
    return bytes((0x00, 0xA4, 0x04, 0x00, len(aid))) + aid


def select_file(fid: int) -> bytes:
    return bytes((0x00, 0xA4, 0x02, 0x00, 0x02)) + fid.to_bytes(2, "big")


def read_record(tag: int, le: int = 0) -> bytes:
    """READ RECORD of the first record with identifier ``tag`` (P2 = 00) in the current EF."""
    return bytes((0x00, 0xB2, tag, 0x00, le))


def get_response(le: int) -> bytes:
    return bytes((0x00, 0xC0, 0x00, 0x00, le))


def split_response(rapdu: bytes) -> tuple[bytes, int]:
    if not rapdu:
        # Some readers report a card pulled in mid-command as an empty answer.
        raise SsCardError(CODE_REMOVED, "no response APDU at all: the card left or went mute")
    if len(rapdu) < 2:
        raise SsCardDataError(CODE_BAD_DATA, f"response APDU of {len(rapdu)} bytes has no SW")
    return rapdu[:-2], int.from_bytes(rapdu[-2:], "big")


def exchange(transmit: TransmitFn, capdu: bytes, command: str) -> bytes:
    """Send ``capdu``; follow 61 xx and 6C xx; return the data of a 90 00 answer.

    Any other status word raises the typed error of ``SW_INFO``.
    """
    data, sw = split_response(transmit(capdu))
    if sw >> 8 == 0x6C:
        # Wrong Le: a T=0 card says how many bytes it has; ask again for exactly those.
        data, sw = split_response(transmit(capdu[:-1] + bytes((sw & 0xFF,))))
    rounds = 0
    while sw >> 8 == 0x61:
        rounds += 1
        if rounds > MAX_GET_RESPONSE_ROUNDS:
            raise SsCardDataError(CODE_BAD_DATA, f"{command}: more than "
                                  f"{MAX_GET_RESPONSE_ROUNDS} rounds of 61 xx")
        more, sw = split_response(transmit(get_response(sw & 0xFF)))
        data += more
    if sw != SW_OK:
        raise status_error(sw, command)
    return data


# -- TLV records ----------------------------------------------------------------------------


def parse_record(data: bytes, tag: int) -> bytes:
    """The value of a ``tag len value`` record; the length may use the BER 81 form."""
    if len(data) < 2:
        raise SsCardDataError(CODE_BAD_DATA, f"record {tag:02X}: {len(data)} bytes, no TLV")
    if data[0] != tag:
        raise SsCardDataError(CODE_BAD_DATA, f"record {tag:02X}: card sent tag {data[0]:02X}")
    length, head = data[1], 2
    if length == 0x81 and len(data) >= 3:
        length, head = data[2], 3
    value = data[head:]
    if len(value) != length:
        raise SsCardDataError(
            CODE_BAD_DATA, f"record {tag:02X}: TLV length {length}, {len(value)} value bytes"
        )
    return value


def encode_record(tag: int, value: bytes) -> bytes:
    length = bytes((len(value),)) if len(value) < 0x80 else bytes((0x81, len(value)))
    return bytes((tag,)) + length + value
