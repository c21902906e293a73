"""Two kiosks of one hall take queue numbers from the hall's queue service (the reference
platform) and, when one loses the link, from its own offline slot: no two citizens ever
hold the same number, and the numbers issued offline reach the platform later."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.faultproxy import Fault, FaultProxy, no_faults
from kiosk.config import parse_config
from kiosk.context import KioskContext
from offline_cache.queue_numbers import QueueNumberStore


def hall_kiosk(folder: Path, name: str, url: str, slot: int, platform) -> KioskContext:
    """A kiosk's queue, outbox and platform link (no devices: the numbers are the point)."""
    secret = os.urandom(32)
    platform.store.register_terminal(name, secret)
    folder.mkdir()
    secret_file = folder / "platform.secret"
    secret_file.write_text(secret.hex())
    secret_file.chmod(0o600)
    config = parse_config(
        f'[terminal]\nid = "{name}"\n[data]\ndir = "{folder.as_posix()}"\n'
        f'[platform]\nurl = "{url}"\nsecret_file = "{secret_file.as_posix()}"\n'
        f"[queue]\noffline_slot = {slot}\n")
    ctx = KioskContext(config=config)
    ctx.queue = QueueNumberStore(folder / "queue.sqlite3")
    ctx._connect_platform()
    return ctx


@pytest.fixture
def hall(tmp_path, platform) -> Iterator[tuple[KioskContext, KioskContext, FaultProxy]]:
    link = FaultProxy(platform.host, platform.port).start()  # kiosk 2's network cable
    one = hall_kiosk(tmp_path / "k1", "HALL-01", platform.url, 1, platform)
    two = hall_kiosk(tmp_path / "k2", "HALL-02", link.url, 2, platform)
    yield one, two, link
    for k in (one, two):
        k.stop()
    link.stop()


def test_kiosks_of_a_hall_share_one_series_and_fall_back_to_their_own_slots(hall, platform):
    one, two, link = hall
    taken = [k.issue_number("A") for k in (one, two, one)]
    assert [(t.number, t.waiting, t.offline) for t in taken] == [
        ("A001", 0, False), ("A002", 1, False), ("A003", 2, False)]

    link.set_up(False)  # kiosk 2 loses the link; kiosk 1 and the platform go on
    taken += [two.issue_number("A"), one.issue_number("A"), two.issue_number("A")]
    assert [t.number for t in taken[3:]] == ["A2001", "A004", "A2002"]
    assert taken[3].offline and not taken[4].offline
    numbers = [t.number for t in taken]
    assert len(set(numbers)) == len(numbers)

    link.set_up(True)  # the offline numbers reach the platform with the next sync round
    two.sync.try_lock()
    two.sync.run_once()
    reported = sorted(r["body"]["number"] for r in platform.store.records("ticket"))
    assert reported == ["A2001", "A2002"]
    assert one.issue_number("A").number == "A005"  # its own series did not jump to 2002


def test_calling_a_number_lowers_the_count_every_kiosk_prints(hall):
    one, two, _ = hall
    for _ in range(3):
        one.issue_number("B")
    assert one.call_next("B") == "B001"
    assert two.call_next("B") == "B002"
    fourth = two.issue_number("B")
    assert (fourth.number, fourth.waiting) == ("B004", 1)  # only B003 is ahead
    assert one.call_next("C") is None  # nobody waits for C


def test_a_hall_number_whose_answer_was_lost_is_cancelled_when_the_offline_ticket_arrives(
        hall, platform):
    one, two, link = hall
    link.plan = lambda _n: (Fault.CUT_DOWN, 0)  # the platform acts, its answers are lost
    ghost = two.issue_number("A")
    assert (ghost.number, ghost.offline) == ("A2001", True)  # the citizen's number
    assert link.injected[Fault.CUT_DOWN] >= 1
    link.plan = no_faults
    ahead = one.issue_number("A")
    assert (ahead.number, ahead.waiting) == ("A002", 1)  # A001 was issued, to nobody

    two.sync.try_lock()  # the offline ticket reaches the platform with the next round
    two.sync.run_once()
    assert [r["body"]["number"] for r in platform.store.records("ticket")] == ["A2001"]
    later = one.issue_number("A")
    assert (later.number, later.waiting) == ("A003", 1)  # only A002 is ahead: A001 is gone
    assert [one.call_next("A") for _ in range(3)] == ["A002", "A003", None]  # A001 skipped


def test_a_lost_answer_asked_again_with_the_same_key_gets_the_same_number(hall):
    one, two, link = hall
    link.plan = lambda n: (Fault.CUT_DOWN, 0) if n == 1 else (Fault.NONE, 0)
    issued = two.issue_number("A")
    assert link.injected[Fault.CUT_DOWN] == 1  # the first answer was lost
    assert (issued.number, issued.offline) == ("A001", False)
    assert two.outbox.records() == []  # no offline number to report
    assert one.issue_number("A").number == "A002"  # the platform issued one number, not two
