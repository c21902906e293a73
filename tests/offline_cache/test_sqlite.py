"""How the stores open SQLite: the WAL does not stay as large as its largest burst."""

from __future__ import annotations

from offline_cache.sqlite import WAL_KEEP_BYTES, open_db


def test_the_wal_shrinks_back_after_a_burst_once_checkpointed(tmp_path):
    path = tmp_path / "store.sqlite3"
    db = open_db(path, durable=False)
    db.execute("CREATE TABLE t (body BLOB)")
    db.execute("INSERT INTO t VALUES (?)", (b"\x01" * (3 << 20),))  # one 3 MB scan
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size > 3 << 20
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    db.execute("INSERT INTO t VALUES (x'02')")  # the next write starts the WAL over
    assert wal.stat().st_size <= WAL_KEEP_BYTES
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 2
    db.close()
