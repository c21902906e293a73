"""A4 certificate templates (``certificates/*.toml``) and filling them with data.

A template is data: a title, how many days a printout is valid, who issues it, what it is
for, and blocks (paragraphs, label/value fields, tables fed from lists, notes, and last
perhaps a QR code printed beside the seal)
whose text holds ``{field}`` or ``{field:format}`` placeholders. Filling one yields a
``FilledCertificate``: the exact text to print plus its canonical content, whose SM3
digest is printed on every page and whose verification code is in the QR, so a printout
can be checked against the platform's record and a changed one is found out.
"""

from __future__ import annotations

import base64
import json
import string
import tomllib
from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes

from drivers.idcard.privacy import mask_id_number, mask_name
from printer_templates.data import TemplateDataError

TEMPLATE_DIR = Path(__file__).with_name("certificates")
BLOCK_KINDS = ("paragraph", "fields", "table", "qr", "note")


@dataclass(frozen=True)
class Column:
    title: str
    value: str  # placeholder text, filled per row
    width: float = 1.0  # relative to the other columns
    align: str = "left"


@dataclass(frozen=True)
class Block:
    kind: str
    text: str = ""  # paragraph / note text, or the QR's content
    heading: str = ""
    caption: str = ""  # under a QR
    rows: tuple[tuple[str, ...], ...] = ()  # fields: label, value, label, value ...
    source: str = ""  # table: the data key holding a list of row objects
    columns: tuple[Column, ...] = ()


@dataclass(frozen=True)
class CertificateTemplate:
    name: str
    title: str
    validity_days: int
    issuer: str
    purpose: str
    verify_url: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class FilledBlock:
    kind: str
    heading: str = ""
    text: str = ""
    caption: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    widths: tuple[float, ...] = ()
    aligns: tuple[str, ...] = ()


@dataclass(frozen=True)
class FilledCertificate:
    template: str
    title: str
    issuer: str
    purpose: str
    terminal_id: str
    printed_at: datetime
    expires_on: date
    validity_days: int
    blocks: tuple[FilledBlock, ...]
    digest: str  # SM3 of the canonical content, 64 hex digits
    code: str  # verification code: XXXX-XXXX-XXXX-XXXX, from the digest
    verify_url: str
    canonical: bytes = field(repr=False, default=b"")

    def all_text(self) -> str:
        """Every character the page will show (for the font coverage check)."""
        parts = [self.title, self.issuer, self.purpose, self.terminal_id, self.code]
        for b in self.blocks:
            parts += [b.heading, b.text, b.caption, *b.header, *(c for r in b.rows for c in r)]
        return "".join(parts)


def load_template(name: str) -> CertificateTemplate:
    """Template ``name`` from ``certificates/NAME.toml``; ValueError names what is wrong."""
    path = TEMPLATE_DIR / f"{name}.toml"
    if not name.replace("_", "").isalnum() or not path.is_file():
        raise TemplateDataError(f"unknown certificate template {name!r}; known: "
                                f"{', '.join(template_names())}")
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        blocks = tuple(_block(b) for b in raw.pop("blocks"))
        if any(b.kind == "qr" for b in blocks[:-1]):
            raise TypeError("a qr block can only be the last block (it sits beside the seal)")
        return CertificateTemplate(name=name, blocks=blocks, **raw)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path.name}: malformed template: {exc}") from exc


def template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.toml"))


def _block(raw: dict[str, Any]) -> Block:
    if raw.get("kind") not in BLOCK_KINDS:
        raise TypeError(f"block kind must be one of {BLOCK_KINDS}, not {raw.get('kind')!r}")
    columns = tuple(Column(**c) for c in raw.pop("columns", ()))
    rows = tuple(tuple(r) for r in raw.pop("rows", ()))
    return Block(columns=columns, rows=rows, **raw)


