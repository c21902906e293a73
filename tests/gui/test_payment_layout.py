"""Every 缴费 screen, in every state, fits the kiosk's screen: normal and elder mode,
Chinese and English, landscape 1920×1080 and portrait 1080×1920. Nothing cut off, no
scrolling; every key of the digit pad at least 80 px each way. With ``PAYMENT_SHOTS=DIR``
each state is also saved as a PNG there, to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.i18n import translator
from kiosk.payment import Bill, Grade, Order
from tests.gui.test_layout_fits import assert_fits, open_help_and_check

SHOTS = os.environ.get("PAYMENT_SHOTS", "")


@pytest.fixture(params=["landscape", "portrait"])
def kiosk_toml(request) -> str:
    return f'[terminal]\norientation = "{request.param}"\n'


MEDICAL = Bill(kind="medical", ref="0" * 24, item="2026年度城乡居民基本医疗保险（个人缴费）",
               payee="示例市滨江区医疗保障局", amount_cents=40000, year=2026)
PENSION = Bill(kind="pension", ref="1" * 24, item="2026年度城乡居民基本养老保险",
               payee="示例市滨江区社会保险事业管理中心", amount_cents=0, year=2026,
               grades=tuple(Grade(f"g{i + 1}", f"第{n}档", c) for i, (n, c) in enumerate(
                   zip("一二三四五六", (20000, 30000, 50000, 100000, 150000, 200000),
                       strict=True))))
WATER = Bill(kind="water", ref="2" * 24, item="水费（2026年5月账单）",
             payee="示例市滨江水务有限公司", amount_cents=123456, arrears_cents=45678,
             account="33010012345678901234", owner_masked="李*华")


def order(n: int = 1) -> Order:
    return Order(order_no=f"JF2026050600{n:06d}", request_id="k", status="paid",
                 kind="pension", item="2026年度城乡居民基本养老保险",
                 payee="示例市滨江区社会保险事业管理中心",
                 amount_cents=200000, pay_url=f"https://pay.example.gov.cn/qr/JF{n}?s=3fa1c2d4",
                 verify_url="https://zwfw.example.gov.cn/pay/verify/x", expires_in=180,
                 created_at="2026-05-06T09:30:00+08:00", paid_at="2026-05-06T09:31:40+08:00",
                 payer_masked="王*明 1101**********5317", grade="第六档（2000元）")


def check(qtbot, window, ctx, what: str) -> None:
    assert_fits(qtbot, window, what)
    if SHOTS:
        mode = ("elder" if window.theme.elder else "normal")
        name = f"{ctx.config.terminal.orientation}-{mode}-{translator.language}-{what}"
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        window.grab().save(str(Path(SHOTS) / f"{name.replace(' ', '_')}.png"))


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_every_payment_screen_fits(qtbot, window, ctx, elder, language):
    translator.set_language(language)
    window.set_elder(elder)
    nav = window.nav
    nav.start("payment")
    check(qtbot, window, ctx, "start")
    open_help_and_check(qtbot, window, "payment start")
    grid = window.screen("pay_start").grid
    if grid.pages() > 1:
        grid.turn(1)
        check(qtbot, window, ctx, "start page 2")
        grid.turn(-1)

    account = window.screen("pay_account")
    account.start("electricity")
    nav.go("pay_account")
    check(qtbot, window, ctx, "account empty")
    open_help_and_check(qtbot, window, "account")
    for k in "33010012345678901234":
        account.keys[k].click()
    check(qtbot, window, ctx, "account typed")
    account.show_error("unknown_account", "payment.unknown_account")
    check(qtbot, window, ctx, "account unknown")
    for b in account.keys.values():
        assert b.width() >= 80 and b.height() >= 80, f"pad key {b.text()!r} {b.size()}"

    bill = window.screen("pay_bill")
    nav.go("pay_bill")
    bill.show_loading()
    check(qtbot, window, ctx, "bill loading")
    for name, b in (("medical", MEDICAL), ("water", WATER), ("pension", PENSION)):
        bill.show_bill(b)
        check(qtbot, window, ctx, f"bill {name}")
    open_help_and_check(qtbot, window, "bill")
    bill.set_grade("g6")
    check(qtbot, window, ctx, "bill pension chosen")
    bill.show_bill(Bill(**{**MEDICAL.__dict__, "paid": True}))
    check(qtbot, window, ctx, "bill paid")
    bill.show_error("no_answer", "payment.bill_unknown")
    check(qtbot, window, ctx, "bill no answer")

    qr = window.screen("pay_qr")
    nav.go("pay_qr")
    qr.show_outcome("creating")
    check(qtbot, window, ctx, "qr creating")
    qr.show_qr(Order(**{**order().__dict__, "status": "pending"}))
    qr.set_left(179)
    check(qtbot, window, ctx, "qr")
    open_help_and_check(qtbot, window, "qr")
    for outcome in ("cancelling", "checking", "printing", "printed", "print_failed",
                    "cancelled", "expired", "unconfirmed"):
        qr.show_outcome(outcome, code="printer.paper_out" if outcome == "print_failed"
                        else "payment.unconfirmed" if outcome == "unconfirmed" else "")
        qr.set_seconds(30)
        check(qtbot, window, ctx, f"qr {outcome}")
    qr.order = None
    qr.show_outcome("failed", "create_unknown", "payment.create_unknown")
    check(qtbot, window, ctx, "qr failed")

    records = window.screen("pay_records")
    nav.go("pay_records")
    records.show_loading()
    check(qtbot, window, ctx, "records loading")
    records.show_orders([order(i) for i in range(7)])
    check(qtbot, window, ctx, "records")
    open_help_and_check(qtbot, window, "records")
    records.set_print_state(order(0).order_no, "printed")
    check(qtbot, window, ctx, "records printed")
    records.set_print_state(order(0).order_no, "printer.paper_out")
    check(qtbot, window, ctx, "records print failed")
    records.show_orders([])
    check(qtbot, window, ctx, "records none")
    records.show_error("no_answer", "payment.records_unknown")
    check(qtbot, window, ctx, "records error")
