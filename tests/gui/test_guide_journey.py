"""办事指南 on the kiosk, by real taps: home → 个人 → 生育收养 → 新生儿出生一件事 → the guide →
打印告知单, the printed QR read back; 扫码带走; the catalog's age when the platform is away."""

from __future__ import annotations

import json
import time

import zxingcpp
from PIL import Image
from PySide6.QtGui import QImage

from tests.gui.conftest import tap


def open_guide(qtbot, window):
    tap(window, window.screen("home").tiles["guide"])
    assert window.current is window.screen("guide_start")
    qtbot.waitUntil(lambda: window.screen("guide_start").tile("person") is not None, timeout=10000)


def to_birth_bundle(qtbot, window):
    open_guide(qtbot, window)
    assert window.screen("guide_start").title.text() == "您想查询哪一类事项？"
    tap(window, window.screen("guide_start").tile("person"))
    assert window.current is window.screen("guide_topics")
    assert window.screen("guide_topics").title.text() == "个人：请选择主题"
    tap(window, window.screen("guide_topics").tile("birth-adoption"))
    assert window.current is window.screen("guide_items")
    tap(window, window.screen("guide_items").tile("birth"))
    assert window.current is window.screen("guide_page")


def read_qr(img: QImage) -> list[str]:
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    pil = Image.frombuffer("RGB", (img.width(), img.height()), bytes(img.constBits()),
                           "raw", "RGB", img.bytesPerLine())
    return [c.text for c in zxingcpp.read_barcodes(pil)]


def test_birth_bundle_guide_prints_a_notice_whose_qr_is_the_guide_url(qtbot, window, ctx):
    to_birth_bundle(qtbot, window)
    page = window.screen("guide_page")
    entry = window.nav.flows["guide"].guide.entry("birth")
    assert page.title.text() == "新生儿出生一件事"
    # What a citizen needs first: where, what to bring (原件/复印件 and how many), how
    # long, what it costs, where and when.
    assert page.where.text().startswith("✓ 本机可办")
    shown = [m.text() for m in page.material_labels if m.isVisible()]
    assert shown[0].startswith("1. 父母双方居民身份证") and "原件 · 1 份" in shown[0]
    assert len(shown) == len(entry.materials)
    assert page.facts["time_limit"].text().startswith("办理时限：5个工作日")
    assert page.facts["fee"].text() == "费用：不收费"
    assert page.facts["location"].text().startswith("办理地点：滨江区政务服务中心")
    assert page.apply_btn.isVisible() and page.apply_btn.text() == "在本机办理"

    tap(window, page.print_btn)
    assert page.status.text() == "正在打印告知单，请稍候……"
    assert not page.print_btn.isEnabled()  # one notice per tap
    qtbot.waitUntil(lambda: page.print_state == "printed", timeout=15000)
    assert page.status.text() == "已打印，请从下方出纸口取走告知单。"
    assert page.print_btn.isEnabled()

    printer = ctx.sim.printer
    qtbot.waitUntil(lambda: len(printer.pages) == 1, timeout=5000)
    codes = zxingcpp.read_barcodes(Image.open(printer.pages[0]))
    assert [c.text for c in codes] == [entry.guide_url]


def test_take_away_as_qr_shows_the_guide_url(qtbot, window, ctx):
    to_birth_bundle(qtbot, window)
    tap(window, window.screen("guide_page").qr_btn)
    assert window.current is window.screen("guide_qr")
    assert window.screen("guide_qr").title.text() == "用手机扫一扫，把办事指南带走"
    url = window.nav.flows["guide"].guide.entry("birth").guide_url
    assert read_qr(window.screen("guide_qr").qr.pixmap().toImage()) == [url]
    tap(window, window.footer.back_btn)
    assert window.current is window.screen("guide_page")


def test_more_details_one_tap_away_in_pages(qtbot, window, ctx):
    to_birth_bundle(qtbot, window)
    tap(window, window.screen("guide_page").more_btn)
    more = window.screen("guide_more")
    assert window.current is more
    texts = [b.text() for b in more.blocks]
    assert texts[0] == "受理条件" and "办理流程" in texts
    seen = list(texts)
    while more.pager.next.isVisible() and more.pager.next.isEnabled():
        tap(window, more.pager.next)
        seen += [b.text() for b in more.blocks]
    assert "包含事项" in seen and "其他信息" in seen


def test_paper_out_says_what_to_do_instead(qtbot, window, ctx):
    ctx.sim.printer.set_paper("out")
    qtbot.waitUntil(lambda: "缺纸" in window.header.indicators["printer"].text(), timeout=5000)
    to_birth_bundle(qtbot, window)
    page = window.screen("guide_page")
    tap(window, page.print_btn)
    qtbot.waitUntil(lambda: page.print_state not in ("", "printing"), timeout=15000)
    assert page.print_state == "printer.paper_out"
    assert page.status.text().startswith("打印机缺纸，暂时无法打印告知单。")
    assert "扫码带走" in page.status.text() and "咨询台" in page.status.text()
    assert "printer.paper_out" in page.code.text()
    assert ctx.sim.printer.pages == []


