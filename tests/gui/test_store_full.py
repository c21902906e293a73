"""取号 on a full disk: the citizen reads a plain message, not 系统出现问题 (security issue,
item 14)."""

from __future__ import annotations

from datetime import datetime

from offline_cache.outbox import StoreError
from tests.gui.conftest import tap
from tests.gui.test_ticket_slice import place_card_and_wait_greeting, take_ticket


def test_a_queue_number_on_a_full_disk_says_the_store_is_full(qtbot, window, ctx):
    db = ctx.queue._db
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    try:
        for _ in range(300):  # fill the last free pages
            ctx.queue.new_request("A", datetime.now())
    except StoreError:
        pass
    place_card_and_wait_greeting(qtbot, window, ctx)
    view = take_ticket(qtbot, window, "A")
    assert (view.number, view.printed, view.error_code) == ("—", False, "store.full")
    assert "存储空间已满" in window.screen("ticket").error.text()
    assert ctx.sim.printer.pages == []


def test_a_report_on_a_full_disk_is_not_thanked_for(qtbot, window, ctx):
    ctx.outbox.max_bytes = 1024  # the outbox is past its limit
    tap(window, window.screen("home").report)
    tap(window, window.screen("report").reasons["device"])
    screen = window.screen("report")
    qtbot.waitUntil(lambda: screen.error_code == "store.full", timeout=5000)
    assert screen.title.text() == "没能记下您的反映"
    assert "存储空间已满" in screen.text.text()
