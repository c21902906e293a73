"""Masking of personal data for screens and logs.

Logs never carry a full ID number or a name: ``MaskingFilter`` rewrites any 18-character
ID number (or 15-digit old one) that slips into a log record, and code that logs a person
uses ``mask_id_number`` / ``mask_name`` itself. Names cannot be found by pattern, so the
filter also masks the names of the citizens currently being served (registered by the
session while it holds them).
"""

from __future__ import annotations

import logging
import re
import threading

# One masking rule for the whole product; the ID-card driver owns it because its reprs
# must never show personal data either.
from drivers.idcard.privacy import mask_id_number, mask_name

__all__ = ["MaskingFilter", "install_log_masking", "mask_id_number", "mask_name", "mask_text"]

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{5})(\d{3}[0-9Xx]?)(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    return _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)


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

    def filter(self, record: logging.LogRecord) -> bool:
        msg = mask_text(record.getMessage())
        with self._lock:
            for name in self._names:
                msg = msg.replace(name, mask_name(name))
        record.msg, record.args = msg, None
        return True


masking_filter = MaskingFilter()


def install_log_masking(logger: logging.Logger | None = None) -> None:
    """Attach the masking filter to every handler of ``logger`` (root by default)."""
    logger = logger or logging.getLogger()
    for h in logger.handlers:
        if masking_filter not in h.filters:
            h.addFilter(masking_filter)
