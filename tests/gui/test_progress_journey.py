"""进度查询 by real taps: a case applied for at the kiosk, moved along on the platform
(kiosk platform case advance) to 补正 with a note, then found by the same ID card with its
state, its steps and what is needed."""

from __future__ import annotations

from kiosk.cli import main
from tests.gui.conftest import tap, tap_service
from tests.gui.test_apply_journey import fill_form, start_birth, through_materials


def test_a_case_applied_for_here_is_followed_by_card(qtbot, window, ctx, capsys):
    start_birth(qtbot, window, ctx)
    for _ in range(3):
        tap(window, window.screen("apply_condition").yes)
    fill_form(qtbot, window)
    tap(window, window.screen("apply_form").next)
    through_materials(window)
    tap(window, window.screen("apply_review").submit)
    done = window.screen("apply_done")
    qtbot.waitUntil(lambda: window.current is done and done.done.isEnabled(), timeout=15000)
    case = window.nav.flows["apply"].case.case_number
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: len(store.records("case")) == 1, timeout=20000)
    tap(window, done.done)
    tap(window, window.screen("apply_rating").done)  # no rating: the visit ends
    db = str(store.root / "platform.sqlite3")
    for state, note in (("accepted", ""), ("correction", "结婚证复印件")):
        argv = ["platform", "case", "advance", case, state, "--db", db]
        assert main([*argv, "--note", note] if note else argv) == 0
    ctx.sim.place_card("resident")  # the same citizen comes back
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap_service(window, "progress")
    listing = window.screen("progress_list")
    qtbot.waitUntil(lambda: listing.tile(case) is not None, timeout=10000)
    assert listing.tile(case).sub.text().startswith("需要补正")
    tap(window, listing.tile(case))
    detail = window.screen("progress_case")
    assert window.current is detail
    assert detail.state.text() == "需要补正" and "结婚证复印件" in detail.next.text()
    assert [line.split()[-1] for line in detail.steps.text().splitlines()] == [
        "已提交", "已受理", "需要补正：结婚证复印件"]


def test_someone_with_no_case_is_told_so_and_where_else_to_look(qtbot, window, ctx):
    ctx.sim.place_card("resident_long_term")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap_service(window, "progress")
    listing = window.screen("progress_list")
    qtbot.waitUntil(lambda: listing.error.isVisible(), timeout=10000)
    assert "没有查到您的申请" in listing.error.text()
