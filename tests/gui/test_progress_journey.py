"""进度查询 by real taps: a case applied for at the kiosk, moved along on the platform
(kiosk platform case advance) to 补正 with a note, then found by the same ID card with its
state, its steps and what is needed; 补交材料 photographed under the camera reaches the case;
offline the last known state with its age; the receipt's QR under the camera opens its
case."""

from __future__ import annotations

import time
from datetime import date, datetime

import cv2
import numpy as np
import zxingcpp
from PIL import Image

from central.cases import CaseBook
from drivers.escpos.render import render_escpos
from kiosk.cli import main
from kiosk.flows.progress import PROGRESS_URL
from offline_cache.outbox import Kind
from printer_templates.acceptance_receipt import AcceptanceReceipt, render_acceptance_receipt
from sim.id_samples import SAMPLE_CARDS
from sim.paper import show_picture
from tests.gui.conftest import answer_elder_offer, tap, tap_service
from tests.gui.test_apply_journey import fill_form, start_birth, through_materials


def test_a_case_applied_for_here_is_followed_by_card(qtbot, window, ctx, capsys):
    """新生儿出生一件事 from the first tap to 办结: applied for here, 补正, 补交, 办结."""
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
    supplied_after_correction_then_done(qtbot, window, ctx, case, "结婚证复印件")


def test_someone_with_no_case_is_told_so_and_where_else_to_look(qtbot, window, ctx):
    ctx.sim.place_card("resident_long_term")  # born 1949: asked about 大字模式 first
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    answer_elder_offer(qtbot, window)
    tap_service(window, "progress")
    listing = window.screen("progress_list")
    qtbot.waitUntil(lambda: listing.error.isVisible(), timeout=10000)
    assert "没有查到您的申请" in listing.error.text()


# --- 补正 → 补交材料, offline, and the receipt's QR --------------------------------------

ID = SAMPLE_CARDS["resident"].id_number


def platform_case(qtbot, ctx, case: str = "T-0001-20261204-QX12AB", id_number: str = ID) -> str:
    """A case of the resident's (or of ``id_number``'s), in the kiosk's outbox and synced to
    the platform (as an application at this kiosk would leave it)."""
    form = {"case_number": case, "entry_name": "新生儿出生一件事",
            "applicant": {"id_number": id_number, "name": "王小明"},
            "submitted_at": "2026-12-04T10:00:00+08:00", "promised_by": "2026-12-11"}
    uuid = ctx.outbox.create_case("apply:birth", form)
    ctx.outbox.finalize(uuid)
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: any(r["id"] == uuid for r in store.records("case")), timeout=20000)
    return case


def advance(ctx, case: str, *args: str) -> None:
    db = str(ctx.link.server.store.root / "platform.sqlite3")
    assert main(["platform", "case", "advance", case, *args, "--db", db]) == 0


def open_progress(qtbot, window, ctx, case: str):
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap_service(window, "progress")
    listing = window.screen("progress_list")
    qtbot.waitUntil(lambda: listing.tile(case) is not None, timeout=10000)
    return listing


def photograph(qtbot, window, ctx, papers: tuple[str, ...]) -> None:
    capture = window.screen("progress_capture")
    assert window.current is capture
    qtbot.waitUntil(lambda: capture.camera_ready, timeout=5000)
    for n, paper in enumerate(papers, 1):
        ctx.sim.camera.place(paper)  # laid still: taken by itself
        qtbot.waitUntil(lambda n=n: len(capture.pages) == n, timeout=20000)
    tap(window, capture.finish)


def supplied_after_correction_then_done(qtbot, window, ctx, case: str, material: str,
                                        note: str = "户籍信息需核实") -> None:
    """The rest of a case's life, once it is on the platform: 已受理, then 补正 asking for
    ``material``; the resident comes back with the same card, finds it by 进度查询, takes
    补交材料 under the camera (two pages: one PDF, on the platform byte for byte, a slip
    whose QR follows the case); the platform reviews it again, then 办结, and the kiosk
    shows every step."""
    ctx.sim.camera.remove()  # the test lays the pages, not the demo citizen
    advance(ctx, case, "accepted")
    advance(ctx, case, "correction", "--note", note, "--material", material,
            "--due", "2026-12-20")
    listing = open_progress(qtbot, window, ctx, case)
    assert listing.tile(case).sub.text().startswith("需要补正")
    tap(window, listing.tile(case))
    detail = window.screen("progress_case")
    assert window.current is detail and detail.state.text() == "需要补正"
    assert detail.next.text() == f"需补正：{material}，请于2026年12月20日前补交"
    tap(window, detail.supply)
    assert material in window.screen("progress_capture").title.text()
    photograph(qtbot, window, ctx, ("letter", "form"))  # two pages: one PDF
    assert window.current is detail
    qtbot.waitUntil(lambda: detail.receipt.text() == "请取走补交回执。", timeout=20000)
    assert detail.state.text() == "已提交补交材料" and not detail.supply.isVisible()
    assert "请等待审查" in detail.supplied.text()
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: len(store.records("supplement")) == 1, timeout=30000)
    (sent,) = store.records("supplement")
    assert sent["body"]["case_number"] == case and sent["body"]["material"] == material
    assert sent["body"]["pages"] == 2
    (local,) = [r for r in ctx.outbox.records() if r.kind is Kind.SUPPLEMENT]
    (att,) = ctx.outbox.attachments(local.uuid)
    pdf = ctx.outbox.read_blob(local.uuid, att.sha256)
    assert pdf.startswith(b"%PDF") and store.read_blob(att.sha256) == pdf
    slip = ctx.sim.printer.pages[-1]  # the 补交回执: its QR follows the case
    assert [c.text for c in zxingcpp.read_barcodes(Image.open(slip))] == [
        PROGRESS_URL.format(case=case)]
    book = CaseBook.beside(store.root)  # the platform moved the case back to 审查中
    qtbot.waitUntil(lambda: book.steps(case)[-1]["state"] == "reviewing", timeout=5000)
    book.close()
    advance(ctx, case, "done")
    tap(window, window.footer.home_btn)
    tap_service(window, "progress")
    qtbot.waitUntil(lambda: listing.tile(case) is not None
                    and listing.tile(case).sub.text().startswith("已办结"), timeout=10000)
    tap(window, listing.tile(case))
    assert [line.split(None, 1)[1] for line in detail.steps.text().splitlines()] == [
        "已提交", "已受理", f"需要补正：{note}", f"审查中：已补交 {material}", "已办结"]
    assert detail.state.text() == "已办结" and not detail.supply.isVisible()


