"""A full disk refuses every write with ``store.full``, never a raw sqlite3 error
(security issue, item 14): a new case, a rating, a report, an offline queue number."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from offline_cache.outbox import Kind, StoreError
from offline_cache.queue_numbers import QueueNumberStore
from tests.platform.harness import make_outbox

NOW = datetime.fromisoformat("2026-05-09T10:00:00+08:00")


def pin_size(db: sqlite3.Connection) -> None:
    """SQLite may grow this file no further: what a full disk looks like to it."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


def writes(outbox):
    return {"case": lambda: outbox.create_case("birth", {"name": "王小明", "note": "x" * 9000}),
            "evaluation": lambda: outbox.add_record(Kind.EVALUATION, "queue:A", {"score": 5}),
            "report": lambda: outbox.add_record(Kind.REPORT, "report", {"reason": "x" * 9000}),
            "ticket": lambda: outbox.add_record(Kind.TICKET, "queue", {"number": "A1001"})}


@pytest.mark.parametrize("what", ["case", "evaluation", "report", "ticket"])
def test_every_outbox_write_past_the_disk_alert_is_store_full(tmp_path, what):
    outbox = make_outbox(tmp_path, max_bytes=1024)  # the database alone is larger
    with pytest.raises(StoreError) as e:
        writes(outbox)[what]()
    assert e.value.code == "store.full"
    assert outbox.records() == []
    outbox.close()


@pytest.mark.parametrize("what", ["case", "report"])
def test_sqlite_running_out_of_room_is_store_full_and_leaves_the_store_usable(tmp_path, what):
    outbox = make_outbox(tmp_path)
    kept = outbox.create_case("birth", {"name": "李四"})
    pin_size(outbox._db)
    with pytest.raises(StoreError) as e:
        writes(outbox)[what]()
    assert e.value.code == "store.full" and "outbox.sqlite3" in e.value.tech
    assert [r.uuid for r in outbox.records()] == [kept]  # nothing half-written
    outbox._db.execute("PRAGMA max_page_count = 1073741823")  # room again: writes work
    writes(outbox)[what]()
    outbox.close()


def test_an_offline_queue_number_on_a_full_disk_is_store_full(tmp_path):
    store = QueueNumberStore(tmp_path / "queue.sqlite3")
    first = store.issue_offline("A", NOW, 1, store.new_request("A", NOW))
    for _ in range(200):  # fill the pages the schema left free
        store.new_request("A", NOW)
    pin_size(store._db)
    with pytest.raises(StoreError) as e:
        for _ in range(500):
            store.issue_offline("A", NOW, 1)
    assert e.value.code == "store.full"
    assert first.number == "A1001"
    store.close()
