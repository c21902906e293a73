import itertools
import multiprocessing as mp
import threading
from datetime import datetime

import pytest

from offline_cache.queue_numbers import QueueNumberStore


def test_offline_numbers_run_per_category_and_day_in_the_kiosks_slot_and_survive_a_restart(
        tmp_path):
    db = tmp_path / "q.sqlite3"
    now = datetime(2026, 11, 23, 9, 0)
    s = QueueNumberStore(db)
    assert [s.issue_offline("A", now, 3).number for _ in range(3)] == ["A3001", "A3002", "A3003"]
    assert s.issue_offline("B", now, 3).number == "B3001"
    s.close()
    s = QueueNumberStore(db)  # a restart (or a crash) never re-issues a number
    assert s.issue_offline("A", now, 3).number == "A3004"
    assert s.issue_offline("A", datetime(2026, 11, 24, 9, 0), 3).number == "A3001"


def test_numbers_from_the_queue_service_are_kept_and_update_the_waiting_count(tmp_path):
    s = QueueNumberStore(tmp_path / "q.sqlite3")
    now = datetime(2026, 11, 23, 9, 0)
    # The service issued A007 with 2 people ahead: A001-A004 have been called.
    online = s.record_online("A", "A007", 2, now)
    assert (online.number, online.waiting, online.offline) == ("A007", 2, False)
    assert s.waiting("A", now.date()) == 3
    offline = s.issue_offline("A", now, 1)  # then the link goes: everyone known is ahead
    assert (offline.number, offline.waiting, offline.offline) == ("A1001", 3, True)
    assert s.call_next("A", now.date()) == "A005"
    s.note_called("A", now.date(), "A007")  # the service called up to A007
    assert s.waiting("A", now.date()) == 1  # only the offline ticket is left
    with pytest.raises(ValueError):
        s.record_online("A", "B008", 0, now)


def _take(path: str, n: int, out: "mp.Queue[list[str]]") -> None:
    s = QueueNumberStore(__import__("pathlib").Path(path))
    out.put([s.issue_offline("A", datetime(2026, 11, 23, 9, 0), 1).number for _ in range(n)])


def test_two_processes_never_hand_out_the_same_number(tmp_path):
    path = str(tmp_path / "q.sqlite3")
    QueueNumberStore(tmp_path / "q.sqlite3").close()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_take, args=(path, 40, out)) for _ in range(2)]
    for p in procs:
        p.start()
    numbers = out.get(timeout=60) + out.get(timeout=60)
    for p in procs:
        p.join(30)
    assert len(numbers) == 80 and len(set(numbers)) == 80


def test_threads_sharing_one_store_take_numbers_at_once_without_error_or_duplicate(tmp_path):
    """The kiosk takes numbers off the GUI thread while the caller and the screen's waiting
    count use the same store: every citizen gets a number, never the same one."""
    s = QueueNumberStore(tmp_path / "q.sqlite3")
    now = datetime(2026, 11, 23, 9, 0)
    threads, per_thread = 8, 100
    hall = itertools.count(1)  # the queue service's series (A001, A002 …)
    hall_lock = threading.Lock()
    barrier = threading.Barrier(threads)
    taken: list[str] = []
    errors: list[BaseException] = []

    def kiosk(i: int) -> None:
        barrier.wait()
        try:
            for j in range(per_thread):
                if (i + j) % 2:
                    issued = s.issue_offline("A", now, 1)
                else:
                    with hall_lock:
                        n = next(hall)
                    issued = s.record_online("A", f"A{n:03d}", n - 1, now)
                s.mark_printed(issued.job_id)
                s.waiting("A", now.date())
                taken.append(issued.number)
        except BaseException as e:  # noqa: BLE001 - the failure under test
            errors.append(e)

    workers = [threading.Thread(target=kiosk, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert errors == []
    assert len(taken) == threads * per_thread and len(set(taken)) == len(taken)
    offline = sorted(n for n in taken if len(n) == 5)
    assert offline == [f"A1{k:03d}" for k in range(1, len(offline) + 1)]  # no gap, no repeat
    assert s.waiting("A", now.date()) == threads * per_thread  # nobody was called yet
    s.close()
