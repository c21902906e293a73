"""办事指南 search, typed on the on-screen keyboard (Qt Virtual Keyboard, pinyin): ``tx``
tapped key by key finds 退休一件事 before any character is chosen; nothing found →
suggestions and a way to a person."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import CITIZEN_PAUSE, tap


def screen(window, step: str):
    return window.screen(step)


def open_search(qtbot, window):
    tap(window, screen(window, "home").tiles["guide"])
    start = screen(window, "guide_start")
    qtbot.waitUntil(lambda: start.tile("search") is not None, timeout=10000)
    tap(window, start.tile("search"))
    search = screen(window, "guide_search")
    assert window.current is search
    return search


def tap_key(qtbot, window, keyboard, text: str, candidate: bool = False) -> None:
    """A finger on the key that types ``text`` (or on the word ``text`` offered above the
    keys): pressed a moment, then lifted."""
    key = (keyboard.candidates() if candidate else keyboard.key_items())[text]
    p = key.mapToScene(QPointF(key.width() / 2, key.height() / 2))
    at = QPoint(round(p.x()), round(p.y()))
    window.clock.advance(CITIZEN_PAUSE)
    QTest.mousePress(keyboard, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    qtbot.wait(60)
    QTest.mouseRelease(keyboard, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    qtbot.wait(60)


def test_pinyin_initials_typed_on_the_keyboard_find_retirement(qtbot, window, ctx):
    search = open_search(qtbot, window)
    keyboard = search.keyboard
    qtbot.waitUntil(lambda: "t" in keyboard.key_items(), timeout=10000)
    assert "，" in keyboard.key_items()  # the pinyin layout: Chinese punctuation
    # Before typing: the often needed ones, no "not found", no dead end.
    assert search.hint.text() == "大家常办的事："
    assert search.results.tiles
    tap(window, search.edit)  # the line takes the keyboard's keys
    qtbot.waitUntil(lambda: QApplication.focusWidget() is search.edit, timeout=5000)
    tap_key(qtbot, window, keyboard, "t")
    tap_key(qtbot, window, keyboard, "x")
    # The pinyin being composed (no character chosen yet) is what is searched.
    qtbot.waitUntil(lambda: search.edit.query().replace(" ", "").replace("'", "") == "tx",
                    timeout=5000)
    qtbot.waitUntil(lambda: search.results.tile("retirement") is not None, timeout=5000)
    assert search.results.shown()[0].key == "retirement"
    assert search.hint.text().startswith("找到")
    assert not search.person.isVisible()
    tap(window, search.results.tile("retirement"))
    page = screen(window, "guide_page")
    assert window.current is page
    assert page.title.text() == "退休一件事"
    # Leaving the search drops the half-typed pinyin: nothing is committed behind.
    assert search.edit.text() == ""


def test_a_word_chosen_from_the_pinyin_is_searched(qtbot, window, ctx):
    search = open_search(qtbot, window)
    keyboard = search.keyboard
    qtbot.waitUntil(lambda: "t" in keyboard.key_items(), timeout=10000)
    tap(window, search.edit)
    for letter in "tuixiu":
        tap_key(qtbot, window, keyboard, letter)
    qtbot.waitUntil(lambda: "退休" in keyboard.candidates(), timeout=5000)
    tap_key(qtbot, window, keyboard, "退休", candidate=True)
    qtbot.waitUntil(lambda: search.edit.text() == "退休", timeout=5000)
    assert search.edit.preedit == ""
    assert search.results.shown()[0].key == "retirement"


def test_the_keyboard_stays_when_its_hide_key_is_tapped(qtbot, window, ctx):
    search = open_search(qtbot, window)
    keyboard = search.keyboard
    qtbot.waitUntil(lambda: "t" in keyboard.key_items(), timeout=10000)
    tap(window, search.edit)
    tap_key(qtbot, window, keyboard, "HideKeyboardKey")
    qtbot.wait(200)
    assert QApplication.inputMethod().isVisible()
    tap_key(qtbot, window, keyboard, "t")
    qtbot.waitUntil(lambda: search.edit.query() == "t", timeout=5000)


def test_nothing_found_offers_suggestions_and_a_person(qtbot, window, ctx):
    search = open_search(qtbot, window)
    search.edit.setText("zzzz")  # typed: the keyboard's own keys are tested above
    assert search.hint.text() == "没有找到“zzzz”。您可能要办："
    assert search.results.tiles  # suggestions, never an empty screen
    assert search.person.isVisible()
    assert search.person.text() == "还是找不到？请到咨询台问工作人员。"
    tap(window, search.clear_btn)
    assert search.edit.text() == "" and search.hint.text() == "大家常办的事："


def test_walking_away_clears_what_was_typed(qtbot, window, ctx):
    search = open_search(qtbot, window)
    search.edit.setText("退休")
    policy = ctx.idle_policy
    window.clock.advance(policy.timeout + policy.grace + 1)
    home = screen(window, "home")
    qtbot.waitUntil(lambda: window.current is home, timeout=5000)
    assert search.edit.text() == "" and search.hint.text() == "大家常办的事："


class TestVillage:
    @pytest.fixture
    def kiosk_toml(self) -> str:
        return '[terminal]\nmode = "village"\nhelp_phone = "0738-1234567"\n'

    def test_a_village_station_gives_its_phone(self, qtbot, window, ctx):
        search = open_search(qtbot, window)
        search.edit.setText("zzzz")
        assert search.person.text() == "还是找不到？请拨打 0738-1234567 咨询。"
