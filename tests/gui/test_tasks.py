"""The one background-task API: results on the GUI thread, stale ones dropped in one place."""

from __future__ import annotations

import threading

from kiosk.tasks import TaskRunner


class Where:
    session = "s1"
    step = 1


def runner(where: Where) -> TaskRunner:
    return TaskRunner(lambda: where.session, lambda: where.step)


def test_a_result_comes_back_on_the_gui_thread(qtbot):
    tasks, got = runner(Where()), []
    tasks.run(lambda a, b: (a + b, threading.current_thread().name), 2, 3,
              on_done=lambda f: got.append((f.result(), threading.current_thread())))
    qtbot.waitUntil(lambda: bool(got), timeout=2000)
    (value, worker), thread = got[0]
    assert value == 5 and worker.startswith("task") and thread is threading.main_thread()
    tasks.shutdown()


def test_a_result_for_a_left_step_or_an_ended_session_is_dropped(qtbot):
    where = Where()
    tasks, got = runner(where), []
    gate = threading.Event()
    tasks.run(gate.wait, on_done=lambda f: got.append("left step"))
    tasks.run(gate.wait, on_done=lambda f: got.append("kept"), keep_on_leave=True)
    where.step = 2  # the citizen moved on before the work was done
    gate.set()
    qtbot.waitUntil(lambda: bool(got), timeout=2000)
    qtbot.wait(100)
    assert got == ["kept"]

    gate.clear()
    tasks.run(gate.wait, on_done=lambda f: got.append("old session"), keep_on_leave=True)
    where.session = "s2"  # and then somebody else came
    gate.set()
    tasks.run(lambda: None, on_done=lambda f: got.append("new session"))
    qtbot.waitUntil(lambda: "new session" in got, timeout=2000)
    assert "old session" not in got
    tasks.shutdown()
