"""缴费 on the kiosk, by real taps: 城乡居民医保 by ID card → order → simulated payment →
缴费凭证 printed with the right amount (read back: the 大写 text, the verify QR); the same
after the kiosk is killed once paid (reprinted from 缴费记录, one payment); 水费 by account
number on the digit pad; cancel; an expired QR; double taps on 支付 and 取消."""

from __future__ import annotations

import zxingcpp
from PIL import Image
from PySide6.QtWidgets import QLabel

from central.payments import PaymentBook
from kiosk.config import parse_config
from kiosk.context import KioskContext
from kiosk.payment import shown_order
from tests.gui.conftest import FakeClock, all_texts, tap
from tests.gui.test_guide_journey import read_qr


def identify(qtbot, ctx, sample: str = "resident") -> None:
    ctx.sim.place_card(sample)
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)


def valid_id(ctx) -> str:
    from sim.id_samples import SAMPLE_CARDS

    return SAMPLE_CARDS["resident"].id_number


def book(ctx) -> PaymentBook:
    return PaymentBook.beside(ctx.link.server.store.root)


def wait_qr(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.nav.flows["payment"].phase == "waiting", timeout=15000)


def poll_once(qtbot, window, outcome_in: tuple[str, ...]) -> None:
    """Time passes on the kiosk's clock until the flow's next poll sees the order."""
    qr = window.screen("pay_qr")
    for _ in range(20):
        window.clock.advance(2.1)
        window._tick()
        try:
            qtbot.waitUntil(lambda: qr.outcome in outcome_in, timeout=500)
            return
        except AssertionError:
            continue
    raise AssertionError(f"outcome {qr.outcome!r}, not one of {outcome_in}")


def to_medical_qr(qtbot, window, ctx) -> None:
    identify(qtbot, ctx)
    tap(window, window.screen("home").tiles["payment"])
    assert window.current is window.screen("pay_start")
    tap(window, window.screen("pay_start").tile("medical"))
    bill = window.screen("pay_bill")
    assert window.current is bill
    qtbot.waitUntil(lambda: bill.state == "bill", timeout=10000)
    assert bill.amount.text() == "¥400.00"
    assert bill.upper.text() == "大写：肆佰元整"
    assert "城乡居民基本医疗保险" in bill.facts["item"].text()
    tap(window, bill.pay_btn)
    assert window.current is window.screen("pay_qr")
    wait_qr(qtbot, window)


def printed_text(ctx) -> str:
    """The text of the last job the virtual printer took (its ESC/POS bytes, GB18030)."""
    return bytes(ctx.sim.printer.received).decode("gb18030", errors="replace")


def test_medical_insurance_paid_by_qr_prints_a_receipt_with_the_amount(qtbot, window, ctx):
    to_medical_qr(qtbot, window, ctx)
    qr = window.screen("pay_qr")
    order = window.nav.flows["payment"].order
    assert qr.amount.text() == "¥400.00" and qr.upper.text() == "大写：肆佰元整"
    assert read_qr(qr.qr.pixmap().toImage()) == [order.pay_url]
    assert qr.countdown.text() == "二维码 3:00 后失效"
    assert shown_order() == order.order_no
    b = book(ctx)
    b.pay(order.order_no)  # the citizen pays on the phone (the simulated channel)
    poll_once(qtbot, window, ("printing", "printed"))
    qtbot.waitUntil(lambda: qr.outcome == "printed", timeout=15000)
    assert qr.msg_title.text() == "缴费成功"
    qtbot.waitUntil(lambda: len(ctx.sim.printer.pages) == 1, timeout=5000)
    codes = zxingcpp.read_barcodes(Image.open(ctx.sim.printer.pages[0]))
    assert [c.text for c in codes] == [order.verify_url]
    text = printed_text(ctx)
    assert "缴费凭证" in text and order.order_no in text and "补打" not in text
    assert "￥400.00" in text and "肆佰元整" in text and "王*明" in text
    assert "王小明" not in text and valid_id(ctx) not in text
    paid = [o for o in b.orders() if o["status"] == "paid"]
    assert [o["order_no"] for o in paid] == [order.order_no] and paid[0]["amount_cents"] == 40000
    b.close()
    assert "1101" not in " ".join(all_texts(window)).replace(order.order_no, "")


