"""What every device driver shares: a status a technician can read and typed errors.

Drivers never hold citizen-facing text. An error carries a stable ``code`` (looked up in
``kiosk.i18n`` for the citizen's message, in their language) and a precise technician
message that names the device, the command and the bytes or state involved. Technician
messages must never contain personal data (names, ID numbers, photos).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DeviceState(StrEnum):
    READY = "ready"
    BUSY = "busy"
    ABSENT = "absent"  # not connected / not found / unplugged
    ERROR = "error"  # connected but not usable (paper out, SAM failed, ...)


@dataclass(frozen=True)
class DeviceStatus:
    state: DeviceState
    code: str = ""  # error code when state is ABSENT/ERROR, e.g. "printer.paper_out"
    reason: str = ""  # technician text, no personal data
    details: dict[str, object] = field(default_factory=dict)  # e.g. {"paper": "near_end"}


class DeviceError(Exception):
    """A device failure with a stable code and a technician message.

    ``code`` is dotted: "<device>.<what>", e.g. "idcard.no_reader", "printer.paper_out".
    """

    def __init__(self, code: str, tech: str) -> None:
        super().__init__(f"[{code}] {tech}")
        self.code = code
        self.tech = tech


class DeviceTimeout(DeviceError):
    """The device did not answer within the exchange's deadline."""


class DeviceGone(DeviceError):
    """The transport is gone (unplugged, port closed, connection refused)."""