def test_a_single_item_and_the_way_back(qtbot, window, ctx):
    open_guide(qtbot, window)
    tap(window, window.screen("guide_start").tile("person"))
    tap(window, window.screen("guide_topics").tile("birth-adoption"))
    tap(window, window.screen("guide_items").tile("birth-medical-certificate"))
    assert window.screen("guide_page").title.text() == "出生医学证明签发"
    assert window.screen("guide_page").where.text().startswith("需到窗口办理")
    tap(window, window.footer.back_btn)
    assert window.current is window.screen("guide_items")
    tap(window, window.footer.back_btn)
    tap(window, window.footer.back_btn)
    assert window.current is window.screen("guide_start")


def test_by_department(qtbot, window, ctx):
    open_guide(qtbot, window)
    tap(window, window.screen("guide_start").tile("department"))
    assert window.current is window.screen("guide_depts")
    dept = window.screen("guide_depts").grid.tiles[0]
    tap(window, dept)
    assert window.current is window.screen("guide_items")
    assert window.screen("guide_items").grid.tiles


def test_english_and_elder_mode_on_the_guide_page(qtbot, window, ctx):
    to_birth_bundle(qtbot, window)
    tap(window, window.footer.lang_btn)
    page = window.screen("guide_page")
    assert page.title.text() == "Birth of a child (one application)"
    assert page.print_btn.text() == "Print"
    assert page.facts["time_limit"].text() == "Time needed: 5 working days"
    tap(window, window.footer.elder_btn)
    # Elder mode: one part at a time, each named on a big tab (no scrolling).
    assert [t.text() for t in page.tabs] == ["Bring 1–3", "Bring 4–5", "Time, place"]
    assert page.tabs[0].isChecked() and not page.facts["fee"].isVisible()
    shown = [m for m in page.material_labels if m.isVisible()]
    assert len(shown) == 3 and not page.more_materials.isVisible()
    tap(window, page.tabs[1])
    assert [m for m in page.material_labels if m.isVisible()][0].text().startswith("4. ")
    tap(window, page.tabs[2])
    assert page.facts["fee"].text() == "Cost: Free"
    assert not page.material_labels[0].isVisible()
    # Printing takes the part's place, with the printer's slot drawn; a tab brings it back.
    tap(window, page.print_btn)
    assert page.status_panel.isVisible() and not page.right.isVisible()
    assert page.status_big.text() == "Printing the guide, please wait…"
    qtbot.waitUntil(lambda: page.print_state == "printed", timeout=15000)
    assert page.status_big.text().startswith("Printed.")
    tap(window, page.tabs[0])
    assert not page.status_panel.isVisible() and page.material_labels[0].isVisible()


def test_catalog_age_is_said_when_the_platform_is_away(qtbot, window, ctx):
    open_guide(qtbot, window)
    assert not window.screen("guide_start").freshness.isVisible()  # current: nothing to say
    tap(window, window.footer.home_btn)
    # The copy on disk was last confirmed three days ago, and now the network is cut.
    path = window.nav.flows["guide"].guide.cache.path
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["checked_at"] = time.time() - 3 * 86400 - 60
    path.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    window.nav.flows["guide"].guide.load()
    ctx.network.set_up(False)
    open_guide(qtbot, window)
    assert window.screen("guide_start").freshness.text() == "目录更新于 3 天前"
    tap(window, window.screen("guide_start").tile("person"))
    assert window.screen("guide_topics").tile("retirement") is None  # 退休 is on the next page
    tap(window, window.screen("guide_topics").grid.pager.next)
    tap(window, window.screen("guide_topics").tile("retirement"))
    tap(window, window.screen("guide_items").tile("retirement"))
    assert window.screen("guide_page").freshness.text() == "目录更新于 3 天前"


def test_apply_here_from_the_guide_asks_for_the_card_then_its_conditions(qtbot, window, ctx):
    to_birth_bundle(qtbot, window)
    tap(window, window.screen("guide_page").apply_btn)
    assert window.current is window.screen("card_prompt")  # applying needs the ID card
    ctx.sim.place_card("resident")
    who = window.screen("apply_who")  # for oneself, or 帮代办 for someone else
    qtbot.waitUntil(lambda: window.current is who, timeout=5000)
    tap(window, who.tile("self"))
    condition = window.screen("apply_condition")
    assert window.current is condition
    assert condition.title.text() == "请确认受理条件（第 1 条，共 3 条）"
    assert condition.condition.text() == window.nav.flows["apply"].app.entry.conditions[0]


def test_an_item_only_a_window_takes_has_no_apply_button(qtbot, window, ctx):
    open_guide(qtbot, window)
    flow = window.nav.flows["guide"]
    window_only = next(e for e in flow.guide.cached.catalog.entries() if not e.terminal)
    flow.open_entry(window_only.id)
    page = window.screen("guide_page")
    assert page.where.text().startswith("需到窗口办理") and not page.apply_btn.isVisible()
