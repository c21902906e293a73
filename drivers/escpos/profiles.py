"""Receipt printer profiles (``profiles.toml``) combined with the paper roll's width.

A profile is what the model can do (encoding, cut, QR); the width is what roll is fitted.
Both are validated here once, so the builder and the virtual printer trust them.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from drivers.escpos import spec

DEFAULT_PROFILE = "standard"
ENCODINGS = ("gb18030", "gbk", "utf-8")
CUTS = ("full", "partial")
QR_MODES = ("native", "raster")
_PATH = Path(__file__).with_name("profiles.toml")

PaperWidth = Literal[58, 80]


@dataclass(frozen=True)
class ReceiptProfile:
    name: str
    description: str
    encoding: str
    cut: str
    qr: str
    paper_mm: PaperWidth = 80

    @property
    def width_dots(self) -> int:
        return spec.PAPER_WIDTH_DOTS_BY_MM[self.paper_mm]

    @property
    def chars_per_line(self) -> int:
        return self.width_dots // spec.FONT_A_HALF_WIDTH

    @property
    def partial_cut(self) -> bool:
        return self.cut == "partial"

    @property
    def native_qr(self) -> bool:
        return self.qr == "native"


@functools.cache
def profiles() -> dict[str, ReceiptProfile]:
    table = tomllib.loads(_PATH.read_text(encoding="utf-8"))
    out = {}
    for name, entry in table.items():
        profile = ReceiptProfile(name=name, **entry)
        for value, allowed in ((profile.encoding, ENCODINGS), (profile.cut, CUTS),
                               (profile.qr, QR_MODES)):
            if value not in allowed:
                raise ValueError(f"{_PATH.name} [{name}]: {value!r} is not one of {allowed}")
        out[name] = profile
    return out


def get_profile(name: str = DEFAULT_PROFILE, paper_mm: int = 80) -> ReceiptProfile:
    """The named profile on a ``paper_mm`` roll; ValueError names what is allowed."""
    table = profiles()
    if name not in table:
        raise ValueError(f"unknown printer profile {name!r}; known: {', '.join(table)}")
    if paper_mm not in spec.PAPER_WIDTH_DOTS_BY_MM:
        raise ValueError(f"paper width must be 58 or 80 mm, not {paper_mm}")
    return ReceiptProfile(**{**table[name].__dict__, "paper_mm": paper_mm})
