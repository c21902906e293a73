"""Masking of personal data for logs, reprs and technician screens."""

from __future__ import annotations

_KEEP_ID_CHARS = 4


def mask_id_number(s: str) -> str:
    """Keep the first and last 4 characters: ``4301**********123X``.

    Strings too short to keep both ends hidden are masked completely.
    """
    if len(s) <= 2 * _KEEP_ID_CHARS:
        return "*" * len(s)
    hidden = len(s) - 2 * _KEEP_ID_CHARS
    return s[:_KEEP_ID_CHARS] + "*" * hidden + s[-_KEEP_ID_CHARS:]


def _is_cjk(ch: str) -> bool:
    # CJK radicals, ideographs and compatibility forms all sit at or above U+2E80.
    return ord(ch) >= 0x2E80


def mask_name(s: str) -> str:
    """``张*三`` for 3+ characters, ``张*`` for 2, ``J***`` for Latin names."""
    name = s.strip()
    if not name:
        return ""
    if not any(_is_cjk(ch) for ch in name):
        return name[0] + "***"
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
