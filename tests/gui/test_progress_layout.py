"""The 进度查询 screens fit in every mode, orientation and language."""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from kiosk.i18n import translator
from tests.gui.test_layout_fits import assert_fits, open_help_and_check

CASE = {"case_number": "SIM-0001-20261204-ABC123", "entry_name": "新生儿出生一件事",
        "submitted_at": "2026-12-04T20:00:00+08:00", "promised_by": "2026-12-11",
        "state": "correction",
        "steps": [{"state": "submitted", "note": "", "at": "2026-12-04T20:00:00+08:00"},
                  {"state": "accepted", "note": "", "at": "2026-12-05T09:00:00+08:00"},
                  {"state": "correction", "note": "结婚证复印件（父母双方签字）",
                   "at": "2026-12-06T10:00:00+08:00"}]}


@pytest.fixture(params=["landscape", "portrait"])
def kiosk_toml(request) -> str:
    return f'[terminal]\norientation = "{request.param}"\n'


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_every_progress_screen_fits(qtbot, window, ctx, elder, language):
    translator.set_language(language)
    window.set_elder(elder)
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    flow = window.nav.flows["progress"]
    window.nav.start("progress")
    assert_fits(qtbot, window, "loading")
    answer: Future = Future()
    answer.set_result([CASE, {**CASE, "case_number": "SIM-0001-20261101-XYZ789",
                               "state": "done", "submitted_at": "2026-11-01T09:00:00+08:00"}])
    flow._found(answer)
    assert_fits(qtbot, window, "list")
    open_help_and_check(qtbot, window, "list")
    flow.open_case(CASE["case_number"])
    assert_fits(qtbot, window, "case")
    open_help_and_check(qtbot, window, "case")
