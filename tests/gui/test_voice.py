"""语音播报 at the kiosk: every screen says its instruction, from real espeak-ng clips, one
prompt at a time; 🔊 重听 says it again; whatever is said is also on screen (deaf users)."""

from __future__ import annotations

import shutil
import wave

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractButton, QLabel

from kiosk import care
from kiosk.audio import RecordingSink
from kiosk.i18n import tr, translator
from kiosk.voice import Digits, Say, Text
from tests.gui.conftest import tap as tap_only

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng is not installed (scripts/bootstrap.sh)")


@pytest.fixture(autouse=True)
def recording(monkeypatch):
    """Every window of these tests plays into a recording sink."""
    monkeypatch.setattr(care, "default_sink", RecordingSink)


def tap(window, widget, after: float = 1.0):
    """A tap, and the event loop's turn in which the kiosk answers it (what it says)."""
    target = tap_only(window, widget, after)
    QCoreApplication.processEvents()
    return target


def said(window) -> list[list[str]]:
    """The clips' file names of every utterance played, in order."""
    return [[p.name for p in u.clips] for u in window.care.voice.sink.played]


def clips_of(window, *parts: str | list[str], language: str = "zh_CN") -> list[str]:
    """The clip names the voice must play for these texts (a list: one clip per word)."""
    engine = window.care.voice.engine
    out = []
    for part in parts:
        for text in ([part] if isinstance(part, str) else part):
            out.append(engine.clip(text, language).name)
    return out


def assert_real_wavs(window) -> None:
    for u in window.care.voice.sink.played:
        for clip in u.clips:
            assert clip.stat().st_size > 1000, clip
            with wave.open(str(clip)) as w:
                assert w.getnframes() / w.getframerate() > 0.1, clip


def test_a_queue_ticket_journey_is_spoken_step_by_step(qtbot, window, ctx):
    sink = window.care.voice.sink
    assert said(window) == []  # a hall kiosk in normal mode is quiet
    tap(window, window.footer.elder_btn)  # 大字模式: the voice comes on with it
    tap(window, window.screen("home").tiles["queue"])
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: window.current is window.screen("category"), timeout=5000)
    tap(window, window.screen("category").tiles[0])
    qtbot.waitUntil(lambda: window.screen("ticket").view is not None, timeout=15000)
    window.care.tick()
    number = window.screen("ticket").view.number
    tap(window, window.screen("ticket").done)
    tap(window, window.screen("ticket").scores[5])

    expected = [
        clips_of(window, tr("home.title"), tr("home.card_title")),
        clips_of(window, tr("card.both.title")),
        clips_of(window, tr("category.title")),
        clips_of(window, tr("ticket.printing")),
        clips_of(window, tr("ticket.title_printed"),
                 [number[0], *("零一二三四五六七八九"[int(d)] for d in number[1:])],
                 tr("ticket.take_paper")),
        clips_of(window, tr("ticket.rate")),
        clips_of(window, tr("ticket.rated")),
    ]
    assert said(window) == expected
    assert number == "A001" and expected[4][1:5] == clips_of(window, ["A", "零", "零", "一"])
    assert_real_wavs(window)
    # Never over itself: each prompt was cut by the next screen's, the last one still on.
    assert all(u.cut and u.stopped_by == "play" for u in sink.played[:-1])
    assert sink.playing is sink.played[-1]
    assert all(u.volume == ctx.config.voice.volume / 100 for u in sink.played)


def test_replay_says_the_prompt_again_and_a_new_screen_cuts_it(qtbot, window, ctx):
    sink = window.care.voice.sink
    tap(window, window.screen("home").report)
    assert said(window) == []
    tap(window, window.footer.replay_btn)  # 🔊 重听
    report = clips_of(window, tr("report.title"))
    assert said(window) == [report]
    tap(window, window.footer.replay_btn)
    assert said(window) == [report, report]
    assert sink.played[0].cut and not sink.played[1].cut
    # The voice stays on for this visit: the next screen is said, and cuts the old prompt.
    tap(window, window.screen("report").reasons["repeat"])
    assert sink.played[1].cut and sink.played[1].stopped_by == "play"
    assert said(window)[-1] != report
    # The next citizen starts quiet again.
    window.end_session("test")
    assert not window.care.voice.on and sink.playing is None


