"""Proof for the platform that a person is at this kiosk now (``POST /v1/presence``).

Made when a card is read: the ID number and a digest of what the card reader read. The
first look-up of the person (certificate data, 进度查询, 电子证照, a bill or payments by ID
number) presents it to the platform, which answers with a token for this person at this
terminal, good for a few minutes; look-ups carry the token, and a new one is asked for
when it has run out. When the citizen's session ends the presence is ended here: it asks
for no token again, so a look-up still running for them cannot reach the platform as them.
The token lives in memory only, with the session.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable

RENEW_MARGIN = 30.0  # seconds before its end a token is no longer used (clock and transit)


class PresenceEnded(Exception):
    """The person's session ended: nothing more is looked up for them."""


class Presence:
    """One card read of one person. Thread-safe: the session's look-ups share it."""

    def __init__(self, id_number: str, card_digest: str, source: str) -> None:
        self.id_number = id_number
        self.card_digest = card_digest  # SHA-256 hex of what the reader read
        self.source = source  # "idcard" or "sscard"
        self._lock = threading.Lock()
        self._token = ""
        self._until = 0.0
        self._ended = False

    @classmethod
    def of_read(cls, id_number: str, card_data: bytes, source: str) -> Presence:
        return cls(id_number, hashlib.sha256(card_data).hexdigest(), source)

    @classmethod
    def unread(cls, id_number: str, source: str = "idcard") -> Presence:
        """A presence without card data to digest (a person made in a test)."""
        return cls.of_read(id_number, secrets.token_bytes(32), source)

    def token(self, register: Callable[[Presence], tuple[str, float]]) -> str:
        """The live token, asked for with ``register`` (the client's call to the platform:
        token and seconds it is good for) when there is none or it has run out."""
        with self._lock:
            if self._ended:
                raise PresenceEnded("the person's session ended")
            if not self._token or time.monotonic() >= self._until:
                token, ttl = register(self)
                self._token, self._until = token, time.monotonic() + ttl - RENEW_MARGIN
            return self._token

    def drop(self, token: str) -> None:
        """The platform refused ``token`` (ended, expired): the next look-up asks anew."""
        with self._lock:
            if self._token == token:
                self._token, self._until = "", 0.0

    def end(self) -> None:
        """The session is over: no token is kept, none asked for again."""
        with self._lock:
            self._ended = True
            self._token, self._until = "", 0.0

    def __repr__(self) -> str:
        return f"Presence(source={self.source!r}, ended={self._ended})"