def test_paid_then_walked_away_and_the_kiosk_killed_the_receipt_is_reprinted_once_paid(
        qtbot, tmp_path):
    """The citizen pays and leaves before the kiosk sees it; the kiosk is then killed. A
    new kiosk on the same data finds the payment settled: 缴费记录 → 重新打印 (补打), and
    the bill says paid: one payment."""
    from kiosk.qt_main import create_window

    config = parse_config(f'[data]\ndir = "{tmp_path.as_posix()}"\n')
    ctx = KioskContext.build(config)
    ctx.start()
    ctx.devices.wait_first_status(5)
    window = create_window(config, ctx, FakeClock())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: all(w.status.state == "ready"
                                for w in ctx.devices.workers.values()), timeout=5000)
    to_medical_qr(qtbot, window, ctx)
    order = window.nav.flows["payment"].order
    b = book(ctx)
    b.pay(order.order_no)  # paid on the phone...
    b.close()
    tap(window, window.footer.home_btn)  # ...and gone before the kiosk's next poll
    assert window.current is window.screen("home")
    qtbot.wait(500)  # the order is closed in the background: paid stays paid
    assert ctx.sim.printer.pages == []
    window.allow_close()
    window.close()  # the kiosk is killed
    ctx.stop()

    ctx = KioskContext.build(config)  # and started again on the same data
    ctx.start()
    ctx.devices.wait_first_status(5)
    window = create_window(config, ctx, FakeClock())
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: all(w.status.state == "ready"
                                    for w in ctx.devices.workers.values()), timeout=5000)
        b = book(ctx)
        assert [(o["order_no"], o["status"]) for o in b.orders()] == [(order.order_no, "paid")]
        tap(window, window.screen("home").tiles["payment"])
        tap(window, window.screen("pay_start").tile("records"))
        assert window.current is window.screen("card_prompt")  # 缴费记录 needs the ID card
        identify(qtbot, ctx)
        records = window.screen("pay_records")
        qtbot.waitUntil(lambda: window.current is records and records.state == "list",
                        timeout=10000)
        assert [o.order_no for o in records.orders] == [order.order_no]
        tap(window, records.button_for(order.order_no))
        qtbot.waitUntil(lambda: records.print_state == (order.order_no, "printed"),
                        timeout=15000)
        assert "补打" in records.status.text()
        text = printed_text(ctx)
        assert "（补打）" in text and "肆佰元整" in text and order.order_no in text
        codes = zxingcpp.read_barcodes(Image.open(ctx.sim.printer.pages[0]))
        assert [c.text for c in codes] == [order.verify_url]
        # The bill knows it is paid: nothing to pay twice.
        tap(window, window.footer.back_btn)
        assert window.current is window.screen("home")
        tap(window, window.screen("home").tiles["payment"])
        tap(window, window.screen("pay_start").tile("medical"))
        bill = window.screen("pay_bill")
        qtbot.waitUntil(lambda: bill.state == "bill", timeout=10000)
        assert bill.bill.paid and not bill.pay_btn.isVisible()
        assert bill.message.text().startswith("您 ") and "已经缴纳" in bill.message.text()
        assert len([o for o in b.orders() if o["status"] == "paid"]) == 1
        b.close()
    finally:
        window.allow_close()
        window.close()
        ctx.stop()


