"""The outbox: durable states, atomic moves, encryption at rest, retention, disk alerts."""

from __future__ import annotations

import os
import threading
import time

import pytest

from offline_cache.outbox import Kind, State, StoreError
from sim.id_samples import SAMPLE_CARDS
from tests.platform.harness import make_outbox

PERSON = SAMPLE_CARDS["resident"]
FORM = {"name": PERSON.name, "id_number": PERSON.id_number, "phone": "13800000000"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox(tmp_path, clock):
    ob = make_outbox(tmp_path / "outbox", clock=clock)
    yield ob
    ob.close()


def finalized_case(outbox, *attachments: bytes) -> str:
    uuid = outbox.create_case("birth", FORM)
    for i, data in enumerate(attachments):
        outbox.add_attachment(uuid, data, "image/jpeg", f"page{i}")
    outbox.finalize(uuid)
    return uuid


def test_a_case_goes_draft_finalized_uploading_synced_with_an_audit_trail(outbox):
    uuid = outbox.create_case("birth", FORM)
    assert outbox.record(uuid).state is State.DRAFT
    assert outbox.claim_next() is None  # drafts are never sent
    outbox.add_attachment(uuid, b"scan", "image/jpeg", "id_front")
    outbox.finalize(uuid)
    claim = outbox.claim_next()
    assert claim.uuid == uuid and claim.revision == 1 and claim.attempts == 1
    assert claim.body == {"form": FORM} and [a.role for a in claim.attachments] == ["id_front"]
    assert outbox.record(uuid).state is State.UPLOADING
    assert outbox.claim_next() is None  # one record is never handed out twice
    assert outbox.mark_synced(uuid, 1, "ZW0001")
    rec = outbox.record(uuid)
    assert rec.state is State.SYNCED and rec.receipt == "ZW0001"
    events = [e for _, _, e, _ in outbox.audit(uuid)]
    assert events == ["created", "attachment_added", "finalized", "uploading", "synced"]
    assert all(PERSON.name not in d and PERSON.id_number not in d for *_, d in outbox.audit())


def test_a_case_edited_while_uploading_goes_back_to_finalized_as_a_new_revision(outbox):
    uuid = finalized_case(outbox)
    claim = outbox.claim_next()
    outbox.edit_case(uuid, {**FORM, "phone": "13900000000"})
    rec = outbox.record(uuid)
    assert rec.state is State.FINALIZED and rec.revision == 2
    # The upload of revision 1 completes afterwards: it must not count.
    assert not outbox.mark_synced(uuid, claim.revision, "ZW0001")
    assert outbox.record(uuid).state is State.FINALIZED
    again = outbox.claim_next()
    assert again.revision == 2 and again.body["form"]["phone"] == "13900000000"


def test_a_record_still_being_delivered_is_not_handed_out_again(outbox):
    first, second = finalized_case(outbox), finalized_case(outbox)
    claim = outbox.claim_next()
    assert claim.uuid == first
    outbox.edit_case(first, {**FORM, "phone": "13900000000"})  # revision 2 while 1 is sent
    # The engine says revision 1 is still on the wire: the next record goes first.
    assert outbox.claim_next(busy=[first]).uuid == second
    assert outbox.claim_next(busy=[first, second]) is None
    assert not outbox.mark_synced(first, claim.revision, "ZW0001")
    assert outbox.claim_next(busy=[second]).revision == 2


def test_a_failed_record_waits_out_its_backoff_unless_the_link_comes_back(outbox, clock):
    uuid = finalized_case(outbox)
    claim = outbox.claim_next()
    outbox.mark_failed(uuid, claim.revision, "outcome unknown: reset", clock.now + 30)
    rec = outbox.record(uuid)
    assert rec.state is State.FAILED and rec.last_error.startswith("outcome unknown")
    assert outbox.claim_next() is None and outbox.next_due_at() == clock.now + 30
    clock.now += 31
    assert outbox.claim_next().attempts == 2
    outbox.mark_failed(uuid, 1, "again", clock.now + 300)
    assert outbox.retry_failed_now() == 1
    assert outbox.claim_next().attempts == 3


def test_a_rejected_case_keeps_the_reason_and_staff_can_correct_it(outbox):
    uuid = finalized_case(outbox)
    outbox.claim_next()
    outbox.mark_rejected(uuid, 1, "conflict: a different body under this id")
    rec = outbox.record(uuid)
    assert rec.state is State.REJECTED and "different body" in rec.last_error
    assert outbox.claim_next() is None
    outbox.edit_case(uuid, FORM)
    assert outbox.record(uuid).state is State.FINALIZED
    assert outbox.record(uuid).revision == 2


def test_a_synced_case_cannot_be_changed_locally(outbox):
    uuid = finalized_case(outbox)
    outbox.claim_next()
    outbox.mark_synced(uuid, 1, "ZW1")
    with pytest.raises(StoreError) as e:
        outbox.edit_case(uuid, FORM)
    assert e.value.code == "store.locked"
    with pytest.raises(StoreError):
        outbox.add_attachment(uuid, b"late", "image/jpeg", "extra")


def test_after_a_crash_uploading_records_go_back_in_line(tmp_path, clock):
    key = os.urandom(32)
    first = make_outbox(tmp_path / "ob", key=key, clock=clock)
    uuid = finalized_case(first)
    first.claim_next()
    first.close()  # the worker died mid-upload
    second = make_outbox(tmp_path / "ob", key=key, clock=clock)
    assert second.recover_interrupted() == 1
    assert second.record(uuid).state is State.FINALIZED
    assert second.claim_next().attempts == 2
    second.close()


def test_evaluations_reports_and_offline_tickets_are_ready_to_send_at_once(outbox):
    ids = [outbox.add_record(Kind.EVALUATION, "birth", {"score": 5}),
           outbox.add_record(Kind.REPORT, "birth", {"description": "缺少材料清单"}),
           outbox.add_record(Kind.TICKET, "A", {"number": "A007", "prefix": "A",
                                                "issued_at": "2026-05-09T09:00:00+08:00"})]
    claimed = [outbox.claim_next().uuid for _ in ids]
    assert sorted(claimed) == sorted(ids)
    with pytest.raises(ValueError):
        outbox.add_record(Kind.CASE, "birth", {})


def test_personal_data_and_files_are_encrypted_at_rest(tmp_path, outbox):
    scan = b"%PDF-1.4 scan of " + PERSON.id_number.encode() + os.urandom(2000)
    finalized_case(outbox, scan)
    stored = b"".join(p.read_bytes() for p in (tmp_path / "outbox").rglob("*") if p.is_file())
    for secret in (PERSON.name.encode(), PERSON.id_number.encode(), b"13800000000", scan[:40]):
        assert secret not in stored


def test_a_record_sealed_with_another_key_is_reported_not_shown(tmp_path, clock):
    ob = make_outbox(tmp_path / "ob", clock=clock)
    finalized_case(ob, b"page")
    ob.close()
    stranger = make_outbox(tmp_path / "ob", clock=clock)  # a different key
    problems = stranger.verify()
    assert len(problems) == 2 and all("does not open" in p or "unreadable" in p
                                      for p in problems)
    stranger.close()


def test_confirmed_cases_lose_their_personal_data_after_retention_but_keep_a_receipt(
        tmp_path, outbox, clock):
    kept = finalized_case(outbox, b"a")
    synced = finalized_case(outbox, b"page one", b"page two")
    outbox.claim_next()
    outbox.mark_failed(kept, 1, "down", clock.now + 10_000)
    outbox.claim_next()
    outbox.mark_synced(synced, 1, "ZW000042")
    clock.now += 3600
    assert outbox.purge(older_than=7200) == 0  # not old enough yet
    clock.now += 3601
    assert outbox.purge(older_than=7200) == 1
    rec = outbox.record(synced)
    assert rec.purged and rec.receipt == "ZW000042" and rec.state is State.SYNCED
    assert outbox.body(synced) is None
    assert not (tmp_path / "outbox" / "blobs" / synced).exists()
    assert [a.size for a in outbox.attachments(synced)] == [8, 8]  # the receipt's file list
    assert outbox.body(kept) == {"form": FORM}  # unsent data is never purged
    assert outbox.verify() == []


def test_the_store_warns_before_it_is_full_and_then_refuses_attachments(tmp_path, clock):
    ob = make_outbox(tmp_path / "ob", clock=clock, max_bytes=400_000, min_free_bytes=0)
    uuid = ob.create_case("birth", FORM)
    base = ob.usage_bytes()
    assert ob.status().disk.level == "ok"
    ob.add_attachment(uuid, os.urandom(int(400_000 * 0.8) - base), "image/jpeg", "p1")
    assert ob.status().disk.level == "warn"
    with pytest.raises(StoreError) as e:
        ob.add_attachment(uuid, os.urandom(100_000), "image/jpeg", "p2")
    assert e.value.code == "store.full"
    assert len(ob.attachments(uuid)) == 1
    ob.close()


def test_status_counts_and_the_oldest_unsent_case(outbox, clock):
    first = finalized_case(outbox)
    clock.now += 100
    finalized_case(outbox)
    outbox.create_case("birth", FORM)
    st = outbox.status()
    assert (st.draft, st.pending, st.unsent) == (1, 2, 2)
    assert st.oldest_unsent_age(clock.now + 50) == 150
    outbox.claim_next()
    outbox.mark_rejected(first, 1, "bad")
    st = outbox.status()
    assert (st.pending, st.rejected, st.oldest_unsent_age(clock.now)) == (1, 1, 0)


def test_an_orphan_blob_left_by_a_crash_is_swept(tmp_path, outbox):
    uuid = finalized_case(outbox, b"kept")
    orphan = tmp_path / "outbox" / "blobs" / uuid / ("0" * 64)
    orphan.write_bytes(b"written, then the power went")
    hour_ago = time.time() - 3700
    os.utime(orphan, (hour_ago, hour_ago))
    assert outbox.verify() == []
    assert not orphan.exists()
    assert len(list((tmp_path / "outbox" / "blobs" / uuid).iterdir())) == 1


def test_two_workers_never_claim_the_same_record(tmp_path):
    key = os.urandom(32)
    writer = make_outbox(tmp_path / "ob", key=key)
    made = {finalized_case(writer) for _ in range(40)}
    claimed: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        ob = make_outbox(tmp_path / "ob", key=key)
        while (c := ob.claim_next()) is not None:
            with lock:
                claimed.append(c.uuid)
        ob.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(claimed) == sorted(made)
    writer.close()
