"""The 缴费凭证 on the receipt printer, for a payment the platform confirmed.

What a citizen shows when asked whether they paid: the order number, what was paid and to
whom, the amount in figures and in capital numerals (大写, the form no pen can alter), the
time it was paid, and a QR that verifies the order at the platform. A reprint says 补打 in
large type, so nobody takes it for a second payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from drivers.escpos.profiles import ReceiptProfile, get_profile
from printer_templates.escpos import EscPosBuilder
from printer_templates.guide_notice import wrap

_TITLE_SIZE = (2, 2)
_BODY_SIZE = (1, 2)  # double height: readable for older eyes, still 48/32 columns wide
_QR_MODULE_DOTS = 6


@dataclass(frozen=True)
class PaymentReceipt:
    hall_name: str
    terminal_id: str
    order_no: str
    item: str  # 缴费项目, e.g. 2026年度城乡居民基本医疗保险（个人缴费）
    payee: str  # 收款单位
    payer: str  # masked: 王*明, or the account 3301****5678 (户名 李*华)
    amount_cents: int
    paid_at: datetime
    qr_data: str  # the platform's verify address of the order
    grade: str = ""  # 养老保险 缴费档次
    printed_at: datetime | None = None
    reprint: bool = False


def render_payment_receipt(receipt: PaymentReceipt, job_id: str | None = None,
                           profile: ReceiptProfile | None = None) -> bytes:
    from kiosk.payment import yuan, yuan_upper  # the one 大写 rule, Qt-free

    b = EscPosBuilder.for_profile(profile or get_profile())
    b.init().align("center")
    b.bold(True).fit(receipt.hall_name, *_TITLE_SIZE)
    b.fit("缴费凭证", *_TITLE_SIZE).bold(False)
    if receipt.reprint:
        b.bold(True).fit("（补打）", *_TITLE_SIZE).bold(False)
    b.size(1, 1).rule("-").align("left")
    _labelled(b, "订单号", receipt.order_no)
    _labelled(b, "缴费项目", receipt.item)
    if receipt.grade:
        _labelled(b, "缴费档次", receipt.grade)
    _labelled(b, "收款单位", receipt.payee)
    _labelled(b, "缴费人", receipt.payer)
    b.size(1, 1).rule("-").align("center")
    b.bold(True).fit(f"金额 ¥{yuan(receipt.amount_cents)}", *_TITLE_SIZE).bold(False)
    b.size(*_BODY_SIZE).align("left")
    _labelled(b, "大写", yuan_upper(receipt.amount_cents))
    _labelled(b, "支付时间", f"{receipt.paid_at:%Y-%m-%d %H:%M:%S}")
    _labelled(b, "支付状态", "支付成功")
    b.size(1, 1).rule("-").align("center").feed(1)
    b.qr(receipt.qr_data, size=_QR_MODULE_DOTS, ecc="M").feed(1)
    b.fit("扫码核验缴费结果", *_TITLE_SIZE)
    b.size(1, 1).feed(1)
    footer = f"终端 {receipt.terminal_id}"
    if receipt.printed_at is not None:
        footer += f"  打印 {receipt.printed_at:%Y-%m-%d %H:%M}"
    if job_id:
        footer += f"  凭条 {job_id}"
    for piece in wrap(b, footer, b.chars_per_line):
        b.line(piece)
    b.feed(2).cut()
    return b.to_bytes()


def _labelled(b: EscPosBuilder, label: str, value: str) -> None:
    head = f"{label}："
    b.size(*_BODY_SIZE)
    indent = b.width_of(head)
    pieces = wrap(b, head + value, b.chars_per_line, indent)
    for i, piece in enumerate(pieces):
        b.line((" " * indent if i else "") + piece)