def test_water_by_account_on_the_digit_pad_then_cancelled(qtbot, window, ctx):
    tap(window, window.screen("home").tiles["payment"])  # no card needed
    tap(window, window.screen("pay_start").tile("water"))
    account = window.screen("pay_account")
    assert window.current is account and account.title.text() == "请输入水费户号"
    assert not account.query_btn.isEnabled()
    for k in "0123456":
        tap(window, account.keys[k])
    assert account.display.text() == "0123 456"
    tap(window, account.query_btn)
    qtbot.waitUntil(lambda: account.error.isVisible(), timeout=10000)
    assert account.error.text().startswith("没有查到这个户号")
    tap(window, account.keys["clear"])
    for k in "3301001234567":
        tap(window, account.keys[k])
    tap(window, account.keys["delete"])
    assert account.digits == "330100123456"
    tap(window, account.query_btn)
    bill = window.screen("pay_bill")
    qtbot.waitUntil(lambda: window.current is bill, timeout=10000)
    owner = bill.facts["owner"].text()
    assert owner.startswith("户名：") and owner.count("*") == 1  # masked: 李*华
    assert bill.facts["account"].text() == "户号：330100123456"
    due = bill.bill.amount_cents
    assert bill.amount.text() == f"¥{due // 100}.{due % 100:02d}"
    tap(window, bill.pay_btn)
    wait_qr(qtbot, window)
    qr = window.screen("pay_qr")
    order = window.nav.flows["payment"].order
    calls = []
    desk = window.nav.flows["payment"].desk
    real_cancel = desk.cancel
    desk.cancel = lambda o: calls.append(o.order_no) or real_cancel(o)  # type: ignore[method-assign]
    point = qr.cancel_btn.mapTo(window, qr.cancel_btn.rect().center())
    tap(window, qr.cancel_btn)
    from tests.gui.conftest import tap_at
    tap_at(window, point, after=0.15)  # the second half of a double tap
    qtbot.waitUntil(lambda: qr.outcome == "cancelled", timeout=10000)
    assert calls == [order.order_no]  # one cancel, not two
    assert qr.msg_title.text() == "已取消支付" and "没有扣款" in qr.msg_text.text()
    b = book(ctx)
    assert [(o["order_no"], o["status"]) for o in b.orders()] == [(order.order_no, "closed")]
    b.close()
    assert ctx.sim.printer.pages == []
    tap(window, qr.done_btn)
    assert window.current is window.screen("home")


def test_a_double_tap_on_pay_makes_one_order(qtbot, window, ctx):
    identify(qtbot, ctx)
    tap(window, window.screen("home").tiles["payment"])
    tap(window, window.screen("pay_start").tile("pension"))
    bill = window.screen("pay_bill")
    qtbot.waitUntil(lambda: bill.state == "bill", timeout=10000)
    assert not bill.pay_btn.isEnabled()  # a grade first
    tap(window, bill.grade_buttons["g2"])
    assert bill.pay_btn.text() == "扫码支付 ¥300.00" and bill.upper.text() == "大写：叁佰元整"
    from tests.gui.conftest import tap_at
    point = bill.pay_btn.mapTo(window, bill.pay_btn.rect().center())
    tap(window, bill.pay_btn)
    tap_at(window, point, after=0.12)
    wait_qr(qtbot, window)
    qtbot.wait(300)
    b = book(ctx)
    orders = b.orders()
    b.close()
    assert len(orders) == 1 and orders[0]["amount_cents"] == 30000
    assert window.screen("pay_qr").amount.text() == "¥300.00"


def test_an_expired_qr_closes_the_order_and_a_new_one_can_be_made(qtbot, window, ctx):
    to_medical_qr(qtbot, window, ctx)
    qr = window.screen("pay_qr")
    first = window.nav.flows["payment"].order
    window.clock.advance(181)  # nobody paid while the code was valid
    window._tick()
    qtbot.waitUntil(lambda: qr.outcome == "expired", timeout=10000)
    assert qr.msg_title.text() == "二维码已过期" and "没有扣款" in qr.msg_text.text()
    b = book(ctx)
    assert [o["status"] for o in b.orders()] == ["closed"]
    tap(window, qr.retry_btn)
    wait_qr(qtbot, window)
    second = window.nav.flows["payment"].order
    assert second.order_no != first.order_no and qr.showing_qr
    b.pay(second.order_no)
    poll_once(qtbot, window, ("printing", "printed"))
    qtbot.waitUntil(lambda: qr.outcome == "printed", timeout=15000)
    assert [o["status"] for o in b.orders()] == ["closed", "paid"]
    b.close()


def test_a_payment_the_platform_never_confirms_is_never_called_success(qtbot, window, ctx):
    to_medical_qr(qtbot, window, ctx)
    qr = window.screen("pay_qr")
    ctx.network.set_up(False)  # the link goes: nobody can say whether it was paid
    window.clock.advance(181)
    window._tick()
    qtbot.waitUntil(lambda: qr.outcome == "unconfirmed", timeout=30000)
    assert qr.msg_title.text() == "暂时无法确认缴费结果"
    assert "不能算作缴费成功" in qr.msg_text.text() and "不要重复付款" in qr.msg_text.text()
    shown = [w.text() for w in window.findChildren(QLabel) if w.isVisible()]
    assert "缴费成功" not in shown and qr.outcome != "printed"
    assert ctx.sim.printer.pages == []
    ctx.network.set_up(True)
