"""Request signatures between a terminal and the platform (HMAC-SHA256).

Every request carries the terminal id, a timestamp, a random nonce and an HMAC over the
method, the path with its query, those three values and the SHA-256 of the body, keyed
with the terminal's secret. The platform refuses a signature that does not match (forged
or altered in transit), a timestamp outside its window and a nonce it has already seen
(a replay). A retry is therefore always signed afresh; idempotency comes from record ids
and content hashes, never from resending the same bytes.

The platform signs its answer to an authenticated request the same way, keyed with the
same secret, over the status, the request's nonce and the SHA-256 of the answer's body
(``X-Reply-Signature``): a server without the secret (a fake one, or one in the middle)
cannot make the terminal believe a record was received.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import requests

from offline_cache.durable import create_exclusive

H_TERMINAL = "X-Terminal-Id"
H_TIMESTAMP = "X-Timestamp"
H_NONCE = "X-Nonce"
H_SIGNATURE = "X-Signature"
H_REPLY_SIGNATURE = "X-Reply-Signature"
SECRET_BYTES = 32


def string_to_sign(method: str, path_qs: str, terminal: str, timestamp: str, nonce: str,
                   body: bytes) -> bytes:
    return "\n".join((method.upper(), path_qs, terminal, timestamp, nonce,
                      hashlib.sha256(body).hexdigest())).encode()


def reply_to_sign(status: int, nonce: str, body: bytes) -> bytes:
    """What the platform signs of its answer (never the same text as a request's)."""
    return "\n".join(("reply", str(status), nonce, hashlib.sha256(body).hexdigest())).encode()


def signature(secret: bytes, message: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signature_matches(secret: bytes, message: bytes, given: str) -> bool:
    return hmac.compare_digest(signature(secret, message), given)


class HmacAuth(requests.auth.AuthBase):
    """Signs each prepared request just before it is sent (requests' auth hook)."""

    def __init__(self, terminal: str, secret: bytes,
                 clock: Callable[[], float] = time.time) -> None:
        self.terminal = terminal
        self.secret = secret
        self.clock = clock

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            raise TypeError("signed requests need their body as bytes, not a stream")
        ts = str(int(self.clock()))
        nonce = secrets.token_hex(16)
        msg = string_to_sign(r.method or "GET", r.path_url, self.terminal, ts, nonce, body)
        r.headers.update({H_TERMINAL: self.terminal, H_TIMESTAMP: ts, H_NONCE: nonce,
                          H_SIGNATURE: signature(self.secret, msg)})
        return r


def load_or_create_secret(path: Path) -> bytes:
    """The terminal's shared secret, as hex text in a 0600 file; made when missing (the
    embedded platform learns it from the same file; a real platform provisions it)."""
    if not path.exists():
        create_exclusive(path, secrets.token_hex(SECRET_BYTES).encode() + b"\n", mode=0o600)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())
