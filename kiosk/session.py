"""One citizen's visit: everything they bring lives here and nowhere else.

The session holds the identity read from a card, what they typed and what they scanned.
``wipe()`` clears it all (zeroing the mutable buffers it owns) and tells listeners, so the
screens can reset. ``IdlePolicy`` decides, from the time of the last touch, whether to keep
going, to ask "还需要更多时间吗?", or to end the session.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from kiosk.privacy import mask_name, masking_filter

if TYPE_CHECKING:
    from kiosk.identity import Identity

log = logging.getLogger(__name__)


@dataclass
class Session:
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.monotonic)
    identity: Identity | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    scans: list[bytearray] = field(default_factory=list)
    # Idle time as a multiple of the configured one: 1.5 in elder mode, doubled for the rest
    # of the visit once the citizen needed 还需要更多时间吗? (kiosk.care).
    time_scale: float = 1.0

    @property
    def has_personal_data(self) -> bool:
        return self.identity is not None or bool(self.inputs) or bool(self.scans)

    @property
    def greeting_name(self) -> str:
        return mask_name(self.identity.name) if self.identity else ""


class SessionManager:
    """Owns the current session; the only place a session is created or wiped."""

    def __init__(self) -> None:
        self.current = Session()
        self._on_wipe: list[Callable[[str], None]] = []
        self._on_identity: list[Callable[[Session], None]] = []

    def on_wipe(self, cb: Callable[[str], None]) -> None:
        self._on_wipe.append(cb)

    def on_identity(self, cb: Callable[[Session], None]) -> None:
        self._on_identity.append(cb)

    def identify(self, identity: Identity) -> Session:
        """A card was read: a new citizen starts a fresh session (the old one is wiped)."""
        if self.current.has_personal_data:
            self.wipe("new_card")
        self.current.identity = identity
        masking_filter.protect(identity.name, identity.name_en, identity.address)
        log.info("session %s identified (%s)", self.current.id[:8], identity.document)
        for cb in list(self._on_identity):
            cb(self.current)
        return self.current

    def wipe(self, reason: str) -> None:
        s = self.current
        if s.identity is not None:
            s.identity.presence.end()  # nothing more is looked up for them
            masking_filter.forget(s.identity.name, s.identity.name_en, s.identity.address)
        for buf in s.scans:
            buf[:] = b"\x00" * len(buf)
        s.scans.clear()
        s.inputs.clear()
        s.identity = None
        log.info("session %s ended: %s", s.id[:8], reason)
        self.current = Session()
        for cb in list(self._on_wipe):
            cb(reason)


class IdleState(Enum):
    ACTIVE = "active"
    ASKING = "asking"  # show 还需要更多时间吗? with a countdown
    EXPIRED = "expired"  # wipe now


@dataclass(frozen=True)
class IdlePolicy:
    timeout: float  # seconds without a touch before asking
    grace: float  # seconds the question waits

    def state(self, idle_for: float) -> IdleState:
        if idle_for < self.timeout:
            return IdleState.ACTIVE
        if idle_for < self.timeout + self.grace:
            return IdleState.ASKING
        return IdleState.EXPIRED

    def scaled(self, factor: float) -> IdlePolicy:
        return IdlePolicy(self.timeout * factor, self.grace * factor)

    def remaining(self, idle_for: float) -> int:
        """Whole seconds left before the session is wiped (for the header countdown)."""
        return max(0, int(self.timeout + self.grace - idle_for + 0.999))
