"""The first slice end to end: card → greeting → 取号 → category → printed ticket."""

from __future__ import annotations

import zxingcpp
from PIL import Image

from kiosk.flows.queue import THANKS_SECONDS
from sim.id_samples import SAMPLE_CARDS
from tests.gui.conftest import all_texts, answer_elder_offer, tap

RESIDENT = SAMPLE_CARDS["resident"]  # 王小明


def place_card_and_wait_greeting(qtbot, window, ctx, sample="resident"):
    ctx.sim.place_card(sample)
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)


def take_ticket(qtbot, window, prefix="A"):
    tap(window, window.screen("home").tiles["queue"])
    assert window.current is window.screen("category")
    tile = next(t for t in window.screen("category").tiles if t.property("prefix") == prefix)
    tap(window, tile)
    assert window.current is window.screen("ticket")
    qtbot.waitUntil(lambda: window.screen("ticket").view is not None, timeout=10000)
    return window.screen("ticket").view


def test_card_greets_with_masked_name_and_ticket_prints(qtbot, window, ctx):
    place_card_and_wait_greeting(qtbot, window, ctx)
    assert window.screen("home").title.text().startswith("王*明，您好")
    assert not any(RESIDENT.name in t for t in all_texts(window))

    view = take_ticket(qtbot, window, "A")
    assert view.printed and view.number == "A001"
    assert "社保医保" in window.screen("ticket").detail.text()
    assert window.screen("ticket").number.text() == "A001"
    # The visit ends with the ticket: nothing of the citizen is left anywhere.
    assert not ctx.sessions.current.has_personal_data
    texts = " ".join(all_texts(window))
    assert "王" not in texts and RESIDENT.id_number not in texts

    # The virtual printer received the real ESC/POS bytes and drew the ticket.
    printer = ctx.sim.printer
    qtbot.waitUntil(lambda: len(printer.pages) == 1, timeout=5000)
    img = Image.open(printer.pages[0])
    assert printer.pages[0].parent == ctx.config.data_dir / "printer"
    codes = zxingcpp.read_barcodes(img)
    assert [c.text for c in codes] == [
        ctx.config.queue.follow_url.format(
            terminal="SIM-0001", date=view and _today(), number="A001")
    ]


def _today() -> str:
    from datetime import date

    return date.today().isoformat()


def test_tapping_queue_first_asks_for_the_card_then_continues(qtbot, window, ctx):
    tap(window, window.screen("home").tiles["queue"])
    assert window.current is window.screen("card_prompt")
    # The default kiosk has a 社保卡 reader too: the prompt names both cards.
    assert window.screen("card_prompt").title.text() == "请使用身份证或社保卡"
    ctx.sim.place_card("hmt_residence")
    qtbot.waitUntil(lambda: window.current is window.screen("category"), timeout=5000)
    assert window.screen("home").title.text().startswith("陈*豪")


def test_second_ticket_counts_the_first_as_waiting(qtbot, window, ctx):
    place_card_and_wait_greeting(qtbot, window, ctx)
    take_ticket(qtbot, window, "B")
    tap(window, window.screen("ticket").done)
    assert window.screen("ticket").question.text() == "您对本次自助服务满意吗？"
    assert window.screen("ticket").skip.text().startswith("跳过")
    tap(window, window.screen("ticket").skip)  # no rating: fine
    assert window.current is window.screen("home")
    ctx.sim.remove_card()
    qtbot.waitUntil(lambda: not ctx.sim.sam.card_present, timeout=2000)
    ctx.sim.place_card("resident_long_term")  # born 1949: asked about 大字模式 first
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    answer_elder_offer(qtbot, window)
    view = take_ticket(qtbot, window, "B")
    assert view.number == "B002" and view.waiting == 1
    assert "前面还有 1 人" in window.screen("ticket").detail.text()


def test_paper_out_shows_the_number_and_what_to_do(qtbot, window, ctx):
    ctx.sim.printer.set_paper("out")
    qtbot.waitUntil(lambda: "缺纸" in window.header.indicators["printer"].text(), timeout=5000)
    place_card_and_wait_greeting(qtbot, window, ctx)
    view = take_ticket(qtbot, window, "A")
    assert not view.printed and view.error_code == "printer.paper_out"
    assert window.screen("ticket").number.text() == "A001"
    assert "打印机缺纸" in window.screen("ticket").error.text()
    assert "请记住您的号码" in window.screen("ticket").instructions.text()
    assert "printer.paper_out" in window.screen("ticket").code.text()
    assert ctx.sim.printer.pages == []


def test_expired_card_is_refused_with_a_plain_message(qtbot, window, ctx):
    ctx.sim.place_card("expired_resident")
    qtbot.waitUntil(lambda: window.current is window.screen("card_prompt"), timeout=5000)
    assert "已过期" in window.screen("card_prompt").error.text()
    assert ctx.sessions.current.identity is None


def test_reader_unplugged_and_back_is_shown_in_the_header(qtbot, window, ctx):
    ind = window.header.indicators["idcard"]
    ctx.sim.sam.unplug()
    qtbot.waitUntil(lambda: ind.text() == "✕ 读卡器 未连接", timeout=5000)
    ctx.sim.sam.plug()
    qtbot.waitUntil(lambda: ind.text() == "● 读卡器", timeout=8000)
    place_card_and_wait_greeting(qtbot, window, ctx)


def test_nothing_personal_reaches_the_logs(qtbot, window, ctx, caplog):
    """Even before the masking filter, no code path logs a name or an ID number."""
    caplog.set_level("DEBUG")
    for sample in ("resident", "foreign_permanent_2017", "hmt_residence"):
        ctx.sim.place_card(sample)
        qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
        take_ticket(qtbot, window, "F")
        tap(window, window.screen("ticket").done)
    assert "session" in caplog.text and "ticket F003 printed" in caplog.text
    for sample in ("resident", "foreign_permanent_2017", "hmt_residence"):
        card = SAMPLE_CARDS[sample]
        for secret in filter(None, (card.name, card.name_en, card.id_number, card.address)):
            assert secret not in caplog.text, f"{sample}: personal data in the log"


def test_the_rating_after_the_ticket_reaches_the_platform_without_saying_who(
        qtbot, window, ctx):
    place_card_and_wait_greeting(qtbot, window, ctx)
    take_ticket(qtbot, window, "C")
    tap(window, window.screen("ticket").done)
    scores = window.screen("ticket").scores
    assert [scores[n].text() for n in (5, 4, 3, 2, 1)] == [
        "非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    tap(window, scores[4])
    assert window.screen("ticket").question.text() == "感谢您的评价！"
    assert not any(b.isVisible() for b in scores.values())  # one rating per ticket
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: len(store.records("evaluation")) == 1, timeout=10000)
    (rating,) = store.records("evaluation")
    assert rating["body"]["score"] == 4 and rating["body"]["service"] == "queue:C"
    assert RESIDENT.id_number not in str(rating) and RESIDENT.name not in str(rating)
    window.clock.advance(THANKS_SECONDS)
    qtbot.waitUntil(lambda: window.current is window.screen("home"), timeout=2000)  # by itself
