"""Every 自助申报 screen fits the kiosk's screen in every state: normal and elder mode,
Chinese and English, landscape and portrait; help fits over each."""

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
def test_every_apply_screen_fits(qtbot, window, ctx, elder, language):
    translator.set_language(language)
    window.set_elder(elder)
    tag = (f"{ctx.config.terminal.orientation}-{'elder' if elder else 'normal'}"
           f"{'-en' if language == 'en' else ''}")

    def check(what: str) -> None:
        assert_fits(qtbot, window, f"{what} ({tag})")
        open_help_and_check(qtbot, window, what)
        if SHOTS:
            window.grab().save(str(Path(SHOTS) / f"apply-{what}-{tag}.png"))

    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    flow = window.nav.flows["apply"]
    window.nav.start("apply")
    qtbot.waitUntil(lambda: window.screen("apply_list").tile("birth") is not None,
                    timeout=10000)
    check("list")
    flow.choose("birth")
    check("who")
    flow.who_chosen("self")
    check("condition")
    flow.answer(False)
    check("refused")
    window.nav.back()
    for _ in flow.app.entry.conditions:
        flow.answer(True)
    flow.form_done()  # nothing filled in: every error said beside its field
    check("form-errors")
    for field, value in (("relation", "mother"), ("child_name", "王小宝"), ("child_sex", "male"),
                         ("child_birth", "2026-11-30"), ("phone", "13800138000"),
                         ("delivery", "mail")):
        flow.app.set(field, value)
    flow._show_form(0)
    check("form")
    window.screen("apply_form").more.click()
    check("form-page-2")
    flow.edit("relation")
    check("choice")
    window.nav.back()
    flow.edit("child_name")
    qtbot.waitUntil(lambda: "x" in window.screen("apply_text").keyboard.key_items(),
                    timeout=10000)
    check("text")
    window.nav.back()
    flow.edit("phone")
    check("digits")
    window.nav.back()
    flow.form_done()
    marriage = next(i for i, s in enumerate(flow.app.slots) if s.name == "结婚证")
    flow.toggle(marriage)
    check("materials")
    flow.promise()
    check("sign")
    flow.signed(b"", [])
    flow.review()
    check("review")
    window.screen("apply_done").show_case("SIM-0001-20261204-ABC123", online=False)
    window.nav.go("apply_done")
    check("done-printing")
    window.screen("apply_done").show_printed("")
    check("done")
    flow.rate()
    check("rating")
    window.screen("apply_rating").scores[1].click()
    check("rating-why")
    # 帮代办 of 退休一件事: the applicant typed (ID number with X on the pad), the address
    # picked level by level, a material replaced by 告知承诺.
    window.nav.home()
    window.nav.start("apply")
    flow.choose("retirement")
    flow.who_chosen("agent")
    for _ in flow.app.entry.conditions:
        flow.answer(True)
    flow.form_done()
    check("agent-form-errors")
    flow.edit("applicant_id")
    check("digits-id")
    window.nav.back()
    flow.app.set("delivery", "mail")
    flow._show_form(0)
    flow.edit("address")
    check("region-province")
    for code, what in (("430000", "city"), ("430100", "county"), ("430104", "town")):
        flow.region_chosen(code)
        check(f"region-{what}")
    flow.region_chosen("430104010")
    check("address-text")
    window.nav.back()
    for field, value in (("applicant_name", "王秀兰"), ("applicant_id", "43010419560308018X"),
                         ("agent_relation", "child"), ("phone", "13800138000"),
                         ("address", "湖南省长沙市岳麓区梅溪湖街道枫林三路8号")):
        flow.app.set(field, value)
    flow.form_done()
    pledge = next(i for i, s in enumerate(flow.app.slots) if s.pledgeable)
    flow.pledge(pledge)
    check("materials-pledged")
    flow.promise()
    check("sign-pledge")
    flow.signed(b"", [])
    flow.review()
    check("review-agent")