def test_english_screen_english_voice(qtbot, window, ctx):
    tap(window, window.footer.lang_btn)
    tap(window, window.footer.replay_btn)
    assert said(window)[-1] == clips_of(window, tr("home.title"), tr("home.card_title"),
                                        language="en")
    assert "/en/" in window.care.voice.sink.played[-1].clips[0].as_posix()
    translator.set_language("zh_CN")


def test_an_error_is_said_in_its_plain_words(qtbot, window, ctx):
    window.care.replay()  # voice on
    tap(window, window.screen("home").tiles["queue"])
    ctx.sim.place_card("expired_resident")
    qtbot.waitUntil(window.screen("card_prompt").error.isVisible, timeout=5000)
    window.care.tick()
    error = window.screen("card_prompt").error.text()
    assert said(window)[-1] == clips_of(window, error, tr("card.both.title"))


def visible_texts(window) -> list[str]:
    return [w.text() for w in window.findChildren(QLabel) + window.findChildren(QAbstractButton)
            if w.isVisible() and w.text()]


def assert_prompt_on_screen(window, what: str) -> None:
    prompt = window.care.current_prompt()
    assert prompt, f"{what}: says nothing"
    shown = visible_texts(window)
    for part in prompt:
        assert isinstance(part, Say | Text | Digits), part
        text = part.text().strip()
        assert text and any(text in s for s in shown), f"{what}: {text!r} is not on screen"


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_prompt_is_on_screen_too(qtbot, window, ctx, language):
    """For deaf users: whatever the kiosk says, in every state it says it, is written."""
    translator.set_language(language)
    assert_prompt_on_screen(window, "home")
    window.show_help()
    assert_prompt_on_screen(window, "help")
    window.help_overlay.hide()
    window.nav.start("queue")
    assert_prompt_on_screen(window, "card prompt")
    ctx.sim.place_card("expired_resident")
    qtbot.waitUntil(window.screen("card_prompt").error.isVisible, timeout=5000)
    assert_prompt_on_screen(window, "card prompt with an error")
    ctx.sim.place_card("resident_long_term")
    qtbot.waitUntil(window.care.elder_offer.isVisible, timeout=5000)
    assert_prompt_on_screen(window, "大字模式 offered")
    tap(window, window.care.elder_offer.no)
    assert_prompt_on_screen(window, "category")
    window.clock.advance(ctx.idle_policy.timeout + 1)
    window._tick()
    assert_prompt_on_screen(window, "idle question")
    window.touch()
    window.nav.flows["queue"].choose("A")
    assert_prompt_on_screen(window, "printing")
    qtbot.waitUntil(lambda: window.screen("ticket").view is not None, timeout=15000)
    assert_prompt_on_screen(window, "ticket")
    ctx.sim.printer.set_paper("out")
    window.nav.flows["queue"].choose("B")
    qtbot.waitUntil(lambda: window.screen("ticket").view is not None
                    and not window.screen("ticket").view.printed, timeout=15000)
    assert_prompt_on_screen(window, "ticket, paper out")
    window.screen("ticket").done.click()
    assert_prompt_on_screen(window, "rating")
    window.nav.start("report")
    assert_prompt_on_screen(window, "办不成事")
    window.screen("offline").show_service("certificates")
    window.nav.go("offline")
    assert_prompt_on_screen(window, "offline")
    for flow in ("guide", "payment", "scan"):
        window.nav.home()
        window.nav.start(flow)
        assert_prompt_on_screen(window, flow)
