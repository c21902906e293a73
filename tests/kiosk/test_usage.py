"""Services used, counted on the kiosk per day (kiosk.usage): started, finished with their
time, given up; kept across a restart; only today's and yesterday's in the heartbeat."""

from __future__ import annotations

from datetime import date, timedelta

from kiosk.usage import KEEP_DAYS, UsageBook


class Today:
    def __init__(self) -> None:
        self.day = date(2026, 12, 7)

    def __call__(self) -> date:
        return self.day


def test_started_finished_and_given_up_are_counted_and_kept(tmp_path):
    today = Today()
    book = UsageBook(tmp_path / "usage.json", today)
    book.taken("queue", 10.0)
    book.finished("queue", 55.0)
    book.finished("queue", 60.0)  # said twice (visit_over, then the visit ended): once
    book.taken("apply", 100.0)
    book.taken("apply", 200.0)  # started again before finishing: the first was given up
    book.left("apply")
    book.left("scan")  # never started: nothing
    counts = book.telemetry()["usage"]["2026-12-07"]
    assert counts == {"queue": {"taken": 1, "finished": 1, "abandoned": 0, "seconds": 45},
                      "apply": {"taken": 2, "finished": 0, "abandoned": 2, "seconds": 0}}
    again = UsageBook(tmp_path / "usage.json", today)  # after a restart
    assert again.telemetry() == book.telemetry()
    book.taken("scan", 300.0)  # counted in memory; written by the next heartbeat or the stop
    assert "scan" not in (tmp_path / "usage.json").read_text()
    book.flush()
    assert UsageBook(tmp_path / "usage.json", today).telemetry() == book.telemetry()


def test_only_two_days_go_in_the_heartbeat_and_a_week_is_kept(tmp_path):
    today = Today()
    book = UsageBook(tmp_path / "usage.json", today)
    for _ in range(KEEP_DAYS + 2):
        book.taken("queue", 0.0)
        today.day += timedelta(days=1)
    book.taken("queue", 0.0)
    assert sorted(book.telemetry()["usage"]) == ["2026-12-15", "2026-12-16"]  # and written
    kept = (tmp_path / "usage.json").read_text()
    assert "2026-12-10" in kept and "2026-12-09" not in kept


def test_a_damaged_file_starts_from_zero(tmp_path):
    (tmp_path / "usage.json").write_text("{not json")
    assert UsageBook(tmp_path / "usage.json").telemetry() == {}
