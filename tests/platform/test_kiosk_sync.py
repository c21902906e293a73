"""The kiosk with its embedded platform: sync off the GUI thread, the header's sync
indicator, the simulator's network cut, and queue tickets issued offline."""

from __future__ import annotations

from offline_cache.outbox import DiskAlert, Kind, OutboxStatus, State
from offline_cache.sync import SyncStatus

NOW = 1_800_000_000.0


def texts(window) -> tuple[str, str]:
    ind = window.header.indicators
    return ind["network"].text(), ind["sync"].text()


def test_a_finalized_case_reaches_the_embedded_platform_by_itself(qtbot, window, ctx):
    store = ctx.link.server.store
    uuid = ctx.outbox.create_case("birth", {"applicant": "王小明"})
    ctx.outbox.add_attachment(uuid, b"scan" * 1000, "image/jpeg", "birth_certificate")
    ctx.outbox.finalize(uuid)  # no timer, no button: finalizing triggers the round
    qtbot.waitUntil(lambda: ctx.outbox.record(uuid).state is State.SYNCED, timeout=10000)
    assert [r["id"] for r in store.records("case")] == [uuid]
    qtbot.waitUntil(lambda: texts(window)[1] == "● 同步", timeout=5000)
    assert store.last_heartbeat(ctx.config.terminal.id)["devices"]["printer"]["state"]


def test_cutting_the_simulated_network_really_cuts_the_platform_link(qtbot, window, ctx):
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: ctx.sync.status.link == "ok", timeout=10000)
    ctx.network.set_up(False)  # what the simulator panel's 断开网络 does
    uuid = ctx.outbox.create_case("birth", {"applicant": "王小明"})
    ctx.outbox.finalize(uuid)
    ctx.sync.trigger("network")  # a round now, to show it really cannot get through
    qtbot.waitUntil(lambda: ctx.outbox.record(uuid).state is State.FAILED, timeout=10000)
    qtbot.waitUntil(lambda: texts(window)[1].startswith("▲ 同步 1件"), timeout=5000)
    assert texts(window)[0] == "✕ 网络 断开"
    assert store.records("case") == []
    ctx.network.set_up(True)  # 恢复网络: the worker goes at once, whatever its backoff
    qtbot.waitUntil(lambda: ctx.outbox.record(uuid).state is State.SYNCED, timeout=10000)
    qtbot.waitUntil(lambda: texts(window) == ("● 网络", "● 同步"), timeout=5000)


def test_a_queue_number_issued_offline_is_reported_when_the_link_returns(qtbot, ctx):
    store = ctx.link.server.store
    ctx.network.set_up(False)
    issued = ctx.issue_number("C")  # from this kiosk's offline slot (1)
    assert issued.offline and issued.number == "C1001"
    (ticket,) = ctx.outbox.records()
    assert ticket.kind is Kind.TICKET
    ctx.network.set_up(True)
    qtbot.waitUntil(lambda: len(store.records("ticket")) == 1, timeout=10000)
    assert store.records("ticket")[0]["body"]["number"] == "C1001"
    # Back online, numbers come from the hall's series again, which C1001 cannot meet.
    assert store.take_number("C", "0f0e0d0c-0b0a-4909-8807-060504030201",
                             "HALL-09")[1]["number"] == "C001"
    online = ctx.issue_number("C")
    assert (online.number, online.offline) == ("C002", False)
    assert len(ctx.outbox.records()) == 1


def test_the_header_says_what_waits_how_long_and_what_needs_staff(window):
    def show(pending=0, failed=0, rejected=0, age=None, disk="ok"):
        box = OutboxStatus(0, pending, 0, failed, rejected, 9,
                           None if age is None else NOW - age, DiskAlert(disk, 1, 2, 3))
        window.header.set_sync(SyncStatus(box, "ok"), NOW)
        return window.header.indicators["sync"].text()

    assert not window.header.indicators["sync"].isVisible()  # not for citizens
    window.header.set_staff_view(True)
    assert window.header.indicators["sync"].isVisible()
    assert show() == "● 同步"
    assert show(pending=2, failed=1, age=90) == "▲ 同步 3件 1分"
    assert show(pending=1, age=5 * 3600) == "▲ 同步 1件 5h"
    assert show(pending=1, age=3 * 86400) == "▲ 同步 1件 3天"
    assert show(pending=1, rejected=2, age=60) == "✕ 同步 2件需人工"
    assert show(disk="warn") == "▲ 同步 存储将满"
    assert show(pending=1, age=60, disk="full") == "✕ 同步 存储已满"
