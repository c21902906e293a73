"""证明打印 by real taps: card → 社保参保缴费证明 for 子女入学 → preview → printed on the simulated
IPP printer page by page → the PDF says who, what for and until when → the verify code
resolves at the platform; paper out after page 2 of 3 → refill → only page 3 again; offline,
the service says so and offers the online service's QR."""

from __future__ import annotations

import subprocess

import requests
import zxingcpp
from PIL import Image

from tests.gui.conftest import all_texts, tap, tap_at, tap_service
from tests.gui.test_guide_journey import read_qr


def to_preview(qtbot, window, ctx, months: str = "12"):
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap_service(window, "certificate")
    listing = window.screen("cert_list")
    assert window.current is listing
    qtbot.waitUntil(lambda: listing.tile("social_insurance_payment") is not None,
                    timeout=10000)
    tap(window, listing.tile("social_insurance_payment"))
    tap(window, window.screen("cert_purpose").tile("school"))
    tap(window, window.screen("cert_period").tile(months))
    preview = window.screen("cert_preview")
    assert window.current is preview
    qtbot.waitUntil(lambda: preview.print_btn.isEnabled(), timeout=10000)
    return preview


def printed_text(pdf_path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_a_certificate_for_school_is_previewed_printed_and_verifiable(qtbot, window, ctx):
    preview = to_preview(qtbot, window, ctx)
    name = ctx.sessions.current.identity.name
    cert = window.nav.flows["certificate"].cert
    assert "子女入学" in preview.info.text() and "免费" in preview.info.text()
    assert preview.page_label.text() == f"第 1 页 / 共 {cert.pages} 页"
    assert preview.view.pixmap() is not None and preview.view.pixmap().width() > 400
    tap(window, preview.zoom_in)  # larger, for reading at arm's length
    assert preview.view.zoom == 1
    at = preview.print_btn.mapTo(window, preview.print_btn.rect().center())
    tap(window, preview.print_btn)
    tap_at(window, at, after=0.12)  # a double tap prints nothing twice
    printing = window.screen("cert_print")
    assert window.current is printing
    qtbot.waitUntil(lambda: printing.title.text() == "打印完成", timeout=30000)
    a4 = ctx.sim.a4printer
    assert a4.printed_pages == [(f"{cert.code}-p{n}", n) for n in range(1, cert.pages + 1)]
    text = printed_text(a4.documents[0])
    assert "社会保险参保缴费证明" in text and name in text and "子女入学" in text
    assert cert.expires_on.strftime("%Y年%-m月%-d日") in text.replace(" ", "")
    # The QR on the paper and the platform agree that it is valid.
    page = subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png",
                           str(a4.documents[0])], capture_output=True, check=True).stdout
    from io import BytesIO

    codes = [c.text for c in zxingcpp.read_barcodes(Image.open(BytesIO(page)))]
    assert any(cert.code in c for c in codes)
    answer = requests.get(f"{ctx.link.server.url}/v1/verify/{cert.code}", timeout=5).json()
    assert answer["status"] == "valid" and answer["digest"] == cert.digest
    tap(window, printing.done)
    assert window.current is window.screen("home")
    assert ctx.sessions.current.identity is None  # the visit is over: nothing of it left


def test_paper_out_after_two_pages_then_only_the_third_is_printed(qtbot, window, ctx):
    preview = to_preview(qtbot, window, ctx, months="36")
    cert = window.nav.flows["certificate"].cert
    assert cert.pages == 3
    a4 = ctx.sim.a4printer
    a4.load_paper(2)
    tap(window, preview.print_btn)
    printing = window.screen("cert_print")
    qtbot.waitUntil(lambda: printing.title.text() == "打印暂停了", timeout=30000)
    assert printing.text.text() == "第 1–2 页已经打印好，请先取走。\n第 3 页还没有打印。"
    assert "缺纸" in printing.error.text()
    tap(window, window.footer.home_btn)  # the pages are the citizen's: home waits
    assert window.current is printing
    a4.set_paper(True)  # staff refill
    tap(window, printing.resume)
    qtbot.waitUntil(lambda: printing.title.text() == "打印完成", timeout=30000)
    assert a4.printed_pages == [(f"{cert.code}-p1", 1), (f"{cert.code}-p2", 2),
                                (f"{cert.code}-p3", 3)]


def test_offline_the_service_says_so_and_offers_the_online_one(qtbot, window, ctx):
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    ctx.network.set_up(False)
    tap_service(window, "certificate")
    notice = window.screen("offline")
    assert window.current is notice
    assert "这项服务需要联网" in all_texts(window)
    url = window.nav.flows["certificate"].online_url
    assert read_qr(notice.qr.pixmap().toImage()) == [url]


def test_another_card_at_the_preview_wipes_the_first_persons_certificate(qtbot, window, ctx):
    preview = to_preview(qtbot, window, ctx)
    first = ctx.sessions.current.identity.name
    ctx.sim.place_card("resident_long_term")  # someone else, before anything is printed
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None
                    and ctx.sessions.current.identity.name != first, timeout=5000)
    assert window.nav.flows["certificate"].cert is None
    assert preview.view.pages() == 0 and first not in " ".join(all_texts(window))
    assert ctx.sim.a4printer.printed_pages == []


def test_a_card_placed_while_pages_print_waits_for_the_citizen(qtbot, window, ctx):
    preview = to_preview(qtbot, window, ctx, months="36")
    first = ctx.sessions.current.identity
    ctx.sim.a4printer.load_paper(1)
    tap(window, preview.print_btn)
    printing = window.screen("cert_print")
    qtbot.waitUntil(lambda: printing.title.text() == "打印暂停了", timeout=30000)
    ctx.sim.place_card("resident_long_term")
    qtbot.wait(1500)
    assert ctx.sessions.current.identity == first  # the pages out are still this person's
    assert window.current is printing
    tap(window, printing.done)  # 不打了: the visit ends, the waiting card is read next
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None
                    and ctx.sessions.current.identity != first, timeout=5000)


def test_other_purpose_is_typed_in_pinyin_and_printed(qtbot, window, ctx):
    from tests.gui.test_guide_search import tap_key

    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap_service(window, "certificate")
    listing = window.screen("cert_list")
    qtbot.waitUntil(lambda: listing.tile("household_registration") is not None, timeout=10000)
    tap(window, listing.tile("household_registration"))
    tap(window, window.screen("cert_purpose").tile("other"))
    other = window.screen("cert_other")
    assert window.current is other and not other.ok.isEnabled()  # nothing typed yet
    qtbot.waitUntil(lambda: "q" in other.keyboard.key_items(), timeout=10000)
    tap(window, other.edit)
    for letter in "qianzheng":
        tap_key(qtbot, window, other.keyboard, letter)
    qtbot.waitUntil(lambda: "签证" in other.keyboard.candidates(), timeout=5000)
    tap_key(qtbot, window, other.keyboard, "签证", candidate=True)
    qtbot.waitUntil(lambda: other.edit.text() == "签证", timeout=5000)
    tap(window, other.ok)
    preview = window.screen("cert_preview")  # 户籍证明 takes no period: straight on
    assert window.current is preview
    qtbot.waitUntil(lambda: preview.print_btn.isEnabled(), timeout=10000)
    assert "用途：签证" in preview.info.text()
    tap(window, preview.print_btn)
    printing = window.screen("cert_print")
    qtbot.waitUntil(lambda: printing.title.text() == "打印完成", timeout=30000)
    assert "签证" in printed_text(ctx.sim.a4printer.documents[0])
