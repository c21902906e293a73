"""The platform on PostgreSQL: what SQLite's single file gave for free (one writer at a time,
sealed bodies in a file of ours) holds for several processes over one database. Every test
here runs on PostgreSQL only; the rest of the platform's tests run on both
(``POSTGRES_MODULES``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from central.store import PlatformStore
from tests.platform.harness import SECRET, TERMINAL, signed_session
from tests.platform.test_platform_at_rest import PERSON, put_case, upload

pytestmark = pytest.mark.parametrize("platform_db", ["postgresql"], indirect=True)


def test_the_database_holds_bodies_and_secrets_only_sealed(platform, platform_db):
    s = signed_session()
    att = upload(platform, s, b"%PDF-1.7 " + os.urandom(64))
    rid = put_case(platform, s, [att])
    with psycopg.connect(platform_db) as conn:
        tables = {t for (t,) in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema()")}
        assert {"record", "terminal", "nonce", "heartbeat", "receipt_seq"} <= tables
        [(body,)] = conn.execute("SELECT body FROM record").fetchall()
        [(secret,)] = conn.execute("SELECT secret FROM terminal").fetchall()
    for plain in (PERSON.name.encode(), PERSON.id_number.encode()):
        assert plain not in body
    assert SECRET not in secret and SECRET.hex().encode() not in secret
    assert not (platform.store.root / "platform.sqlite3").exists()  # nothing beside it
    [rec] = platform.store.records("case")
    assert rec["id"] == rid and rec["body"]["form"]["applicant"]["name"] == PERSON.name


def test_two_workers_over_one_database_keep_numbers_and_records_apart(tmp_path, platform_db):
    """Two stores (two server processes' worth of connections) taking hall numbers and
    putting the same record at once: every number once, one record, one receipt."""
    a = PlatformStore(tmp_path / "p.sqlite3", url=platform_db)  # one folder: one key
    b = PlatformStore(tmp_path / "p.sqlite3", url=platform_db)
    try:
        a.register_terminal(TERMINAL, SECRET)
        assert b.secret(TERMINAL) == SECRET

        def take(i: int) -> str:
            return (a, b)[i % 2].take_number("A", str(uuid.uuid4()), TERMINAL)[1]["number"]

        def put(i: int) -> tuple[str, str]:
            doc = {"revision": 1, "service": "birth", "form": {}}
            return (a, b)[i % 2].put_record("case", "c-1", TERMINAL, doc, "same-sha")

        with ThreadPoolExecutor(8) as pool:
            numbers = list(pool.map(take, range(40)))
            puts = list(pool.map(put, range(10)))
        assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 41)]
        assert sorted(status for status, _ in puts) == ["accepted"] + ["duplicate"] * 9
        assert len({receipt for _, receipt in puts}) == 1
        assert a.remember_nonce(TERMINAL, "n-1", 300)
        assert not b.remember_nonce(TERMINAL, "n-1", 300)  # a replay to the other worker
    finally:
        a.close()
        b.close()


def test_platform_serve_takes_a_postgresql_url(tmp_path, platform_db):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{tmp_path.as_posix()}"\n[terminal]\nid = "{TERMINAL}"\n',
                   encoding="utf-8")
    (tmp_path / "platform.secret").write_text(SECRET.hex())
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--config", str(cfg),
                             "platform", "serve", "--port", "0", "--db", platform_db,
                             "--data", str(tmp_path / "p")],
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        assert f"{TERMINAL} registered" in line and "postgresql://" in line, line
        url = line.split()[3]
        reply = signed_session().get(f"{url}/v1/catalog", timeout=10)
        assert reply.status_code == 200
        assert (tmp_path / "p" / "platform.key").exists()
        assert not (tmp_path / "p" / "platform.sqlite3").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def test_remote_commands_from_the_cli_reach_a_terminal_on_postgresql(tmp_path, platform,
                                                                     platform_db):
    from kiosk.cli import main

    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{tmp_path.as_posix()}"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "platform", "command", "send", TERMINAL, "unlock",
                 "--db", platform_db, "--data", str(platform.store.root)]) == 0
    [command] = platform.store.heartbeat(TERMINAL, {"terminal_id": TERMINAL})
    assert command["name"] == "unlock"
