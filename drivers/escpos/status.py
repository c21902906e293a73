"""Pure parsing of ESC/POS real-time status replies (DLE EOT n) into a truthful status.

No reply is never "paper OK" (nor "paper out"): it is "printer not answering". A byte that
does not carry the fixed bits 0xx1xx10 is not a status reply and counts as no reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from drivers.base import DeviceState, DeviceStatus
from drivers.escpos import spec

PaperState = Literal["ok", "near_end", "out", "unknown"]


class PrinterCode(StrEnum):
    """Stable error codes of the receipt printer (looked up in kiosk.i18n)."""

    GONE = "printer.gone"  # transport missing, refused or closed
    NOT_ANSWERING = "printer.not_answering"  # connected, but no valid status reply
    PAPER_OUT = "printer.paper_out"
    COVER_OPEN = "printer.cover_open"
    CUTTER_ERROR = "printer.cutter_error"
    UNRECOVERABLE = "printer.unrecoverable"  # head/voltage fault: needs a technician
    ERROR = "printer.error"  # error bit set, cause not reported (e.g. head overheated)
    OFFLINE = "printer.offline"  # offline for a reason it does not report
    STATUS_UNKNOWN = "printer.status_unknown"  # answered some status queries, not all
    WRITE_TIMEOUT = "printer.write_timeout"  # the job could not be sent in time
    PAPER_OUT_DURING_JOB = "printer.paper_out_during_job"
    JOB_UNCONFIRMED = "printer.job_unconfirmed"  # sent, but the printer fell silent


def is_status_byte(value: int) -> bool:
    return value & spec.STATUS_FIXED_MASK == spec.STATUS_FIXED_VALUE


def is_paper_sensor_byte(value: int) -> bool:
    """A GS r 1 reply: fixed bits 4 and 7 are zero (a DLE EOT reply has bit 4 set)."""
    return value & spec.PAPER_SENSOR_FIXED_MASK == spec.PAPER_SENSOR_FIXED_VALUE


def paper_from_sensor_byte(value: int) -> PaperState:
    if value & spec.PAPER_SENSOR_BITS_PAPER_END:
        return "out"
    if value & spec.PAPER_SENSOR_BITS_NEAR_END:
        return "near_end"
    return "ok"


@dataclass(frozen=True)
class PrinterStatus:
    answering: bool
    online: bool = False
    paper: PaperState = "unknown"
    cover_open: bool = False
    cutter_error: bool = False
    unrecoverable: bool = False
    auto_recoverable: bool = False
    error: bool = False
    gone: bool = False  # the transport itself is missing (unplugged, refused)
    unanswered: tuple[int, ...] = ()  # DLE EOT n queries without a valid reply
    replies: Mapping[int, int] = field(default_factory=dict, hash=False)  # n -> byte
    reason: str = ""  # technician detail when not answering or gone

    @classmethod
    def silent(cls, reason: str, *, gone: bool = False) -> PrinterStatus:
        return cls(answering=False, gone=gone, reason=reason)

    def to_device_status(self) -> DeviceStatus:
        if not self.answering:
            code = PrinterCode.GONE if self.gone else PrinterCode.NOT_ANSWERING
            return DeviceStatus(DeviceState.ABSENT, code, self.reason or "no status reply")
        details: dict[str, object] = {"paper": self.paper}
        raw = " ".join(f"n={n}:{b:02X}" for n, b in sorted(self.replies.items()))
        for failed, code in self._error_table():
            if failed:
                return DeviceStatus(DeviceState.ERROR, code, f"DLE EOT {raw}", details)
        return DeviceStatus(DeviceState.READY, "", f"DLE EOT {raw}", details)

    def _error_table(self) -> list[tuple[bool, PrinterCode]]:
        # Most specific cause first: paper end and an open cover also set the offline bit.
        return [
            (self.paper == "out", PrinterCode.PAPER_OUT),
            (self.cover_open, PrinterCode.COVER_OPEN),
            (self.cutter_error, PrinterCode.CUTTER_ERROR),
            (self.unrecoverable, PrinterCode.UNRECOVERABLE),
            (self.error, PrinterCode.ERROR),
            (bool(self.unanswered) or self.paper == "unknown", PrinterCode.STATUS_UNKNOWN),
            (not self.online, PrinterCode.OFFLINE),
        ]


def parse_status(replies: Mapping[int, int | None]) -> PrinterStatus:
    """Decode replies to DLE EOT n, keyed by n; None (or a non-status byte) = no reply."""
    valid = {n: b for n, b in replies.items() if b is not None and is_status_byte(b)}
    unanswered = tuple(sorted(n for n in replies if n not in valid))
    if not valid:
        return PrinterStatus.silent(f"no valid reply to DLE EOT {list(replies)}: {replies}")
    printer = valid.get(spec.STATUS_PRINTER)
    offline = valid.get(spec.STATUS_OFFLINE_CAUSE, 0)
    errors = valid.get(spec.STATUS_ERROR_CAUSE, 0)
    return PrinterStatus(
        answering=True,
        online=printer is not None and not printer & spec.STATUS_BIT_OFFLINE,
        paper=_paper(valid),
        cover_open=bool(offline & spec.STATUS_BIT_COVER_OPEN),
        error=bool(offline & spec.STATUS_BIT_ERROR),
        cutter_error=bool(errors & spec.STATUS_BIT_CUTTER),
        unrecoverable=bool(errors & spec.STATUS_BIT_UNRECOVERABLE),
        auto_recoverable=bool(errors & spec.STATUS_BIT_AUTO_RECOVERABLE),
        unanswered=unanswered,
        replies=valid,
    )


def _paper(valid: Mapping[int, int]) -> PaperState:
    sensor = valid.get(spec.STATUS_PAPER)
    stopped = valid.get(spec.STATUS_OFFLINE_CAUSE, 0) & spec.STATUS_BIT_PAPER_STOP
    if stopped or (sensor is not None and sensor & spec.STATUS_BITS_PAPER_END):
        return "out"
    if sensor is None:
        return "unknown"
    return "near_end" if sensor & spec.STATUS_BITS_NEAR_END else "ok"
