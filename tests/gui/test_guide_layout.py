"""Every 办事指南 screen fits the kiosk's screen, in every state: normal and elder mode,
Chinese and English, landscape 1920×1080 and portrait 1080×1920. Nothing cut off, no
scrolling."""

from __future__ import annotations

import pytest

from kiosk.i18n import translator
from tests.gui.test_layout_fits import assert_fits, open_help_and_check


@pytest.fixture(params=["landscape", "portrait"])
def kiosk_toml(request) -> str:
    return f'[terminal]\norientation = "{request.param}"\n'


# The entries whose pages carry the most: the most materials, the longest texts.
ENTRIES = ("birth", "adoption-registration", "teacher-qualification", "marriage-registration",
           "hukou-transfer-in", "subsistence-allowance", "construction-permit")


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_every_guide_screen_fits(qtbot, window, ctx, elder, language):
    translator.set_language(language)
    window.set_elder(elder)
    window.nav.start("guide")
    assert_fits(qtbot, window, "guide loading")
    qtbot.waitUntil(lambda: window.screen("guide_start").tile("person") is not None, timeout=10000)
    assert_fits(qtbot, window, "guide start")
    open_help_and_check(qtbot, window, "guide start")
    for audience in ("person", "legal_person"):
        window.nav.flows["guide"].choose_start(audience)
        grid = window.screen("guide_topics").grid
        for page in range(grid.pages()):
            grid.page = page
            grid.rebuild()
            assert_fits(qtbot, window, f"topics of {audience}, page {page + 1}")
        for topic in window.nav.flows["guide"].guide.topics(audience):  # type: ignore[arg-type]
            window.nav.flows["guide"].choose_topic(topic.key)
            assert_fits(qtbot, window, f"items of {topic.key}")
            window.nav.back()
        window.nav.back()
    window.nav.flows["guide"].choose_start("department")
    assert_fits(qtbot, window, "departments")
    window.nav.flows["guide"].choose_department(window.nav.flows["guide"].guide.departments()[0].key)
    assert_fits(qtbot, window, "items of a department")
    for entry in ENTRIES:
        window.nav.flows["guide"].open_entry(entry)
        page = window.screen("guide_page")
        assert_fits(qtbot, window, f"guide page of {entry}")
        while page.more_materials.isVisible() and page.material_page == 0:
            page.more_materials.click()
            assert_fits(qtbot, window, f"guide page of {entry}, more materials")
        for state in ("printing", "printed", "printer.paper_out", "printer.cover_open"):
            page.set_print_state(state)
            assert_fits(qtbot, window, f"guide page of {entry}, {state}")
        page.more_btn.click()
        more = window.screen("guide_more")
        assert_fits(qtbot, window, f"more of {entry}, page 1")
        for n in range(len(more._pages) - 1):
            more.pager.next.click()
            assert_fits(qtbot, window, f"more of {entry}, page {n + 2}")
        window.nav.back()
    open_help_and_check(qtbot, window, "guide page")
    window.screen("guide_page").qr_btn.click()
    assert_fits(qtbot, window, "QR")
    window.nav.home()
    window.nav.start("guide")
    window.nav.flows["guide"].choose_start("search")
    assert_fits(qtbot, window, "search, empty")
    open_help_and_check(qtbot, window, "search")
    for text in ("tx", "社保", "zzzz"):
        window.screen("guide_search").edit.setText(text)
        assert_fits(qtbot, window, f"search for {text}")


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_every_key_of_the_search_keyboard_is_a_finger_wide(qtbot, window, ctx, elder):
    """Touch targets ≥ 80×80 px (docs: UI.md), in both orientations; 大字 keys no smaller, and
    the keyboard wholly on the screen."""
    window.set_elder(elder)
    window.nav.start("guide")
    qtbot.waitUntil(lambda: window.screen("guide_start").tile("search") is not None,
                    timeout=10000)
    window.nav.flows["guide"].choose_start("search")
    keyboard = window.screen("guide_search").keyboard
    qtbot.waitUntil(lambda: "t" in keyboard.key_items(), timeout=10000)
    keys = keyboard.key_items()
    assert len(keys) > 26
    small = {text: (round(k.width()), round(k.height())) for text, k in keys.items()
             if k.width() < 80 or k.height() < 80}
    assert not small
    top_left = keyboard.mapTo(window, keyboard.rect().topLeft())
    bottom_right = keyboard.mapTo(window, keyboard.rect().bottomRight())
    assert window.rect().contains(top_left) and window.rect().contains(bottom_right)
