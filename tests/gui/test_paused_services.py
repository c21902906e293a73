"""A service whose device is gone leaves the home screen, with a plain line for citizens,
and comes back when the device does."""

from __future__ import annotations

from kiosk.navigator import HOME
from kiosk.service_health import notice
from tests.gui.conftest import all_texts


def test_an_unplugged_printer_pauses_its_services_until_it_is_back(qtbot, window, ctx):
    home = window.screen("home")
    assert {"queue", "payment"} <= home.tiles.keys() and not home.notice.isVisible()
    ctx.sim.printer.unplug()
    qtbot.waitUntil(lambda: "queue" not in home.tiles, timeout=10000)
    assert "payment" not in home.tiles and "guide" in home.tiles
    line = home.notice.text()
    assert home.notice.isVisible() and line.startswith("▲ 打印机暂停服务，取号排队、")
    assert "缴费" in line and line.endswith("请到人工窗口办理") and "\n" not in line
    assert window.nav.step == HOME
    window.toggle_language()
    assert home.notice.text().startswith("▲ The printer is out of service: for Take a number, ")
    window.toggle_language()
    ctx.sim.printer.plug()
    qtbot.waitUntil(lambda: "queue" in home.tiles, timeout=15000)
    assert not home.notice.isVisible()
    assert not any("暂停服务" in t for t in all_texts(window))


def test_paper_out_leaves_the_services_to_say_it_themselves(qtbot, window, ctx):
    ctx.sim.printer.set_paper("out")  # the number is still given, to be remembered
    qtbot.waitUntil(lambda: "缺纸" in window.header.indicators["printer"].text(), timeout=5000)
    home = window.screen("home")
    assert "queue" in home.tiles and not home.notice.isVisible()
    assert notice({}) == ""
