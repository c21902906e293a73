import multiprocessing as mp
from datetime import date, datetime

from offline_cache.queue_numbers import QueueNumberStore


def test_numbers_run_per_category_and_day_and_survive_a_restart(tmp_path):
    db = tmp_path / "q.sqlite3"
    now = datetime(2026, 11, 23, 9, 0)
    s = QueueNumberStore(db)
    assert [s.issue("A", now).number for _ in range(3)] == ["A001", "A002", "A003"]
    assert s.issue("B", now).number == "B001"
    s.close()
    s = QueueNumberStore(db)  # a restart (or a crash) never re-issues a number
    assert s.issue("A", now).number == "A004"
    assert s.issue("A", datetime(2026, 11, 24, 9, 0)).number == "A001"


def test_waiting_counts_people_ahead_until_they_are_called(tmp_path):
    s = QueueNumberStore(tmp_path / "q.sqlite3")
    now = datetime(2026, 11, 23, 9, 0)
    assert s.issue("A", now).waiting == 0
    assert s.issue("A", now).waiting == 1
    assert s.call_next("A", now.date()) == "A001"
    third = s.issue("A", now)
    assert third.number == "A003" and third.waiting == 1
    assert s.waiting("A", date(2026, 11, 23)) == 2


def _take(path: str, n: int, out: "mp.Queue[list[str]]") -> None:
    s = QueueNumberStore(__import__("pathlib").Path(path))
    out.put([s.issue("A", datetime(2026, 11, 23, 9, 0)).number for _ in range(n)])


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
