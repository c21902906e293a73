"""补正 with what is needed, 补交 bound to its case, and a case looked up by its number only
together with its applicant's ID number — on the real reference platform, through the real
outbox and sync engine."""

from __future__ import annotations

import os
import random
from datetime import datetime

import pytest

from central.cases import CaseBook
from kiosk.cli import main
from kiosk.supplement import ProgressMemory, save_supplement
from offline_cache.crypto import Sealer
from offline_cache.outbox import Kind, State
from offline_cache.presence import Presence
from offline_cache.sync import SyncEngine, SyncSettings
from tests.platform.harness import make_client, make_outbox

ID = "110105194912310025"
OTHER = "440305199001011234"
CASE = "T-0001-20261204-AB12CD"
FORM = {"case_number": CASE, "entry_name": "新生儿出生一件事", "applicant": {"id_number": ID},
        "submitted_at": "2026-12-04T10:00:00+08:00", "promised_by": "2026-12-11"}
HERE = Presence.unread(ID)  # the applicant at the kiosk (their card read)
FAST = SyncSettings(interval=3600, heartbeat_interval=3600, backoff_base=0.01,
                    backoff_cap=0.05)


@pytest.fixture
def kiosk(tmp_path, platform):
    key = os.urandom(32)
    outbox = make_outbox(tmp_path / "outbox", key=key)
    client = make_client(platform.url)
    engine = SyncEngine(make_outbox(tmp_path / "outbox", key=key, durable=False), client,
                        tmp_path / "outbox" / "sync.lock", settings=FAST,
                        rng=random.Random(1))
    assert engine.try_lock()
    uuid = outbox.create_case("apply:birth", FORM)
    outbox.finalize(uuid)
    engine.run_once()
    yield outbox, engine, client
    engine.stop()
    client.close()
    outbox.close()


def advance(platform, *args: str) -> int:
    return main(["platform", "case", "advance", CASE, *args,
                 "--db", str(platform.store.root / "platform.sqlite3")])


def test_correction_names_materials_and_a_date_and_a_supplement_ends_it(kiosk, platform):
    outbox, engine, client = kiosk
    assert advance(platform, "correction", "--note", "请补交", "--material", "户口簿",
                   "--material", "结婚证", "--due", "2026-12-20") == 0
    (case,) = client.cases_of(ID, presence=HERE)
    assert case["state"] == "correction"
    assert case["needs"] == {"materials": ["户口簿", "结婚证"], "due": "2026-12-20"}
    assert advance(platform, "reviewing", "--material", "户口簿") == 1  # only with 补正
    assert advance(platform, "correction", "--due", "2026-13-01") == 1  # not a date

    pages = [bytearray(_jpeg(i)) for i in range(2)]
    uuid, sha = save_supplement(outbox, CASE, ID, "户口簿、结婚证", pages,
                                datetime.now().astimezone())
    assert outbox.record(uuid).kind is Kind.SUPPLEMENT
    engine.run_once()
    assert outbox.record(uuid).state is State.SYNCED
    (stored,) = platform.store.records("supplement")
    assert stored["body"]["case_number"] == CASE and stored["body"]["pages"] == 2
    assert stored["body"]["attachments"][0]["sha256"] == sha
    assert platform.store.read_blob(sha) == outbox.read_blob(uuid, sha)
    (case,) = client.cases_of(ID, presence=HERE)
    assert case["state"] == "reviewing" and case["needs"] is None
    assert case["steps"][-1]["note"] == "已补交 户口簿、结婚证"
    assert advance(platform, "done") == 0
    assert client.cases_of(ID, presence=HERE)[0]["state"] == "done"


def test_a_supplement_for_someone_elses_case_is_refused(kiosk, platform):
    outbox, engine, _ = kiosk
    advance(platform, "correction", "--material", "户口簿")
    uuid, _ = save_supplement(outbox, CASE, OTHER, "户口簿", [bytearray(_jpeg(0))],
                              datetime.now().astimezone())
    engine.run_once()
    rec = outbox.record(uuid)
    assert rec.state is State.REJECTED and "unknown_case" in rec.last_error
    assert platform.store.records("supplement") == []
    assert CaseBook.beside(platform.store.root).steps(CASE)[-1]["state"] == "correction"


def test_a_case_number_alone_reveals_nothing(kiosk):
    _, _, client = kiosk
    assert [c["case_number"] for c in client.cases_of(ID, CASE, presence=HERE)] == [CASE]
    assert client.cases_of(OTHER, CASE, presence=Presence.unread(OTHER)) == []
    assert client.cases_of(ID, "T-0001-20261204-ZZZZZZ", presence=HERE) == []


def test_the_last_lookup_is_kept_sealed_for_the_id_number_that_asked(tmp_path):
    now = [1_000_000.0]
    memory = ProgressMemory(tmp_path / "progress", Sealer(os.urandom(32)), os.urandom(32),
                            clock=lambda: now[0])
    memory.save(ID, [FORM])
    (path,) = (tmp_path / "progress").iterdir()
    raw = path.read_bytes()
    assert ID.encode() not in raw and "新生儿".encode() not in raw and ID not in path.name
    now[0] += 3 * 3600
    assert memory.load(ID) == (1_000_000.0, [FORM])
    assert memory.load(OTHER) is None
    path.rename(path.with_name(memory._path(OTHER).name))  # another person's name on it
    assert memory.load(OTHER) is None  # sealed to the ID number: it does not open
    memory.save(ID, [FORM])
    now[0] += 31 * 86400
    assert memory.load(ID) is None  # too old: gone


def _jpeg(seed: int) -> bytes:
    import cv2
    import numpy as np

    img = np.random.default_rng(seed).integers(0, 255, (300, 200, 3), np.uint8)
    return cv2.imencode(".jpg", img)[1].tobytes()
