"""The 进度查询 screens fit in every mode, orientation and language: the list (online, and
offline with the age of what it shows), a case in 补正 (what is needed, by when, 补交材料),
while a supplement is saved, once handed in (online and offline), the capture step for the
material and the receipt-QR scan."""

from __future__ import annotations

import os
from concurrent.futures import Future
from pathlib import Path

import pytest

from kiosk.flows.progress import Found
from kiosk.i18n import translator
from tests.gui.test_layout_fits import assert_fits, open_help_and_check

SHOTS = os.environ.get("KIOSK_SHOTS")  # a folder: also save a picture of each state

CASE = {"case_number": "SIM-0001-20261204-ABC123", "entry_name": "新生儿出生一件事",
        "submitted_at": "2026-12-04T20:00:00+08:00", "promised_by": "2026-12-11",
        "state": "correction",
        "needs": {"materials": ["户口簿", "结婚证复印件（父母双方签字）"], "due": "2026-12-20"},
        "steps": [{"state": "submitted", "note": "", "at": "2026-12-04T20:00:00+08:00"},
                  {"state": "accepted", "note": "", "at": "2026-12-05T09:00:00+08:00"},
                  {"state": "correction", "note": "户籍信息与出生医学证明不一致，请补交材料",
                   "at": "2026-12-06T10:00:00+08:00"}]}
DONE = {**CASE, "case_number": "SIM-0001-20261101-XYZ789", "state": "done", "needs": None,
        "submitted_at": "2026-11-01T09:00:00+08:00"}


@pytest.fixture(params=["landscape", "portrait"])
def kiosk_toml(request) -> str:
    return f'[terminal]\norientation = "{request.param}"\n'


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_every_progress_screen_fits(qtbot, window, ctx, elder, language):
    translator.set_language(language)
    window.set_elder(elder)
    tag = (f"{ctx.config.terminal.orientation}-{'elder' if elder else 'normal'}"
           f"{'-en' if language == 'en' else ''}")

    def check(what: str, help_too: bool = True) -> None:
        assert_fits(qtbot, window, f"{what} ({tag})")
        if help_too:
            open_help_and_check(qtbot, window, what)
        if SHOTS:
            window.grab().save(str(Path(SHOTS) / f"progress-{what}-{tag}.png"))

    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    flow = window.nav.flows["progress"]
    window.nav.start("progress")
    check("loading")
    listing = window.screen("progress_list")
    assert listing.scan.isVisible()

    def answer(found: Found) -> Future:
        fut: Future = Future()
        fut.set_result(found)
        return fut

    flow._found(answer(Found([CASE, DONE])))
    check("list")
    flow.memory()
    flow._found(answer(Found([CASE, DONE], known_at=flow._memory.clock() - 3 * 3600)))
    assert listing.age.isVisible()
    check("list-offline", help_too=False)
    flow.open_case(CASE["case_number"])
    case = window.screen("progress_case")
    assert case.supply.isVisible() and case.age.isVisible()
    check("case-offline", help_too=False)
    flow.known_at = None
    flow._show_case()
    check("case")
    case.show_saving()
    check("case-saving", help_too=False)
    case.show_supplied("户口簿", True, "")
    check("case-supplied", help_too=False)
    case.show_supplied("户口簿", False, "printer.paper_out")
    check("case-supplied-offline", help_too=False)
    flow.supply()
    check("capture", help_too=False)
    window.nav.back()
    window.nav.back()
    flow.scan()
    check("scan")
    window.screen("progress_scan").show_result("not_yours")
    check("scan-not-yours", help_too=False)
