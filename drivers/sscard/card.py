"""The social-security card as read from its SSSE application (PROTOCOLS.md §3).

``RECORDS`` is the one table of what is read: which EF, which tag, how the value is coded.
``read_card`` runs the read over any transport (PC/SC in ``reader``, a bare function in
unit tests); ``encode_files`` is its inverse, used by the virtual card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from drivers.idcard.codes import NATIONS, SEXES, check_id_number
from drivers.idcard.privacy import mask_id_number, mask_name
from drivers.sscard.errors import SsCardDataError, SsCardStatusError
from drivers.sscard.protocol import (
    CODE_BAD_DATA,
    CODE_NOT_SSSE,
    EF_HOLDER,
    EF_ISSUER,
    TransmitFn,
    encode_record,
    exchange,
    parse_record,
    read_record,
    select_aid,
    select_file,
)

REGION_CODE_DIGITS = 6
_NAME_ENCODING = "gb18030"  # a superset of GBK: rare characters in names still decode
_SW_NOT_FOUND = 0x6A82


class Record(NamedTuple):
    tag: int
    field: str  # SocialSecurityCard attribute
    kind: str  # b: binary shown as hex; an: ASCII; gbk: GBK text; cn: BCD digits; date: cn YYYYMMDD
    size: int  # bytes on the card; UNCERTAIN: field_sizes (except 01, 07, 08, 09)


RECORDS: dict[int, tuple[Record, ...]] = {
    EF_ISSUER: (
        Record(0x01, "card_id", "b", 16),  # UNCERTAIN: card_id_hex
        Record(0x03, "card_version", "an", 4),  # "2.00" / "3.00": 2nd / 3rd generation
        Record(0x05, "issued", "date", 4),
        Record(0x06, "expires", "date", 4),
        Record(0x07, "card_number", "an", 9),
    ),
    EF_HOLDER: (
        Record(0x08, "ssn", "an", 18),
        Record(0x09, "name", "gbk", 30),
        Record(0x0A, "sex", "an", 1),
        Record(0x0B, "nation_code", "cn", 1),
        Record(0x0D, "birth", "date", 4),
    ),
}


@dataclass(frozen=True, kw_only=True, repr=False)
class SocialSecurityCard:
    """One card holder's 社保卡 data. Personal data: never log it; ``repr`` masks it."""

    card_id: str  # 识别码, 32 hex digits
    card_version: str
    card_number: str
    issued: date
    expires: date | None  # None: the card records no expiry
    ssn: str  # social security number (the citizen's ID number)
    name: str
    sex: str  # GB/T 2261.1 code
    nation_code: str  # GB 3304 code
    birth: date

    @property
    def region_code(self) -> str:
        return self.card_id[:REGION_CODE_DIGITS]

    @property
    def id_number(self) -> str:
        return self.ssn

    @property
    def id_number_valid(self) -> bool:
        return check_id_number(self.ssn)

    @property
    def sex_text(self) -> str:
        return SEXES.get(self.sex, "")

    @property
    def nation(self) -> str:
        return NATIONS.get(self.nation_code, "")

    def is_expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def to_json_dict(self) -> dict[str, object]:
        return {
            "card_id": self.card_id,
            "region_code": self.region_code,
            "card_version": self.card_version,
            "card_number": self.card_number,
            "ssn": self.ssn,
            "name": self.name,
            "sex": self.sex,
            "nation": self.nation,
            "birth": self.birth.isoformat(),
            "issued": self.issued.isoformat(),
            "expires": self.expires.isoformat() if self.expires else None,
        }

    def __repr__(self) -> str:
        return (
            f"SocialSecurityCard(region={self.region_code!r}, version={self.card_version!r}, "
            f"name={mask_name(self.name)!r}, ssn={mask_id_number(self.ssn)!r})"
        )


# -- field coding ---------------------------------------------------------------------------


def _bad(tech: str) -> SsCardDataError:
    return SsCardDataError(CODE_BAD_DATA, tech)


def _digits(raw: bytes, rec: Record) -> str:
    # cn: BCD, right-padded with F nibbles.
    digits = raw.hex().upper().rstrip("F")
    if not digits.isdigit() and digits:
        raise _bad(f"record {rec.tag:02X} ({rec.field}) is not BCD digits")
    return digits


def decode_field(rec: Record, raw: bytes) -> str | date | None:
    if rec.kind == "b":
        return raw.hex().upper()
    if rec.kind in ("an", "gbk"):
        # an: right-padded with 00 (some makers pad with spaces).
        try:
            return raw.rstrip(b"\x00 ").decode("ascii" if rec.kind == "an" else _NAME_ENCODING)
        except UnicodeDecodeError:
            raise _bad(f"record {rec.tag:02X} ({rec.field}) is not {rec.kind} text") from None
    digits = _digits(raw, rec)
    if rec.kind == "cn":
        return digits
    if not digits:
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise _bad(f"record {rec.tag:02X} ({rec.field}) is not a YYYYMMDD date") from None


def encode_field(rec: Record, value: str | date | None) -> bytes:
    """The inverse of ``decode_field``: exactly ``rec.size`` bytes."""
    if rec.kind == "b":
        raw = bytes.fromhex(str(value))
    elif rec.kind in ("an", "gbk"):
        raw = str(value).encode("ascii" if rec.kind == "an" else _NAME_ENCODING)
        raw += b"\x00" * (rec.size - len(raw))
    else:
        digits = value.strftime("%Y%m%d") if isinstance(value, date) else str(value or "")
        raw = bytes.fromhex(digits + "F" * (2 * rec.size - len(digits)))
    if len(raw) != rec.size:
        raise ValueError(f"{rec.field} does not fit {rec.size} bytes")
    return raw


def encode_files(card: SocialSecurityCard) -> dict[int, dict[int, bytes]]:
    """EF -> tag -> the whole TLV record, as the card stores it."""
    return {
        fid: {r.tag: encode_record(r.tag, encode_field(r, getattr(card, r.field))) for r in recs}
        for fid, recs in RECORDS.items()
    }


# -- the read -------------------------------------------------------------------------------


def select_ssse(transmit: TransmitFn) -> None:
    try:
        exchange(transmit, select_aid(), "SELECT SSSE")
    except SsCardStatusError as e:
        if e.sw == _SW_NOT_FOUND:
            raise SsCardStatusError(
                CODE_NOT_SSSE, f"{e.tech}; the card has no SSSE application", e.sw
            ) from None
        raise


def read_card(transmit: TransmitFn) -> SocialSecurityCard:
    """SELECT SSSE, then every record of ``RECORDS`` by tag, EF by EF."""
    select_ssse(transmit)
    values: dict[str, str | date | None] = {}
    for fid, records in RECORDS.items():
        exchange(transmit, select_file(fid), f"SELECT EF {fid:04X}")
        for rec in records:
            what = f"READ RECORD {rec.tag:02X} of EF {fid:04X}"
            values[rec.field] = decode_field(rec, parse_record(
                exchange(transmit, read_record(rec.tag), what), rec.tag))
    for name in ("issued", "birth"):
        if values[name] is None:
            raise _bad(f"{name} is empty")
    return SocialSecurityCard(**values)  # type: ignore[arg-type]
