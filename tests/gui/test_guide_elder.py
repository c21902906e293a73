"""The guide page in 大字 mode: one part at a time, each named on a big tab."""

from __future__ import annotations

from tests.gui.conftest import tap
from tests.gui.test_guide_search import screen


def test_each_tab_says_which_materials_it_shows(qtbot, window, ctx):
    tap(window, window.footer.elder_btn)
    home = screen(window, "home")
    while not home.tiles["guide"].isVisible():  # four services a page in 大字 mode
        tap(window, home.next_btn)
    tap(window, home.tiles["guide"])
    start = screen(window, "guide_start")
    qtbot.waitUntil(lambda: start.tile("person") is not None, timeout=10000)
    tap(window, start.tile("person"))
    tap(window, screen(window, "guide_topics").tile("household"))
    items = screen(window, "guide_items")
    while items.tile("hukou-transfer-in") is None:  # four a page in 大字 mode
        tap(window, items.grid.pager.next)
    tap(window, items.tile("hukou-transfer-in"))
    page = screen(window, "guide_page")
    assert window.current is page
    assert [t.text() for t in page.tabs] == ["材料 1–3", "材料 4", "时间费用地点"]
    tap(window, page.tabs[1])
    shown = [m.text() for m in page.material_labels if m.isVisible()]
    assert len(shown) == 1 and shown[0].startswith("4. ")
