"""Masking of personal data for screens and logs.

Logs never carry a full ID number, a mobile number, a name or an address: ``mask_text``
rewrites ID numbers however they are written (18 characters or 15 digits, with spaces or
dashes between the parts, glued to a label such as ``ID``), old 15-character permanent
residence numbers (``FRA318704220015``) and mobile numbers, but not the digits inside a
digest or a UUID (a blob's sha256 stays whole for the technician); names and addresses cannot be
found by pattern, so the filter also masks those of the citizens currently being served
(registered by the session while it holds them). ``MaskingFormatter`` applies the same to
the finished line, traceback included, so nothing that reaches a log file escapes it.
"""

from __future__ import annotations

import logging
import re
import threading

# One masking rule for the whole product; the ID-card driver owns it because its reprs
# must never show personal data either.
from drivers.idcard.privacy import mask_id_number, mask_name

__all__ = ["MaskingFilter", "MaskingFormatter", "install_log_masking", "mask_id_number",
           "mask_name", "mask_text"]

# An ID number: 6 + 8 + 4 (or the old 6 + 6 + 3), maybe with a space or dash between the
# parts, not inside a longer run of digits (a label such as "ID" may touch it).
_ID_RE = re.compile(r"(?<!\d)(?:(\d{6})[ -]?(\d{8})[ -]?(\d{3}[0-9Xx])"
                    r"|(\d{6})[ -]?(\d{6})[ -]?(\d{3}))(?![\dXx])")
_PR_RE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(\d{12})(?!\d)")  # 外国人永久居留证 (old)
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
# A digest (sha256 of a blob, 32 hex characters and more) or a UUID: its runs of digits
# are not personal data, and a technician needs it whole to find the file or record (a
# sha256 has a run masked as an ID or mobile number about once in 90).
_DIGEST_RE = re.compile(r"(?<![0-9A-Za-z])(?=[0-9-]*[a-fA-F])(?:[0-9a-fA-F]{32,}"
                        r"|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})"
                        r"(?![0-9A-Za-z])")


def _mask_id(m: re.Match[str]) -> str:
    return mask_id_number("".join(g for g in m.groups() if g))


def mask_text(text: str) -> str:
    out, last = [], 0
    for m in _DIGEST_RE.finditer(text):
        out += [_mask_numbers(text[last:m.start()]), m.group()]
        last = m.end()
    return "".join(out) + _mask_numbers(text[last:])


def _mask_numbers(text: str) -> str:
    text = _ID_RE.sub(_mask_id, text)
    text = _PR_RE.sub(lambda m: m.group(1) + "*" * 9 + m.group(2)[-3:], text)
    return _MOBILE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class MaskingFilter(logging.Filter):
    """Masks ID numbers anywhere in a record and the names of people being served."""

    def __init__(self) -> None:
        super().__init__()
        self._names: set[str] = set()
        self._lock = threading.Lock()

    def protect(self, *values: str) -> None:
        with self._lock:
            self._names.update(v for v in values if v and len(v) >= 2)

    def forget(self, *values: str) -> None:
        with self._lock:
            self._names.difference_update(values)

    def mask(self, text: str) -> str:
        text = mask_text(text)
        with self._lock:
            for value in self._names:
                text = text.replace(value, mask_name(value) if len(value) <= 8
                                    else value[:6] + "*" * 6)  # a name; an address
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.mask(record.getMessage()), None
        return True


masking_filter = MaskingFilter()


class MaskingFormatter(logging.Formatter):
    """Masks the whole formatted line, after the traceback and any ``extra`` are in it."""

    def format(self, record: logging.LogRecord) -> str:
        return masking_filter.mask(super().format(record))


def install_log_masking(logger: logging.Logger | None = None) -> None:
    """Attach the masking filter to every handler of ``logger`` (root by default)."""
    logger = logger or logging.getLogger()
    for h in logger.handlers:
        if masking_filter not in h.filters:
            h.addFilter(masking_filter)
