"""The kiosk tried as hurried citizens use it: double taps, a new card mid-visit, leaving
while a number prints, a reader unplugged, the next citizen after one who changed the look.
Every tap is a real press and release on whatever widget is under the finger."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from kiosk.i18n import translator
from screens import theme as th
from screens.widgets import Tile, button
from tests.gui.conftest import all_texts, answer_elder_offer, tap, tap_at


def identify(qtbot, ctx, sample: str = "resident") -> None:
    ctx.sim.place_card(sample)
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)


def centre(window, widget):
    return widget.mapTo(window, widget.rect().center())


def wait_for_ticket(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.screen("ticket").view is not None, timeout=15000)


@pytest.mark.parametrize("gap", [0.12, 0.25])
def test_a_double_tap_on_queue_does_not_print_a_ticket_nobody_chose(qtbot, window, ctx, gap):
    identify(qtbot, ctx)
    point = centre(window, window.screen("home").tiles["queue"])
    tap_at(window, point)
    assert window.current is window.screen("category")
    second = tap_at(window, point, after=gap)  # the second half of the double tap
    assert isinstance(second, Tile) and second in window.screen("category").tiles  # a category
    assert window.current is window.screen("category")  # ...and did nothing
    qtbot.wait(300)
    assert ctx.sim.printer.pages == [] and ctx.queue.waiting("A", _today()) == 0
    tap(window, window.screen("category").tiles[0])  # a tap the citizen meant still works
    assert window.current is window.screen("ticket")


def test_a_double_tap_on_done_does_not_skip_the_rating(qtbot, window, ctx):
    identify(qtbot, ctx)
    tap(window, window.screen("home").tiles["queue"])
    tap(window, window.screen("category").tiles[0])
    wait_for_ticket(qtbot, window)
    point = centre(window, window.screen("ticket").done)
    tap_at(window, point)
    assert window.screen("ticket").question.isVisible()
    tap_at(window, point, after=0.12)
    ticket = window.screen("ticket")
    assert window.current is ticket and ticket.question.isVisible()
    assert window.screen("ticket").scores[5].isVisible()  # the rating is still asked


def test_a_tap_as_the_screen_changes_by_itself_does_nothing(qtbot, window, ctx):
    tap(window, window.screen("home").tiles["queue"])
    assert window.current is window.screen("card_prompt")
    identify(qtbot, ctx)  # the card is read: the categories come up under the finger
    qtbot.waitUntil(lambda: window.current is window.screen("category"), timeout=5000)
    tap(window, window.screen("category").tiles[0], after=0.2)
    assert window.current is window.screen("category")


def test_an_expired_card_ends_the_previous_citizens_session(qtbot, window, ctx):
    identify(qtbot, ctx)  # A
    tap(window, window.screen("home").tiles["queue"])
    assert window.current is window.screen("category")
    ctx.sim.remove_card()  # A walks off; B places an expired card
    qtbot.waitUntil(lambda: not ctx.sim.sam.card_present, timeout=2000)
    ctx.sim.place_card("expired_resident")
    qtbot.waitUntil(lambda: window.current is window.screen("card_prompt"), timeout=5000)
    assert "已过期" in window.screen("card_prompt").error.text()
    assert ctx.sessions.current.identity is None
    tap(window, window.footer.home_btn)
    assert window.current is window.screen("home")
    assert not window.screen("home").title.text().startswith("王*明")
    tap(window, window.screen("home").tiles["queue"])  # B is asked for a card, not served as A
    assert window.current is window.screen("card_prompt")
    assert "王*明" not in " ".join(all_texts(window))


def test_report_starts_fresh_for_every_visit(qtbot, window, ctx):
    tap(window, window.screen("home").report)
    tap(window, window.screen("report").reasons["materials"])
    assert not window.screen("report").reasons["other"].isVisible()
    tap(window, window.screen("report").done)
    assert window.current is window.screen("home")
    window.clock.advance(3600)  # an hour later, another citizen
    tap(window, window.screen("home").report)
    assert window.screen("report").reasons["other"].isVisible()
    assert window.screen("report").title.text() != "已收到您的反映"


def test_home_and_back_do_nothing_while_the_number_prints(qtbot, window, ctx):
    identify(qtbot, ctx)
    ctx.sim.printer.set_answering(False)  # the print hangs until its deadline
    tap(window, window.screen("home").tiles["queue"])
    tap(window, window.screen("category").tiles[0])
    assert window.screen("ticket").view is None  # 正在打印
    tap(window, window.footer.home_btn)
    tap(window, window.footer.back_btn)
    assert window.current is window.screen("ticket")
    assert not window.footer.home_btn.isEnabled()
    wait_for_ticket(qtbot, window)
    assert window.nav.step == "ticket" and window.screen("ticket").number.text() == "A001"
    assert window.footer.home_btn.isEnabled()


def test_a_new_card_does_not_hide_an_unprinted_number(qtbot, window, ctx):
    ctx.sim.printer.set_cover_open(True)
    identify(qtbot, ctx)
    tap(window, window.screen("home").tiles["queue"])
    tap(window, window.screen("category").tiles[0])
    wait_for_ticket(qtbot, window)
    assert not window.screen("ticket").view.printed
    ctx.sim.remove_card()
    qtbot.waitUntil(lambda: not ctx.sim.sam.card_present, timeout=2000)
    ctx.sim.place_card("hmt_residence")  # the next citizen, while the number is still up
    qtbot.wait(1500)
    assert window.nav.step == "ticket" and window.screen("ticket").number.text() == "A001"
    assert window.screen("ticket").number.isVisible()
    tap(window, window.screen("ticket").done)  # the first citizen has it: now the next one
    tap(window, window.screen("ticket").skip)
    qtbot.waitUntil(lambda: window.screen("home").title.text().startswith("陈*豪"), timeout=5000)


def test_an_unplugged_reader_is_said_on_the_card_screen(qtbot, window, ctx):
    ctx.sim.sam.unplug()
    qtbot.waitUntil(lambda: "未连接" in window.header.indicators["idcard"].text(), timeout=5000)
    tap(window, window.screen("home").tiles["queue"])
    assert window.current is window.screen("card_prompt")
    assert window.screen("card_prompt").error.isVisible()
    assert "身份证读卡器暂时无法使用" in window.screen("card_prompt").error.text()
    assert "社保卡" in window.screen("card_prompt").error.text()  # what to do instead
    ctx.sim.sam.plug()
    qtbot.waitUntil(lambda: not window.screen("card_prompt").error.isVisible(), timeout=8000)


@pytest.mark.parametrize("kiosk_toml", ['[devices.sscard]\nport = "none"\n'])
def test_an_unplugged_reader_without_another_sends_to_a_window(qtbot, window, ctx):
    ctx.sim.sam.unplug()
    qtbot.waitUntil(lambda: "未连接" in window.header.indicators["idcard"].text(), timeout=5000)
    tap(window, window.screen("home").tiles["queue"])
    text = window.screen("card_prompt").error.text()
    assert "人工窗口" in text and "社保卡" not in text
    assert not window.screen("card_prompt").status.isVisible()  # nothing waits for a card


def test_english_and_large_text_do_not_carry_over_to_the_next_citizen(qtbot, window, ctx):
    identify(qtbot, ctx)
    tap(window, window.footer.lang_btn)
    tap(window, window.footer.elder_btn)
    assert translator.language == "en" and window.theme.elder
    window.clock.advance(ctx.idle_policy.timeout + ctx.idle_policy.grace + 1)  # walks off
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is None, timeout=2000)
    assert translator.language == "zh_CN" and not window.theme.elder
    assert window.screen("home").tiles["queue"].title.text() == "取号排队"
    assert not window.footer.elder_btn.isChecked()


def test_a_look_changed_with_no_card_returns_to_the_defaults_too(qtbot, window, ctx):
    tap(window, window.footer.lang_btn)
    assert translator.language == "en"
    window.clock.advance(ctx.idle_policy.timeout + 1)
    qtbot.waitUntil(window.idle_overlay.isVisible, timeout=2000)
    window.clock.advance(ctx.idle_policy.grace)
    qtbot.waitUntil(lambda: translator.language == "zh_CN", timeout=2000)


def test_the_category_on_the_ticket_follows_the_language(qtbot, window, ctx):
    identify(qtbot, ctx)
    tap(window, window.screen("home").tiles["queue"])
    tap(window, window.screen("category").tiles[0])
    wait_for_ticket(qtbot, window)
    assert "社保医保" in window.screen("ticket").detail.text()
    tap(window, window.footer.lang_btn)
    assert "Social insurance" in window.screen("ticket").detail.text()
    assert "社保医保" not in window.screen("ticket").detail.text()


def test_a_button_that_cannot_be_tapped_does_not_look_like_one_that_can(qtbot, window):
    enabled, disabled = button("拍照", primary=True), button("拍照", primary=True)
    disabled.setEnabled(False)
    for b in (enabled, disabled):
        window.screen("home").layout().addWidget(b)
        b.show()
    qtbot.wait(50)

    def fill(b) -> QColor:
        return b.grab().toImage().pixelColor(b.width() // 2, 12)

    assert fill(enabled) == QColor(th.BLUE)
    assert fill(disabled) == QColor(th.DISABLED_BG)


def _today():
    from datetime import date

    return date.today()


@pytest.mark.parametrize("second", ["resident", "resident_long_term"])
def test_after_a_walk_away_the_next_card_and_a_tap_on_the_ticket_tile_work(qtbot, window, ctx,
                                                                          second):
    identify(qtbot, ctx)
    tap(window, window.screen("home").tiles["queue"])
    assert window.current is window.screen("category")
    window.clock.advance(ctx.idle_policy.timeout + ctx.idle_policy.grace + 1)  # walks off
    qtbot.waitUntil(lambda: not ctx.sessions.current.has_personal_data, timeout=5000)
    assert window.current is window.screen("home") and not window.idle_overlay.isVisible()
    identify(qtbot, ctx, second)  # the next citizen, the same card or another
    if second == "resident_long_term":  # born 1949: asked about 大字 first, over the tiles
        answer_elder_offer(qtbot, window)
    tap(window, window.screen("home").tiles["queue"])
    assert window.current is window.screen("category")
    tap(window, window.screen("category").tiles[0])
    wait_for_ticket(qtbot, window)
