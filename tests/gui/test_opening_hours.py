"""Opening hours of a village machine (config ``[hours]``), with the wall clock set by the
test: the closed screen outside them (a citizen's card starts nothing, taps reach nothing),
home again at opening, staff mode through the closed screen, a visit under way not cut off
at closing time, a platform lock over closed hours."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QPoint

from kiosk.config import parse_config
from kiosk.flows.staff import PAGES, PIN
from kiosk.navigator import HOME
from kiosk.opening import opening_hours
from kiosk.staff import hash_secret
from tests.gui.conftest import tap, tap_at
from tests.gui.test_staff_mode import STAFF_PIN, corner_taps, type_pin

SATURDAY = datetime(2026, 12, 5)


def at(hour: int, minute: int = 0) -> datetime:
    return SATURDAY.replace(hour=hour, minute=minute)


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_secret(STAFF_PIN)


@pytest.fixture
def kiosk_toml(pin_hash) -> str:
    return (f'[staff]\npin_hash = "{pin_hash}"\n'
            '[terminal]\nmode = "village"\nhelp_phone = "0731-12345678"\n'
            '[hours]\nopen = ["08:00-18:00"]\n')


def set_time(window, when: datetime) -> None:
    window.opening.now = lambda: when
    window.opening.check()


def test_no_hours_section_is_open_round_the_clock():
    assert opening_hours(parse_config("", dev=True)) is None
    hours = opening_hours(parse_config('[hours]\nweekdays = [1, 2, 3, 4, 5]\n', dev=True))
    assert hours is not None and hours.open_at(datetime(2026, 12, 7, 3, 0))  # a Monday
    assert not hours.open_at(SATURDAY.replace(hour=12))


def test_closed_before_opening_then_home_at_opening(window, qtbot, ctx):
    switched: list[bool] = []
    window.opening.backlight = switched.append
    set_time(window, at(7, 30))
    closed = window.cover.closed
    assert closed.isVisible() and closed.geometry() == window.rect()
    assert closed.texts() == [
        "现在不在服务时间", "服务时间：每天 08:00–18:00", "下次开放：今天 08:00",
        "如需帮助，请拨打 0731-12345678",  # a village station's phone
        "Closed now", "Opening hours: every day 08:00–18:00", "Opens again: today 08:00",
        "For help, call 0731-12345678"]
    home = window.screen("home")
    for point in (home.tiles["queue"].mapTo(window, home.tiles["queue"].rect().center()),
                  window.footer.lang_btn.mapTo(window, QPoint(5, 5))):
        hit = tap_at(window, point, after=2)  # a tile, the language button: under it
        assert hit is closed or closed.isAncestorOf(hit)
    assert window.nav.step == HOME and window.nav.flow is None
    ctx.sim.place_card("resident")  # a citizen's card starts nothing
    qtbot.wait(1500)
    assert ctx.sessions.current.identity is None and closed.isVisible()
    ctx.sim.remove_card()

    window.clock.advance(61)  # a minute untouched: the backlight off (where there is one)
    set_time(window, at(7, 59))
    assert switched == [False]
    set_time(window, at(8, 0))
    assert not closed.isVisible() and window.current is home
    assert switched == [False, True]
    qtbot.waitUntil(lambda: not ctx.sim.sam.card_present, timeout=2000)
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)


def test_after_closing_it_says_tomorrow(window):
    set_time(window, at(18, 0))
    assert window.cover.closed.texts()[2] == "下次开放：明天 08:00"
    set_time(window, at(23, 59))
    assert window.cover.closed.texts()[2] == "下次开放：明天 08:00"


def test_staff_open_staff_mode_over_the_closed_screen(window, qtbot):
    set_time(window, at(20, 0))
    closed = window.cover.closed
    corner_taps(window)
    assert window.nav.step == PIN and not closed.isVisible()
    type_pin(window, qtbot, STAFF_PIN)
    assert window.nav.step == PAGES and not closed.isVisible()
    window.opening.check()
    assert not closed.isVisible()  # staff mode stays on top while it is open
    tap(window, window.footer.home_btn, after=2)
    assert window.nav.step == HOME and closed.isVisible()


def test_a_visit_under_way_at_closing_time_is_not_cut_off(window, qtbot, ctx):
    set_time(window, at(17, 58))
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap(window, window.screen("home").tiles["queue"])
    step = window.nav.step
    assert step != HOME
    set_time(window, at(18, 0))
    assert not window.cover.closed.isVisible() and window.nav.step == step
    window.end_session("citizen_left")  # done (or the idle timeout ends it)
    window.opening.check()
    assert window.cover.closed.isVisible()


def test_a_lock_from_the_platform_wins_over_closed_hours(window):
    set_time(window, at(19, 0))
    cover = window.cover
    cover.lock("设备维护中")
    assert cover.locked.isVisible() and not cover.closed.isVisible()
    cover.unlock()
    assert cover.closed.isVisible() and not cover.locked.isVisible()
    cover.lock("")
    set_time(window, at(8, 0))  # opening while locked: still locked
    assert cover.locked.isVisible() and not cover.closed.isVisible()
    tap_at(window, QPoint(960, 540))
    assert window.nav.step == HOME
