"""缴费 at the reference platform: bills, orders under idempotency keys, the simulated
payment channel, cancel and expiry, the records of a person; and the kiosk's desk asking
again with the same key when the answer to "create order" is lost (fault proxy)."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace

import pytest

from central import payments
from central.faultproxy import Fault, FaultProxy, no_faults
from central.payments import PaymentBook
from kiosk.payment import Bill, Order, PaymentDesk, PaymentError, PaymentKeys
from offline_cache.client import PlatformRefused
from offline_cache.presence import Presence
from tests.platform.harness import make_client

ID = "11010519900307531X"


def valid_id() -> str:
    from sim.id_samples import SAMPLE_CARDS

    return SAMPLE_CARDS["resident"].id_number


_here: dict[str, Presence] = {}


def here(id_number: str | None = None) -> Presence:
    """The person's presence at this terminal (as if their card had just been read)."""
    id_number = id_number or valid_id()
    return _here.setdefault(id_number, Presence.unread(id_number))


@pytest.fixture
def client(platform):
    c = make_client(platform.url)
    yield c
    c.close()


def book_of(platform) -> PaymentBook:
    return PaymentBook.beside(platform.store.root)


def test_medical_bill_order_pay_and_the_same_key_gets_the_same_order(platform, client):
    bill = client.payment_bill("medical", id_number=valid_id(), presence=here())
    assert bill["amount_cents"] == 40000 and bill["paid"] is False
    assert "城乡居民基本医疗保险" in bill["item"]
    key = str(uuid.uuid4())
    first = client.create_order(key, bill["ref"], 40000, payer_id_number=valid_id(),
                                payer_name="王小明")
    again = client.create_order(key, bill["ref"], 40000, payer_id_number=valid_id(),
                                payer_name="王小明")
    assert first["order_no"] == again["order_no"] and first["status"] == "pending"
    assert first["payer_masked"].startswith("王*明 1101")
    assert 0 < first["expires_in"] <= payments.ORDER_VALIDITY
    book = book_of(platform)
    assert len(book.orders()) == 1
    assert book.pay(first["order_no"])["status"] == "paid"
    assert book.pay(first["order_no"])["status"] == "paid"  # paying twice changes nothing
    assert client.order(first["order_no"])["status"] == "paid"
    assert client.cancel_order(first["order_no"])["status"] == "paid"  # too late to close
    assert client.payment_bill("medical", id_number=valid_id(), presence=here())["paid"] is True
    with pytest.raises(PlatformRefused) as e:
        client.create_order(str(uuid.uuid4()), bill["ref"], 40000)
    assert e.value.error == "already_paid"
    records = client.payment_records(valid_id(), presence=here())
    assert [r["order_no"] for r in records] == [first["order_no"]]
    book.close()


def test_a_key_reused_for_another_body_and_a_wrong_amount_are_refused(platform, client):
    bill = client.payment_bill("pension", id_number=valid_id(), presence=here())
    assert [g["amount_cents"] for g in bill["grades"]][:2] == [20000, 30000]
    key = str(uuid.uuid4())
    client.create_order(key, bill["ref"], 30000, grade="g2")
    with pytest.raises(PlatformRefused) as e:
        client.create_order(key, bill["ref"], 50000, grade="g3")
    assert e.value.error == "request_id_reused"
    with pytest.raises(PlatformRefused) as e:
        client.create_order(str(uuid.uuid4()), bill["ref"], 99900, grade="g3")
    assert e.value.error == "amount_mismatch"


def test_cancel_closes_and_a_closed_or_expired_order_cannot_be_paid(platform, client,
                                                                     monkeypatch):
    bill = client.payment_bill("water", account="330100123456")
    assert bill["owner_masked"].count("*") == 1 and bill["amount_cents"] > 0
    order = client.create_order(str(uuid.uuid4()), bill["ref"], bill["amount_cents"])
    assert client.cancel_order(order["order_no"])["status"] == "closed"
    book = book_of(platform)
    with pytest.raises(payments.Refusal):
        book.pay(order["order_no"])
    monkeypatch.setattr(payments, "ORDER_VALIDITY", 0.3)
    short = client.create_order(str(uuid.uuid4()), bill["ref"], bill["amount_cents"])
    time.sleep(0.4)
    assert client.order(short["order_no"])["status"] == "expired"
    with pytest.raises(payments.Refusal):
        book.pay(short["order_no"])
    book.close()


def test_a_new_order_for_a_bill_closes_its_pending_one(platform, client):
    bill = client.payment_bill("gas", account="55012345")
    one = client.create_order(str(uuid.uuid4()), bill["ref"], bill["amount_cents"])
    two = client.create_order(str(uuid.uuid4()), bill["ref"], bill["amount_cents"])
    assert client.order(one["order_no"])["status"] == "closed"
    assert client.order(two["order_no"])["status"] == "pending"


