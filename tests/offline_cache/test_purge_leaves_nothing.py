"""After a purge nothing of the case is left in the files, not even sealed (security issue,
item 8): not in the database's free pages, not in its WAL; abandoned drafts go too."""

from __future__ import annotations

import sqlite3

from offline_cache.outbox import DRAFT_MAX_AGE, State
from tests.offline_cache.test_outbox import FORM, Clock
from tests.platform.harness import make_outbox


def raw_bytes(folder) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("outbox.sqlite3*")))


def sealed_body(folder, uuid: str) -> bytes:
    db = sqlite3.connect(folder / "outbox.sqlite3")
    try:
        return db.execute("SELECT body FROM record WHERE uuid = ?", (uuid,)).fetchone()[0]
    finally:
        db.close()


def test_a_purged_case_leaves_no_sealed_copy_in_the_file_or_its_wal(tmp_path):
    clock = Clock()
    folder = tmp_path / "outbox"
    kiosk = make_outbox(folder, clock=clock, key=b"k" * 32)
    worker = make_outbox(folder, clock=clock, key=b"k" * 32, durable=False)  # the sync side
    uuid = kiosk.create_case("birth", FORM)
    versions = [sealed_body(folder, uuid)]
    kiosk.add_attachment(uuid, b"page", "image/jpeg", "p1")
    kiosk.edit_case(uuid, {**FORM, "phone": "13900000000"})  # one more version of the body
    kiosk.finalize(uuid)
    versions.append(sealed_body(folder, uuid))
    claim = worker.claim_next()
    worker.mark_synced(uuid, claim.revision, "ZW000001")
    # Every sealed version ever written is in the files (the WAL keeps older frames).
    assert all(v[20:52] in raw_bytes(folder) for v in versions)
    clock.now += 3 * 3600
    assert worker.purge(older_than=3600) == 1
    leftover = raw_bytes(folder)
    assert [v[20:52] in leftover for v in versions] == [False, False]
    wal = folder / "outbox.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    for piece in (FORM["name"].encode(), b"13900000000"):
        assert piece not in leftover  # never in plain text anyway
    assert kiosk.record(uuid).state is State.SYNCED and kiosk.body(uuid) is None
    kiosk.close()
    worker.close()


def test_a_draft_older_than_any_visit_is_dropped_with_its_files(tmp_path):
    clock = Clock()
    folder = tmp_path / "outbox"
    outbox = make_outbox(folder, clock=clock)
    old = outbox.create_case("birth", FORM)
    outbox.add_attachment(old, b"page", "image/jpeg", "p1")
    sealed = sealed_body(folder, old)
    clock.now += DRAFT_MAX_AGE / 2
    fresh = outbox.create_case("birth", FORM)  # a visit going on now
    clock.now += DRAFT_MAX_AGE / 2 + 1
    assert outbox.purge(older_than=3600) == 1
    assert [r.uuid for r in outbox.records()] == [fresh]
    assert not (folder / "blobs" / old).exists()
    assert sealed[20:52] not in raw_bytes(folder)
    assert [e for _, u, e, _ in outbox.audit(old)][-1] == "abandoned"
    outbox.close()
