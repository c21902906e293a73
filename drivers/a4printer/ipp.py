"""The IPP message format (RFC 8010 §3) as pure functions: bytes in, values out.

Only the virtual A4 printer needs it: the kiosk itself prints through CUPS's own ``lp`` and
``lpstat``, which speak IPP to cupsd, so the virtual printer answers them in IPP too and the
real client programs run in tests. Values are kept typed by their tag so a reply encodes
exactly what a CUPS server would send; a collection (which no request we answer needs) is
decoded as its flat sequence of tagged values rather than refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

# Delimiter tags: the groups of a message.
OPERATION = 0x01
JOB = 0x02
END = 0x03
PRINTER = 0x04
UNSUPPORTED_GROUP = 0x05

# Value tags.
INTEGER = 0x21
BOOLEAN = 0x22
ENUM = 0x23
DATETIME = 0x31
TEXT = 0x41
NAME = 0x42
KEYWORD = 0x44
URI = 0x45
CHARSET = 0x47
LANGUAGE = 0x48
MIME = 0x49
NO_VALUE = 0x13
_INT_TAGS = {INTEGER, ENUM}
_STRING_TAGS = {TEXT, NAME, KEYWORD, URI, 0x46, CHARSET, LANGUAGE, MIME, 0x4A}

# Operations (RFC 8011 §5.4, CUPS extensions at 0x4000+).
PRINT_JOB = 0x0002
VALIDATE_JOB = 0x0004
CREATE_JOB = 0x0005
SEND_DOCUMENT = 0x0006
CANCEL_JOB = 0x0008
GET_JOB_ATTRIBUTES = 0x0009
GET_JOBS = 0x000A
GET_PRINTER_ATTRIBUTES = 0x000B
CUPS_GET_DEFAULT = 0x4001
CUPS_GET_PRINTERS = 0x4002

# Status codes.
OK = 0x0000
BAD_REQUEST = 0x0400
NOT_FOUND = 0x0406
NOT_POSSIBLE = 0x0404
NOT_ACCEPTING = 0x0506
OPERATION_NOT_SUPPORTED = 0x0501

# Enums.
PRINTER_IDLE, PRINTER_PROCESSING, PRINTER_STOPPED = 3, 4, 5
JOB_PENDING, JOB_HELD, JOB_PROCESSING = 3, 4, 5
JOB_STOPPED, JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED = 6, 7, 8, 9

Value = int | bool | str | bytes


@dataclass(frozen=True)
class Attribute:
    name: str
    tag: int
    values: tuple[Value, ...]

    @property
    def value(self) -> Value:
        return self.values[0]


@dataclass
class Message:
    """A request (``code`` = operation) or a response (``code`` = status)."""

    code: int
    request_id: int
    groups: list[tuple[int, list[Attribute]]] = field(default_factory=list)
    data: bytes = b""
    version: tuple[int, int] = (2, 0)

    def get(self, name: str, group: int | None = None) -> Attribute | None:
        for tag, attrs in self.groups:
            if group is None or tag == group:
                for attr in attrs:
                    if attr.name == name:
                        return attr
        return None

    def value(self, name: str, default: Value | None = None) -> Value | None:
        attr = self.get(name)
        return attr.value if attr is not None and attr.values else default


class IppError(ValueError):
    """The bytes are not an IPP message."""


def _decode_value(tag: int, raw: bytes) -> Value:
    if tag in _INT_TAGS and len(raw) == 4:
        return struct.unpack(">i", raw)[0]
    if tag == BOOLEAN and len(raw) == 1:
        return raw != b"\x00"
    if tag in _STRING_TAGS:
        return raw.decode("utf-8", errors="replace")
    return raw


def decode(data: bytes) -> Message:
    """Parse one message; what follows the end-of-attributes tag is the document."""
    if len(data) < 9:
        raise IppError(f"{len(data)} bytes is shorter than an IPP header")
    major, minor, code, request_id = struct.unpack(">BBHi", data[:8])
    msg = Message(code, request_id, version=(major, minor))
    pos, current = 8, None
    try:
        while True:
            tag = data[pos]
            pos += 1
            if tag == END:
                msg.data = data[pos:]
                return msg
            if tag < 0x10:  # a delimiter: a new group starts
                current = (tag, [])
                msg.groups.append(current)
                continue
            (name_len,) = struct.unpack_from(">H", data, pos)
            name = data[pos + 2 : pos + 2 + name_len].decode("utf-8", errors="replace")
            pos += 2 + name_len
            (value_len,) = struct.unpack_from(">H", data, pos)
            raw = data[pos + 2 : pos + 2 + value_len]
            if len(raw) != value_len:
                raise IppError("value runs past the end of the message")
            pos += 2 + value_len
            if current is None:
                raise IppError("attribute outside any group")
            value = _decode_value(tag, raw)
            attrs = current[1]
            if name_len == 0 and attrs:  # an additional value of the previous attribute
                last = attrs[-1]
                attrs[-1] = Attribute(last.name, last.tag, (*last.values, value))
            else:
                attrs.append(Attribute(name, tag, (value,)))
    except (IndexError, struct.error) as exc:
        raise IppError(f"message cut short at byte {pos}") from exc


def _encode_value(tag: int, value: Value) -> bytes:
    if tag in _INT_TAGS:
        return struct.pack(">i", int(value))
    if tag == BOOLEAN:
        return b"\x01" if value else b"\x00"
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)  # type: ignore[arg-type]


def encode(msg: Message) -> bytes:
    out = bytearray(struct.pack(">BBHi", *msg.version, msg.code, msg.request_id))
    for group_tag, attrs in msg.groups:
        out.append(group_tag)
        for attr in attrs:
            for i, value in enumerate(attr.values):
                name = attr.name.encode("utf-8") if i == 0 else b""
                raw = _encode_value(attr.tag, value)
                out += struct.pack(">BH", attr.tag, len(name)) + name
                out += struct.pack(">H", len(raw)) + raw
    out.append(END)
    return bytes(out + msg.data)


def attr(name: str, tag: int, *values: Value) -> Attribute:
    return Attribute(name, tag, values)


def operation_attributes(language: str = "en") -> list[Attribute]:
    """The two attributes every IPP message starts with."""
    return [attr("attributes-charset", CHARSET, "utf-8"),
            attr("attributes-natural-language", LANGUAGE, language)]
