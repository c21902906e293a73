"""Every 证明打印 screen fits the kiosk's screen in every state: normal and elder mode, Chinese
and English, landscape and portrait. Nothing cut off; help fits over each."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.i18n import translator
from tests.gui.test_layout_fits import assert_fits, open_help_and_check

SHOTS = os.environ.get("KIOSK_SHOTS")  # a folder: also save a picture of each state


@pytest.fixture(params=["landscape", "portrait"])
def kiosk_toml(request) -> str:
    return f'[terminal]\norientation = "{request.param}"\n'


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_every_certificate_screen_fits(qtbot, window, ctx, elder, language):
    translator.set_language(language)
    window.set_elder(elder)
    tag = (f"{ctx.config.terminal.orientation}-{'elder' if elder else 'normal'}"
           f"{'-en' if language == 'en' else ''}")

    def check(what: str) -> None:
        assert_fits(qtbot, window, f"{what} ({tag})")
        open_help_and_check(qtbot, window, what)
        if SHOTS:
            window.grab().save(str(Path(SHOTS) / f"certificate-{what}-{tag}.png"))

    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    flow = window.nav.flows["certificate"]
    window.nav.start("certificate")
    check("loading")
    qtbot.waitUntil(lambda: window.screen("cert_list").tile("medical_insurance") is not None,
                    timeout=10000)
    check("list")
    flow.choose("social_insurance_payment")
    check("purpose")
    flow.choose_purpose("other")
    qtbot.waitUntil(lambda: "q" in window.screen("cert_other").keyboard.key_items(),
                    timeout=10000)
    check("other")
    window.nav.back()
    flow.choose_purpose("school")
    check("period")
    flow.prepare(36)
    check("making")
    preview = window.screen("cert_preview")
    qtbot.waitUntil(lambda: preview.print_btn.isEnabled(), timeout=10000)
    check("preview")
    preview.zoom_in.click()
    preview.next.click()
    check("preview-zoomed")
    printing = window.screen("cert_print")
    window.nav.go("cert_print")
    printing.show_printing(2, 3)
    check("printing")
    printing.show_stopped("a4printer.paper_out", "1–2", "3")
    check("stopped")
    printing.show_done(3, "2027-01-03")
    check("done")
    window.nav.home()
    ctx.network.set_up(False)
    window.nav.start("certificate")
    check("offline")
