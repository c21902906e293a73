"""Idle timeout, wiping, elder mode and language: what the citizen sees."""

from __future__ import annotations

from sim.id_samples import SAMPLE_CARDS
from tests.gui.conftest import all_texts, tap


def test_idle_asks_then_wipes_every_screen(qtbot, window, ctx):
    card = SAMPLE_CARDS["resident"]
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap(window, window.screen("home").tiles["queue"])
    assert window.current is window.screen("category")
    qtbot.waitUntil(window.header.countdown.isVisible, timeout=1000)
    assert window.header.countdown.text().startswith("剩余")

    policy = ctx.idle_policy
    window.clock.advance(policy.timeout + 1)  # a minute without a touch
    qtbot.waitUntil(window.idle_overlay.isVisible, timeout=2000)
    assert window.idle_overlay.title.text() == "还需要更多时间吗？"

    window.clock.advance(policy.grace)  # and no answer
    qtbot.waitUntil(lambda: window.current is window.screen("home"), timeout=2000)
    assert not window.idle_overlay.isVisible()
    assert ctx.sessions.current.identity is None
    texts = " ".join(all_texts(window))
    for secret in (card.name, card.id_number, "王*明"):
        assert secret not in texts
    # The same card still on the reader is not read again: it must be taken out.
    qtbot.wait(800)
    assert ctx.sessions.current.identity is None


def test_answering_the_idle_question_keeps_the_session(qtbot, window, ctx):
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    policy = ctx.idle_policy
    window.clock.advance(policy.timeout + 1)
    qtbot.waitUntil(window.idle_overlay.isVisible, timeout=2000)
    tap(window, window.idle_overlay.keep_btn, after=2)
    assert not window.idle_overlay.isVisible()
    # The answer restarted the minute: most of another minute later nothing has happened.
    window.clock.advance(policy.timeout - 1)
    window._tick()
    assert not window.idle_overlay.isVisible()
    assert ctx.sessions.current.identity is not None
    window.clock.advance(2)  # and then the question comes again
    window._tick()
    assert window.idle_overlay.isVisible()


def test_elder_mode_shows_at_most_four_bigger_tiles_per_page(qtbot, window, ctx):
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap(window, window.screen("home").tiles["queue"])
    assert len(window.screen("category").tiles) == 6
    normal_px = window.screen("category").tiles[0].title.font().pixelSize()
    tap(window, window.footer.elder_btn)
    tiles = window.screen("category").tiles
    assert len(tiles) == 4 and window.screen("category").next.isVisible()
    assert tiles[0].title.font().pixelSize() >= 1.5 * normal_px
    tap(window, window.screen("category").next)
    assert [t.property("prefix") for t in window.screen("category").tiles] == ["E", "F"]


def test_language_switches_at_run_time(qtbot, window):
    tap(window, window.footer.lang_btn)
    assert window.footer.home_btn.text().endswith("Home")
    assert window.screen("home").tiles["queue"].title.text() == "Take a number"
    tap(window, window.footer.lang_btn)
    assert window.screen("home").tiles["queue"].title.text() == "取号排队"


def test_touch_targets_and_text_sizes_meet_the_guide(qtbot, window):
    from PySide6.QtWidgets import QPushButton

    for b in window.findChildren(QPushButton):
        if b.isVisible():
            assert b.height() >= 80 and b.width() >= 80, b.text()
    assert window.screen("home").title.font().pixelSize() >= 40


def test_help_explains_the_screen_and_who_to_call(qtbot, window):
    tap(window, window.footer.help_btn)
    assert window.help_overlay.isVisible()
    assert "放置身份证" in window.help_overlay.text.text()
    assert "咨询台" in window.help_overlay.contact.text()
    tap(window, window.help_overlay.ok)
    assert not window.help_overlay.isVisible()


def test_the_wipe_empties_qts_picture_cache(qtbot, window, ctx):
    """Qt keeps up to 10 MB of pictures it has drawn (a page thumbnail, a holder's photo)
    in QPixmapCache; the next citizen's session starts without this one's."""
    from PySide6.QtGui import QColor, QPixmap, QPixmapCache

    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    photo = QPixmap(102, 126)
    photo.fill(QColor("#ddd"))
    assert QPixmapCache.insert("drawn-during-the-visit", photo)
    window.clock.advance(ctx.idle_policy.timeout + ctx.idle_policy.grace + 2)  # walked away
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is None, timeout=3000)
    assert QPixmapCache.find("drawn-during-the-visit") is None


def test_wipes_in_a_row_hand_memory_back_once(qtbot, window, ctx):
    """The heap's free pages go back a second after a wipe (5-30 ms of the GUI's time):
    citizens ending visits quickly one after another cost one trim, not one each."""
    trims: list[int] = []
    window.trimmer.timeout.connect(lambda: trims.append(1))
    for _ in range(5):
        ctx.sim.place_card("resident")
        qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
        window.end_session("done")
        ctx.sim.remove_card()
        qtbot.waitUntil(lambda: ctx.sessions.current.identity is None, timeout=3000)
    qtbot.wait(1500)
    assert trims == [1]
