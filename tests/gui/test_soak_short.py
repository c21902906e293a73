"""Running for months, in short: visits after visits leave the kiosk process as they found it
(no thread, descriptor, widget or Python object more). bench/bench_soak.py runs thousands;
this runs a dozen, fast enough for every test run."""

from __future__ import annotations

import gc
import os
import re
import threading
from collections import Counter

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

# A pool's workers (``sync-upload_0``, ``task_0``) come up as work overlaps, up to the pool's
# size: bounded, so counted apart from the threads that must never multiply.
_POOL_WORKER = re.compile(r"_\d+$")


def _threads() -> Counter[str]:
    return Counter(t.name for t in threading.enumerate() if not _POOL_WORKER.search(t.name))


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _ticket(qtbot, window, ctx, card: str, score: int) -> None:
    ctx.sim.place_card(card)
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    window.nav.start("queue")
    assert window.current is window.screen("category")
    window.nav.flows["queue"].choose("A")
    screen = window.screen("ticket")
    qtbot.waitUntil(lambda: screen.view is not None, timeout=10000)
    screen.done.click()
    screen.scores[score].click()
    screen.skip.click()  # 完成 once rated
    assert window.nav.step == "home"


def _report(qtbot, window) -> None:
    window.nav.start("report")
    window.screen("report").reasons["device"].click()
    window.screen("report").done.click()
    assert window.nav.step == "home"


def _walk_away(qtbot, window, ctx) -> None:
    ctx.sim.place_card("hmt_residence")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    policy = ctx.idle_policy
    window.clock.advance(policy.timeout + policy.grace + 2)
    qtbot.waitUntil(lambda: not ctx.sessions.current.has_personal_data, timeout=5000)


def _visits(qtbot, window, ctx, n: int) -> None:
    for i in range(n):
        _ticket(qtbot, window, ctx, ("resident", "resident_long_term")[i % 2], 5 - i % 5)
        _report(qtbot, window)
        _walk_away(qtbot, window, ctx)
        if i % 2:  # the network cut and back, as the hall's switch does now and then
            ctx.network.set_up(False)
            ctx.network.set_up(True)


def _qt_objects(window) -> Counter[str]:
    return Counter(type(o).__name__ for o in window.findChildren(QObject)) + Counter(
        type(w).__name__ for w in QApplication.allWidgets())


def _python_objects() -> int:
    gc.collect()
    return len(gc.get_objects())


def test_a_dozen_visits_leave_no_thread_descriptor_or_object_behind(qtbot, window, ctx):
    _visits(qtbot, window, ctx, 3)  # warm-up: imports, caches, the pools' first workers
    qtbot.wait(300)
    threads, fds, qt = _threads(), _fds(), _qt_objects(window)
    objects = _python_objects()
    _visits(qtbot, window, ctx, 4)  # 12 visits: 4 tickets, 4 reports, 4 walk-aways
    # What a visit started (a print, a sync, a connection) has a moment to finish.
    try:
        qtbot.waitUntil(lambda: not _threads() - threads and _fds() <= fds, timeout=10000)
    except Exception:
        raise AssertionError(f"threads now {_threads() - threads}, gone {threads - _threads()}"
                             f"; fds {fds} → {_fds()}") from None
    assert _qt_objects(window) == qt
    # A few hundred objects come and go with the sync and the embedded platform's requests;
    # a leak of one per visit would be thousands here after a month, and dozens already.
    assert _python_objects() - objects < 300
