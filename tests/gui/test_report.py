"""办不成事: anyone, with or without a card, says with one tap what went wrong; the report
reaches the platform and says nothing about who made it."""

from __future__ import annotations

from sim.id_samples import SAMPLE_CARDS
from tests.gui.conftest import tap


def test_a_report_needs_no_card_and_reaches_the_platform(qtbot, window, ctx):
    ctx.sim.place_card("resident")  # someone identified: the report still carries no identity
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap(window, window.screen("home").report)
    assert window.current is window.screen("report")
    reasons = window.screen("report").reasons
    assert [b.text() for b in reasons.values()] == [
        "找不到要办的事项", "材料或证明开不出来", "让我多次跑、反复交材料", "机器或系统出了问题",
        "其他原因"]
    tap(window, reasons["materials"])
    assert window.screen("report").title.text() == "已收到您的反映，谢谢！"
    assert not any(b.isVisible() for b in reasons.values())  # one report per visit
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: len(store.records("report")) == 1, timeout=10000)
    (report,) = store.records("report")
    assert report["body"]["description"] == "材料或证明开不出来"
    assert report["body"]["reason"] == "materials"
    person = SAMPLE_CARDS["resident"]
    assert person.id_number not in str(report) and person.name not in str(report)
    tap(window, window.screen("report").done)
    assert window.current is window.screen("home")


def test_the_report_is_filed_in_chinese_whatever_the_screen_language(qtbot, window, ctx):
    from kiosk.i18n import translator

    translator.set_language("en")
    window.nav.start("report")
    assert window.screen("report").reasons["device"].text() == "The machine or system failed"
    tap(window, window.screen("report").reasons["device"])
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: len(store.records("report")) == 1, timeout=10000)
    assert store.records("report")[0]["body"]["description"] == "机器或系统出了问题"
