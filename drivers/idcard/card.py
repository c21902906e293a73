"""The identity card as read from the chip, and its 256-byte text block (PROTOCOLS.md §1)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from drivers.idcard.codes import NATIONALITIES, NATIONS, SEXES, check_id_number
from drivers.idcard.errors import IdCardDataError
from drivers.idcard.privacy import mask_id_number, mask_name
from drivers.idcard.protocol import APPENDED_ADDRESS_BYTES, CODE_BAD_DATA, TEXT_BYTES

RESIDENT = "resident"
FOREIGN_PERMANENT_2017 = "foreign_permanent_2017"
FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"
HMT_RESIDENCE = "hmt_residence"

LONG_TERM = "长期"  # "valid to" of a card that never expires
_ENCODING = "utf-16-le"  # UCS-2 little-endian; every character of a card is in the BMP
_PAD = " "

TYPE_FLAG_OFFSET = 248
TYPE_FLAGS: dict[str, str] = {
    "I": FOREIGN_PERMANENT_2017,
    "Y": FOREIGN_PERMANENT_2023,
    "J": HMT_RESIDENCE,
}

# (card attribute, byte offset, byte size). Reserved areas are absent. A name listed twice is
# one value split over both slots in order (the 2023 permit's English name). Dates are
# YYYYMMDD text; "valid to" may be 长期.
_LAYOUTS: dict[str, tuple[tuple[str, int, int], ...]] = {
    RESIDENT: (
        ("name", 0, 30), ("sex", 30, 2), ("nation_code", 32, 4), ("birth", 36, 16),
        ("address", 52, 70), ("id_number", 122, 36), ("authority", 158, 30),
        ("valid_from", 188, 16), ("valid_to", 204, 16),
    ),
    # 2017 permit: the 2-char version at 236 is not kept; "authority" holds the 4-char
    # authority code found at 240.
    FOREIGN_PERMANENT_2017: (
        ("name_en", 0, 120), ("sex", 120, 2), ("id_number", 122, 30), ("nationality", 152, 6),
        ("name", 158, 30), ("valid_from", 188, 16), ("valid_to", 204, 16), ("birth", 220, 16),
        ("authority", 240, 8),
    ),
    HMT_RESIDENCE: (
        ("name", 0, 30), ("sex", 30, 2), ("birth", 36, 16), ("address", 52, 70),
        ("id_number", 122, 36), ("authority", 158, 30), ("valid_from", 188, 16),
        ("valid_to", 204, 16), ("pass_number", 220, 18), ("issue_count", 238, 4),
    ),
    # UNCERTAIN: layout_foreign_permanent_2023. "issue_count" holds the renewal count; the
    # old-permit link at 250 is not kept.
    FOREIGN_PERMANENT_2023: (
        ("name", 0, 30), ("sex", 30, 2), ("issue_count", 32, 4), ("birth", 36, 16),
        ("name_en", 52, 70), ("id_number", 122, 36), ("valid_from", 188, 16),
        ("valid_to", 204, 16), ("name_en", 220, 22), ("nationality", 242, 6),
    ),
}  # fmt: skip
_PERMIT_2017_NUMBER = re.compile(r"[A-Z]{3}\d{12}")  # UNCERTAIN: permit_2017_number


@dataclass(kw_only=True, repr=False)
class IdentityCard:
    """One card holder's data. Personal data: never log it; ``repr`` masks it."""

    card_type: str
    name: str
    sex: str  # GB/T 2261.1 code
    birth: date
    id_number: str  # the permit number on permits
    valid_from: date
    valid_to: date | None  # None: 长期
    name_en: str = ""
    sex_text: str = ""  # filled from sex when empty
    nation_code: str = ""
    nation: str = ""  # filled from nation_code when empty
    nationality: str = ""  # GB/T 2659 code, permits only
    address: str = ""
    authority: str = ""
    pass_number: str = ""
    issue_count: str = ""
    appended_address: str = ""
    photo: bytes = field(default=b"")  # WLT, opaque
    fingerprint: bytes = field(default=b"")

    def __post_init__(self) -> None:
        if not self.sex_text:
            self.sex_text = SEXES.get(self.sex, "")
        if self.nation_code and not self.nation:
            self.nation = NATIONS.get(self.nation_code, "")

    @property
    def id_number_valid(self) -> bool:
        if self.card_type == FOREIGN_PERMANENT_2017:
            return _PERMIT_2017_NUMBER.fullmatch(self.id_number) is not None
        return check_id_number(self.id_number)

    @property
    def nationality_text(self) -> str:
        return NATIONALITIES.get(self.nationality, self.nationality)

    def is_expired(self, today: date) -> bool:
        return self.valid_to is not None and today > self.valid_to

    def to_json_dict(self, today: date | None = None) -> dict[str, object]:
        d: dict[str, object] = {
            "card_type": self.card_type,
            "name": self.name,
            "sex": self.sex,
            "sex_text": self.sex_text,
            "birth": self.birth.isoformat(),
            "address": self.address,
            "id_number": self.id_number,
            "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else LONG_TERM,
        }
        if self.card_type == RESIDENT:
            d.update(nation_code=self.nation_code, nation=self.nation)
        if self.card_type in (FOREIGN_PERMANENT_2017, FOREIGN_PERMANENT_2023):
            d.update(
                name_en=self.name_en,
                nationality=self.nationality,
                nationality_text=self.nationality_text,
            )
        if self.card_type == HMT_RESIDENCE:
            d.update(pass_number=self.pass_number, issue_count=self.issue_count)
        if self.card_type == FOREIGN_PERMANENT_2023:
            d.update(issue_count=self.issue_count)
        if self.appended_address:
            d.update(appended_address=self.appended_address)
        d.update(
            id_number_valid=self.id_number_valid,
            expired=self.is_expired(today or date.today()),
        )
        return d

    def __repr__(self) -> str:
        return (
            f"IdentityCard(card_type={self.card_type!r}, name={mask_name(self.name)!r}, "
            f"id_number={mask_id_number(self.id_number)!r}, photo={len(self.photo)}B)"
        )