def test_correction_then_the_material_photographed_here_reaches_the_case(qtbot, window, ctx):
    case = platform_case(qtbot, ctx)
    supplied_after_correction_then_done(qtbot, window, ctx, case, "户口簿")


def test_offline_the_last_known_state_is_shown_with_its_age(qtbot, window, ctx):
    ctx.sim.camera.remove()
    case = platform_case(qtbot, ctx)
    advance(ctx, case, "correction", "--material", "结婚证", "--due", "2026-12-20")
    listing = open_progress(qtbot, window, ctx, case)  # online: the state is kept (sealed)
    flow = window.nav.flows["progress"]
    assert not listing.age.isVisible()
    kept = list((ctx.config.data_dir / "progress").iterdir())
    assert len(kept) == 1 and ID.encode() not in kept[0].read_bytes()
    assert "结婚证".encode() not in kept[0].read_bytes()
    ctx.sim.remove_card()
    tap(window, window.footer.home_btn)
    ctx.network.set_up(False)
    flow._memory.clock = lambda: time.time() + 3 * 3600  # the citizen comes back later
    tap_service(window, "progress")
    qtbot.waitUntil(lambda: listing.tile(case) is not None, timeout=15000)
    assert listing.age.isVisible()
    assert listing.age.text() == "以下为 3 小时前的状态，联网后可查看最新进度"
    tap(window, listing.tile(case))
    detail = window.screen("progress_case")
    assert "需补正：结婚证" in detail.next.text() and detail.age.isVisible()
    tap(window, detail.supply)  # 补交 offline: kept here, sent when the network is back
    photograph(qtbot, window, ctx, ("letter",))
    qtbot.waitUntil(lambda: "联网后自动发送" in detail.supplied.text(), timeout=20000)
    store = ctx.link.server.store
    assert store.records("supplement") == []
    ctx.network.set_up(True)
    qtbot.waitUntil(lambda: len(store.records("supplement")) == 1, timeout=30000)
    assert flow.cases  # the citizen walks away: the idle timeout ends the session
    window.clock.advance(ctx.idle_policy.timeout + ctx.idle_policy.grace + 1)
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is None, timeout=5000)
    assert flow.cases == {} and flow.waiting == {}  # nothing of the citizen is held


def test_the_receipts_qr_under_the_camera_opens_that_case(qtbot, window, ctx):
    ctx.sim.camera.remove()
    case = platform_case(qtbot, ctx, "T-0001-20261204-QR34CD")
    other = platform_case(qtbot, ctx, "T-0001-20261203-OLD999")
    someone_elses = platform_case(qtbot, ctx, "T-0001-20261204-NOTYOU", "440305199001011234")
    listing = open_progress(qtbot, window, ctx, other)
    for number in (case, someone_elses):
        receipt = AcceptanceReceipt(
            hall_name="示例市政务服务中心", terminal_id="T-0001", case_number=number,
            matter="新生儿出生一件事", applicant="王小明", accepted_at=datetime(2026, 12, 4, 10),
            promised_by=date(2026, 12, 11), progress_url=PROGRESS_URL.format(case=number))
        (paper,) = render_escpos(render_acceptance_receipt(receipt))
        show_picture(f"receipt-{number}", cv2.cvtColor(np.asarray(paper.convert("L")),
                                                       cv2.COLOR_GRAY2BGR))
    tap(window, listing.scan)
    scan = window.screen("progress_scan")
    assert window.current is scan
    ctx.sim.camera.place(f"receipt-{someone_elses}")  # a case number alone shows nothing
    qtbot.waitUntil(lambda: "没有查到这件申请" in scan.status.text(), timeout=30000)
    assert window.current is scan and scan.preview.frames_shown > 0  # the live picture
    ctx.sim.camera.place(f"receipt-{case}")
    detail = window.screen("progress_case")
    qtbot.waitUntil(lambda: window.current is detail, timeout=30000)
    assert case in detail.title.text() and detail.state.text() == "已提交"