def test_unknown_account_and_bad_id_number(client):
    with pytest.raises(PlatformRefused) as e:
        client.payment_bill("electricity", account="0123456789")
    assert (e.value.status, e.value.error) == (404, "unknown_account")
    with pytest.raises(PlatformRefused) as e:
        client.payment_bill("medical", id_number=ID[:-1] + "0",
                           presence=here(ID[:-1] + "0"))
    assert e.value.status == 422


def _desk(tmp_path, url: str) -> PaymentDesk:
    """The kiosk's desk on a minimal context (no devices: the orders are the point)."""
    from tests.platform.harness import SECRET, TERMINAL

    desk = PaymentDesk.__new__(PaymentDesk)
    desk.ctx = SimpleNamespace()  # type: ignore[assignment]
    desk.keys = PaymentKeys(tmp_path / "payments.sqlite3")
    desk._client = make_client(url, deadline=3.0)
    assert desk._client.terminal == TERMINAL and SECRET
    return desk


def test_create_order_answer_lost_is_asked_again_and_the_platform_holds_one_order(
        tmp_path, platform):
    link = FaultProxy(platform.host, platform.port).start()
    desk = _desk(tmp_path, link.url)
    try:
        bill = Bill.from_doc(desk.client.payment_bill("medical", id_number=valid_id(),
                                                      presence=here()))
        asked = []

        def plan(n: int):
            asked.append(n)
            return (Fault.CUT_DOWN, 0) if len(asked) == 1 else (Fault.NONE, 0)

        link.plan = plan
        order = desk.create_order(bill)
        assert link.injected[Fault.CUT_DOWN] == 1  # the first answer was lost
        assert isinstance(order, Order) and order.status == "pending"
        orders = book_of(platform).orders()
        assert [o["order_no"] for o in orders] == [order.order_no]  # exactly one order
        (row,) = desk.keys.rows()
        assert row[0] == order.request_id and row[2] == order.order_no
        link.plan = no_faults
    finally:
        desk._client.close()
        desk.keys.close()
        link.stop()


def test_no_answer_at_all_says_so_and_leaves_no_order_anyone_can_pay(tmp_path, platform):
    link = FaultProxy(platform.host, platform.port).start()
    desk = _desk(tmp_path, link.url)
    try:
        bill = Bill.from_doc(desk.client.payment_bill("medical", id_number=valid_id(),
                                                      presence=here()))
        link.plan = lambda _n: (Fault.CUT_DOWN, 0)  # the platform acts, every answer lost
        with pytest.raises(PaymentError) as e:
            desk.create_order(bill)
        assert e.value.key == "create_unknown"
        assert len(book_of(platform).orders()) == 1  # one order, never shown: it expires
        assert desk.keys.unsettled() == [desk.keys.rows()[0][0]]
    finally:
        desk._client.close()
        desk.keys.close()
        link.stop()


def test_kiosk_platform_pay_marks_an_order_paid_while_the_platform_runs(tmp_path, platform,
                                                                         client):
    import subprocess
    import sys

    bill = client.payment_bill("electricity", account="440012345678")
    order = client.create_order(str(uuid.uuid4()), bill["ref"], bill["amount_cents"])
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n', encoding="utf-8")
    db = platform.store.root / "platform.sqlite3"

    def pay(number: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg),
                               "platform", "pay", number, "--db", str(db)],
                              capture_output=True, text=True, timeout=60)

    r = pay(order["order_no"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"order {order['order_no']} paid (")
    assert client.order(order["order_no"])["status"] == "paid"
    r = pay("JF0000000000000000")
    assert r.returncode == 1 and "unknown_order" in r.stderr


def test_the_receipts_verify_qr_resolves_publicly_without_personal_data(platform, client):
    import requests

    bill = client.payment_bill("medical", id_number=valid_id(), presence=here())
    order = client.create_order(str(uuid.uuid4()), bill["ref"], 40000,
                                payer_id_number=valid_id(), payer_name="王小明")
    token = order["verify_url"].rsplit("/", 1)[1]
    url = f"{platform.url}/v1/payments/verify/"
    assert requests.get(url + token, timeout=5).json()["status"] == "pending"
    book = book_of(platform)
    book.pay(order["order_no"])
    book.close()
    answer = requests.get(url + token, timeout=5)
    assert answer.json()["status"] == "paid" and answer.json()["amount_cents"] == 40000
    assert "王" not in answer.text and valid_id()[:6] not in answer.text
    forged = requests.get(url + order["order_no"] + "-00000000", timeout=5)
    assert forged.status_code == 404