def _bad(tech: str) -> IdCardDataError:
    return IdCardDataError(CODE_BAD_DATA, tech)


def _decode_raw(raw: bytes) -> str:
    try:
        return raw.decode(_ENCODING)
    except UnicodeDecodeError as exc:
        raise _bad(f"text field of {len(raw)} bytes is not UCS-2LE ({exc.reason})") from None


def _strip(text: str) -> str:
    return text.rstrip(" \x00")


def _encode_ucs2(text: str, size: int) -> bytes:
    """Encode ``text`` into exactly ``size`` bytes, space padded."""
    raw = text.encode(_ENCODING)
    if len(raw) > size:
        raise ValueError(f"{len(text)} characters do not fit a {size}-byte field")
    return raw + _PAD.encode(_ENCODING) * ((size - len(raw)) // 2)


def card_type_of(block: bytes) -> str:
    flag = block[TYPE_FLAG_OFFSET : TYPE_FLAG_OFFSET + 2].decode(_ENCODING, errors="replace")
    return TYPE_FLAGS.get(flag, RESIDENT)


def _parse_date(value: str, name: str) -> date:
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise _bad(f"{name} is not a YYYYMMDD date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise _bad(f"{name} is not a calendar date") from None


def parse_text_block(block: bytes) -> IdentityCard:
    """Parse the 256-byte text block of any of the four card types."""
    if len(block) != TEXT_BYTES:
        raise _bad(f"text block has {len(block)} bytes, expected {TEXT_BYTES}")
    card_type = card_type_of(block)
    raw: dict[str, str] = {}
    for name, offset, size in _LAYOUTS[card_type]:
        # Join split slots before stripping so a space at the split point survives.
        raw[name] = raw.get(name, "") + _decode_raw(block[offset : offset + size])
    text = {k: _strip(v) for k, v in raw.items()}
    valid_to = text.pop("valid_to")
    return IdentityCard(
        card_type=card_type,
        birth=_parse_date(text.pop("birth"), "birth"),
        valid_from=_parse_date(text.pop("valid_from"), "valid_from"),
        valid_to=None if valid_to == LONG_TERM else _parse_date(valid_to, "valid_to"),
        **text,
    )


def encode_text_block(card: IdentityCard) -> bytes:
    """The inverse of ``parse_text_block`` (256 bytes); used by the simulator."""
    block = bytearray(_PAD.encode(_ENCODING) * (TEXT_BYTES // 2))
    slots: dict[str, list[tuple[int, int]]] = {}
    for name, offset, size in _LAYOUTS[card.card_type]:
        slots.setdefault(name, []).append((offset, size))
    for name, places in slots.items():
        value = getattr(card, name)
        if isinstance(value, date):
            value = value.strftime("%Y%m%d")
        elif value is None:
            value = LONG_TERM
        raw = _encode_ucs2(value, sum(size for _, size in places))
        for offset, size in places:
            block[offset : offset + size], raw = raw[:size], raw[size:]
    flag = next((f for f, t in TYPE_FLAGS.items() if t == card.card_type), None)
    if flag is not None:
        block[TYPE_FLAG_OFFSET : TYPE_FLAG_OFFSET + 2] = flag.encode(_ENCODING)
    return bytes(block)


def parse_appended_address(data: bytes) -> str:
    """The 30 03 reply: the latest address, UCS-2LE."""
    if len(data) % 2:
        raise _bad(f"appended address has an odd length ({len(data)} bytes)")
    return _strip(_decode_raw(data))


def encode_appended_address(address: str) -> bytes:
    return _encode_ucs2(address, APPENDED_ADDRESS_BYTES)