class _Formatter(string.Formatter):
    """``{field}`` plus the formats certificates need, and errors that name the field."""

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        try:
            value = kwargs[str(key)]
        except KeyError:
            raise TemplateDataError(f"{key}: missing") from None
        if isinstance(value, (list, dict)):
            raise TemplateDataError(f"{key}: a list or object cannot be printed as text")
        return value

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            if format_spec == "date":
                d = date.fromisoformat(str(value)[:10])
                return f"{d.year}年{d.month}月{d.day}日"
            if format_spec == "datetime":
                t = datetime.fromisoformat(str(value))
                return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"
            if format_spec == "month":
                y, m = str(value)[:7].split("-")
                return f"{int(y)}年{int(m)}月"
            if format_spec == "money":
                return f"{float(value):,.2f}"
        except ValueError:
            raise TemplateDataError(f"{value!r} is not a valid {format_spec}") from None
        if format_spec == "masked_name":
            return mask_name(str(value))
        if format_spec == "masked_id":
            return mask_id_number(str(value))
        return str(value) if not format_spec else super().format_field(value, format_spec)


_FORMATTER = _Formatter()


def _fill(text: str, values: Mapping[str, Any]) -> str:
    return _FORMATTER.vformat(text, (), values)


def fill_certificate(
    template: CertificateTemplate,
    data: Mapping[str, Any],
    *,
    terminal_id: str,
    printed_at: datetime,
) -> FilledCertificate:
    """Fill ``template``; TemplateDataError names the first missing or malformed field."""
    blocks = tuple(_fill_block(b, data) for b in template.blocks)
    issuer, purpose = _fill(template.issuer, data), _fill(template.purpose, data)
    printed_at = printed_at.replace(microsecond=0)
    expires_on = printed_at.date() + timedelta(days=template.validity_days)
    canonical = canonical_content(template.name, data, terminal_id, printed_at, expires_on)
    digest = sm3_hex(canonical)
    code = verification_code(digest)
    return FilledCertificate(
        template=template.name, title=template.title, issuer=issuer, purpose=purpose,
        terminal_id=terminal_id, printed_at=printed_at, expires_on=expires_on,
        validity_days=template.validity_days, blocks=blocks, digest=digest, code=code,
        verify_url=template.verify_url.format(code=code), canonical=canonical,
    )


def _fill_block(block: Block, data: Mapping[str, Any]) -> FilledBlock:
    heading = _fill(block.heading, data)
    if block.kind == "fields":
        rows = tuple(tuple(_fill(c, data) for c in row) for row in block.rows)
        return FilledBlock("fields", heading, rows=rows)
    if block.kind == "table":
        items = data.get(block.source)
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise TemplateDataError(f"{block.source}: expected a list of objects")
        rows = tuple(
            tuple(_fill(c.value, ChainMap({"n": i}, item, data)) for c in block.columns)
            for i, item in enumerate(items, 1)
        )
        return FilledBlock(
            "table", heading, header=tuple(c.title for c in block.columns), rows=rows,
            widths=tuple(c.width for c in block.columns),
            aligns=tuple(c.align for c in block.columns),
        )
    return FilledBlock(block.kind, heading, text=_fill(block.text, data),
                       caption=_fill(block.caption, data))


def canonical_content(
    template: str, data: Mapping[str, Any], terminal_id: str, printed_at: datetime,
    expires_on: date,
) -> bytes:
    """The bytes the digest covers: the data as given plus when, where and until when.

    Sorted keys, no spaces, UTF-8 unescaped: the platform rebuilds the same bytes from its
    record, so the same certificate always has the same digest.
    """
    content = {
        "template": template,
        "data": data,
        "terminal": terminal_id,
        "printed_at": printed_at.isoformat(timespec="seconds"),
        "expires_on": expires_on.isoformat(),
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


def sm3_hex(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex().upper()


def verification_code(digest_hex: str) -> str:
    """16 base-32 characters (80 bits of the digest) in groups of four, easy to type."""
    chars = base64.b32encode(bytes.fromhex(digest_hex)[:10]).decode("ascii")
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))
