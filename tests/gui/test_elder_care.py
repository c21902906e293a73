"""适老化 beyond sizes: time that adapts to the citizen, a clock that stands still while they
act, 大字模式 offered to a card holder of 70 or more, and the high-contrast look."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest

from kiosk.care import HOLD_LIMIT
from tests.gui.conftest import tap


def idle_for(window, seconds: float) -> None:
    window.clock.advance(seconds)
    window._tick()
    window.care.tick()


def test_elder_mode_starts_with_half_again_the_time(qtbot, window, ctx):
    base = ctx.config.terminal.idle_timeout
    tap(window, window.screen("home").report)
    assert ctx.idle_policy.timeout == base
    tap(window, window.footer.elder_btn)
    assert ctx.idle_policy.timeout == base * 1.5
    idle_for(window, base + 1)  # the normal time is not up in elder mode
    assert not window.idle_overlay.isVisible()
    idle_for(window, base * 0.5)
    assert window.idle_overlay.isVisible()


def test_needing_more_time_once_doubles_it_for_the_rest_of_the_visit(qtbot, window, ctx):
    base = ctx.config.terminal.idle_timeout
    tap(window, window.screen("home").report)
    idle_for(window, base + 1)
    assert window.idle_overlay.isVisible()
    tap(window, window.idle_overlay.keep_btn)  # 需要，继续办理
    idle_for(window, 0)
    assert ctx.idle_policy.timeout == 2 * base
    idle_for(window, base + 1)
    assert not window.idle_overlay.isVisible()
    idle_for(window, base)
    assert window.idle_overlay.isVisible()
    tap(window, window.idle_overlay.leave_btn)  # 退出: the next citizen starts afresh
    assert ctx.idle_policy.timeout == base


def test_the_clock_stands_still_while_a_finger_is_down(qtbot, window, ctx):
    base = ctx.config.terminal.idle_timeout
    tap(window, window.screen("home").report)
    finger = window.screen("report").title  # resting where a tap does nothing
    QTest.mousePress(finger, Qt.MouseButton.LeftButton)
    for _ in range(4):  # a citizen with a finger resting on the screen, reading
        idle_for(window, base / 2)
    assert not window.idle_overlay.isVisible()
    QTest.mouseRelease(finger, Qt.MouseButton.LeftButton)
    idle_for(window, base + 1)
    assert window.idle_overlay.isVisible()


def test_the_clock_stands_still_while_the_keyboard_is_open_but_not_for_ever(qtbot, window,
                                                                             ctx):
    base = ctx.config.terminal.idle_timeout
    tap(window, window.screen("home").tiles["payment"])
    window.screen("pay_account").start("water")
    window.nav.go("pay_account")  # 水费: the account number on the digit pad
    assert window.care.keyboard_open()
    waited = 0
    while not window.idle_overlay.isVisible() and waited < 600:
        idle_for(window, 10)  # typing an account number off a bill, slowly
        waited += 10
    # Not asked while typing, but a keyboard left open does not keep a session for ever.
    assert HOLD_LIMIT <= waited <= HOLD_LIMIT + base + 10


def test_elder_mode_is_offered_once_to_a_card_holder_of_70(qtbot, window, ctx):
    tap(window, window.screen("home").tiles["queue"])
    ctx.sim.place_card("resident")  # 36: not asked
    qtbot.waitUntil(lambda: window.current is window.screen("category"), timeout=5000)
    QCoreApplication.processEvents()
    assert not window.care.elder_offer.isVisible()
    window.end_session("test")
    tap(window, window.screen("home").tiles["queue"])
    ctx.sim.place_card("resident_long_term")  # born 1949
    qtbot.waitUntil(window.care.elder_offer.isVisible, timeout=5000)
    assert window.current is window.screen("category")  # asked over the service, not instead
    assert window.care.voice.sink is not None
    tap(window, window.care.elder_offer.no)
    assert not window.theme.elder and not window.care.elder_offer.isVisible()
    window.on_card(ctx.sessions.current.identity.card)  # the same card again: not asked again
    QCoreApplication.processEvents()
    assert not window.care.elder_offer.isVisible()
    window.end_session("test")
    tap(window, window.screen("home").tiles["queue"])
    ctx.sim.place_card("resident_long_term")  # a new visit: asked again, and says yes
    qtbot.waitUntil(window.care.elder_offer.isVisible, timeout=5000)
    tap(window, window.care.elder_offer.yes)
    assert window.theme.elder and window.footer.elder_btn.isChecked()
    assert window.care.voice.on
    assert ctx.idle_policy.timeout == ctx.config.terminal.idle_timeout * 1.5


def test_high_contrast_beside_large_text_and_back_after_the_visit(qtbot, window, ctx):
    footer = window.footer
    row, col, _, _ = footer.grid.getItemPosition(footer.grid.indexOf(footer.contrast_btn))
    assert footer.grid.getItemPosition(footer.grid.indexOf(footer.elder_btn))[:2] == (
        row, col - 1)
    tap(window, footer.contrast_btn)
    assert window.theme.contrast and "#000000" in window.styleSheet()
    hint = window.screen("home").card_hint
    assert hint.palette().color(hint.foregroundRole()).name() == "#000000"
    tap(window, footer.elder_btn)
    assert window.theme.contrast and window.theme.elder  # the two go together
    window.end_session("test")
    assert not window.theme.contrast and not footer.contrast_btn.isChecked()
