"""The 社保卡 in the whole kiosk: it identifies the citizen as the ID card does."""

from __future__ import annotations

import pytest

from kiosk.i18n import tr
from tests.gui.conftest import ctx, kiosk_toml, window  # noqa: F401 - shared GUI fixtures


def test_a_social_security_card_identifies_the_citizen(qtbot, window, ctx) -> None:  # noqa: F811
    assert window.header.indicators["sscard"].text() == "● 社保卡"
    ctx.sim.insert_sscard("third_gen")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    assert window.screen("home").title.text().startswith("孙*华")
    assert ctx.sessions.current.identity.document == "social_security"


def test_the_queue_asks_for_either_card(qtbot, window, ctx) -> None:  # noqa: F811
    window.nav.start("queue")
    assert window.current is window.screen("card_prompt")
    assert window.screen("card_prompt").title.text() == "请使用身份证或社保卡"
    ctx.sim.insert_sscard("second_gen_t0")
    qtbot.waitUntil(lambda: window.current is window.screen("category"), timeout=5000)
    assert window.screen("home").title.text().startswith("覃*福")


@pytest.mark.parametrize("sample", ["expired", "needs_auth", "not_ssse"])
def test_a_card_that_cannot_identify_says_why(qtbot, window, ctx, sample) -> None:  # noqa: F811
    window.nav.start("queue")
    ctx.sim.insert_sscard(sample)
    qtbot.waitUntil(window.screen("card_prompt").error.isVisible, timeout=5000)
    assert window.screen("card_prompt").error.text() == tr(f"error.sscard.{sample}")
    assert ctx.sessions.current.identity is None
    assert window.current is window.screen("card_prompt")


@pytest.mark.parametrize("kiosk_toml", ['[devices.sscard]\nport = "none"\n'])
def test_without_a_sscard_reader_only_the_id_card_is_asked_for(
    qtbot, window, ctx, kiosk_toml  # noqa: F811
) -> None:
    assert "sscard" not in ctx.devices.workers and "sscard" not in window.header.indicators
    window.nav.start("queue")
    assert window.screen("card_prompt").title.text() == tr("card.title")
