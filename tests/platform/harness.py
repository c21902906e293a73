"""A reference platform on a real socket, a signed session and a client, for tests.

The ``platform`` fixture runs on SQLite, and also on PostgreSQL where the test module is in
``POSTGRES_MODULES`` (tests/platform/conftest.py parametrises ``platform_db``): a
throwaway cluster for the session (``central.pgcluster``), a fresh schema for each test.
Without PostgreSQL's binaries those cases skip, except under CI=true, where they fail.
"""

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


# Modules whose tests (all but those marked ``sqlite_only``) also run on PostgreSQL: those
# that exercise the platform's SQL, not the GUI or browser tests around it.
POSTGRES_MODULES = {
    "test_server", "test_enrolment", "test_presence", "test_queue_hall", "test_signed_replies",
    "test_case_supplement", "test_platform_extra", "test_security", "test_platform_at_rest",
    "test_payment_platform", "test_console", "test_sync",
}


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """A throwaway PostgreSQL server for the session (no fsync: nothing in it outlives
    the tests)."""
    from central.pgcluster import PgCluster

    try:
        cluster = PgCluster(durable=False)
    except (FileNotFoundError, RuntimeError) as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs PostgreSQL for the platform tests: {e}")
        pytest.skip(f"no PostgreSQL server to test on: {e}")
    yield cluster
    cluster.stop()


@pytest.fixture
def platform_db(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (SQLite, the default) or the URL of an empty PostgreSQL schema."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield None
        return
    cluster = request.getfixturevalue("pg_cluster")
    schema = cluster.new_schema()
    yield cluster.url(schema)
    cluster.drop_schema(schema)


def start_platform(folder: Path, **kwargs: object) -> PlatformServer:
    server = PlatformServer(folder / "platform.sqlite3", **kwargs).start()  # type: ignore[arg-type]
    server.store.register_terminal(TERMINAL, SECRET)
    return server


def cli_db(server: PlatformServer) -> list[str]:
    """The ``--db`` (and ``--data``) that name this platform's database to the CLI."""
    if server.store.url:
        return ["--db", server.store.url, "--data", str(server.store.root)]
    return ["--db", str(server.store.root / "platform.sqlite3")]


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
def platform(tmp_path, platform_db) -> Iterator[PlatformServer]:
    """The reference platform on a free loopback port, this test's terminal registered."""
    server = start_platform(tmp_path / "platform", url=platform_db)
    yield server
    server.stop()
