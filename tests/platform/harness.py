"""A reference platform on a real socket, a signed session and a client, for tests."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from central.server import PlatformServer
from offline_cache.client import PlatformClient
from offline_cache.crypto import Sealer
from offline_cache.outbox import CaseOutbox
from offline_cache.signing import HmacAuth
from offline_cache.wire import canonical_json

TERMINAL = "T-0001"
SECRET = bytes.fromhex("5ec2e7" * 10 + "00aa")


def start_platform(folder: Path, **kwargs: object) -> PlatformServer:
    server = PlatformServer(folder / "platform.sqlite3", **kwargs).start()  # type: ignore[arg-type]
    server.store.register_terminal(TERMINAL, SECRET)
    return server


def signed_session(secret: bytes = SECRET) -> requests.Session:
    s = requests.Session()
    s.auth = HmacAuth(TERMINAL, secret)
    s.trust_env = False
    return s


def presence_token(s: requests.Session, url: str, id_number: str) -> str:
    """A presence token of ``id_number`` at the session's terminal, as after a card read
    (a new one ends the terminal's earlier tokens)."""
    answer = s.post(f"{url}/v1/presence", data=canonical_json({
        "id_number": id_number, "card_digest": hashlib.sha256(id_number.encode()).hexdigest(),
        "source": "idcard"}))
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def make_client(url: str, deadline: float = 5.0, **kwargs: object) -> PlatformClient:
    return PlatformClient(url, TERMINAL, SECRET, deadline=deadline, **kwargs)  # type: ignore[arg-type]


def make_outbox(folder: Path, cipher: str = "sm4-gcm", key: bytes | None = None,
                **kwargs: object) -> CaseOutbox:
    sealer = Sealer(key or os.urandom(32), cipher)
    return CaseOutbox(folder, sealer, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def platform(tmp_path) -> Iterator[PlatformServer]:
    """The reference platform on a free loopback port, this test's terminal registered."""
    server = start_platform(tmp_path / "platform")
    yield server
    server.stop()
