"""The embedded platform on a kiosk keeps nothing readable (security issue, items 6 and
10): records and terminal secrets sealed, files the owner's alone, records and the
simulated printers' spools purged by retention."""

from __future__ import annotations

import hashlib
import os
import stat
import time
import uuid

import pytest

from central.payments import PaymentBook
from offline_cache.wire import canonical_json
from sim.a4_printer import VirtualA4Printer
from sim.id_samples import SAMPLE_CARDS
from tests.platform.harness import SECRET, presence_token, signed_session

PERSON = SAMPLE_CARDS["resident"]
NOW = "2026-05-09T10:00:00+08:00"


def raw(folder) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("platform.sqlite3*")))


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def put_case(platform, s, attachments=()):
    rid = str(uuid.uuid4())
    doc = {"revision": 1, "service": "birth", "created_at": NOW, "finalized_at": NOW,
           "form": {"applicant": {"name": PERSON.name, "id_number": PERSON.id_number}},
           "attachments": list(attachments)}
    r = s.put(f"{platform.url}/v1/cases/{rid}", data=canonical_json(doc))
    assert r.status_code == 201, r.text
    return rid


def upload(platform, s, data: bytes) -> dict:
    sha = hashlib.sha256(data).hexdigest()
    r = s.patch(f"{platform.url}/v1/attachments/{sha}", data=data,
                headers={"Upload-Offset": "0", "Upload-Length": str(len(data))})
    assert r.status_code == 200 and r.json()["complete"], r.text
    return {"sha256": sha, "size": len(data), "media_type": "application/pdf", "role": "p1"}


@pytest.mark.sqlite_only  # tests/platform/test_postgres.py: the same of PostgreSQL's rows
def test_records_and_secrets_are_sealed_and_files_private(platform):
    s = signed_session()
    att = upload(platform, s, b"%PDF-1.7 " + os.urandom(64))
    rid = put_case(platform, s, [att])
    folder = platform.store.root
    data = raw(folder)
    for plain in (PERSON.name.encode(), PERSON.id_number.encode(), SECRET,
                  SECRET.hex().encode()):
        assert plain not in data
    # The attachment too: sealed once complete, ciphertext while it arrives.
    assert platform.store.blob_path(att["sha256"]).read_bytes().find(b"%PDF") == -1
    assert platform.store.read_blob(att["sha256"]).startswith(b"%PDF-1.7 ")
    # The platform reads them back whole.
    [rec] = platform.store.records("case")
    assert rec["id"] == rid and rec["body"]["form"]["applicant"]["name"] == PERSON.name
    assert platform.store.secret("T-0001") == SECRET
    assert mode(folder) == 0o700
    for path in (folder / "platform.sqlite3", folder / "platform.key",
                 platform.store.blob_path(att["sha256"])):
        assert mode(path) == 0o600, path


def test_payments_keep_id_numbers_only_as_keyed_pseudonyms(platform):
    s = signed_session()
    bill = s.post(f"{platform.url}/v1/payments/bills", data=canonical_json(
        {"kind": "medical", "id_number": PERSON.id_number, "account": "", "presence":
         presence_token(s, platform.url, PERSON.id_number)})).json()
    order = s.post(f"{platform.url}/v1/payments/orders", data=canonical_json(
        {"request_id": str(uuid.uuid4()), "ref": bill["ref"], "amount_cents":
         bill["amount_cents"], "grade": "", "payer_id_number": PERSON.id_number,
         "payer_name": PERSON.name})).json()
    book = PaymentBook.beside(platform.store.root)  # the phone pays; the number finds it
    book.pay(order["order_no"])
    assert [o["order_no"] for o in book.paid_orders(PERSON.id_number)] == [order["order_no"]]
    assert order["payer_masked"] == "王*明 1101**********531X"
    book.close()
    files = b"".join(p.read_bytes() for p in platform.store.root.glob("payments.sqlite3*"))
    assert PERSON.id_number.encode() not in files and PERSON.name.encode() not in files


def test_an_upload_in_progress_is_ciphertext_and_resumes(platform):
    s = signed_session()
    data = b"%PDF-1.7 " + PERSON.id_number.encode() * 100
    sha = hashlib.sha256(data).hexdigest()

    def chunk(offset: int, end: int):
        return s.patch(f"{platform.url}/v1/attachments/{sha}", data=data[offset:end],
                       headers={"Upload-Offset": str(offset), "Upload-Length": str(len(data))})

    assert chunk(0, 777).json()["received"] == 777
    [part] = platform.store.uploads.glob(f"{sha}.*.part")
    assert part.stat().st_size == 777 and b"%PDF" not in part.read_bytes()
    assert mode(part) == 0o600
    assert chunk(777, len(data)).json()["complete"] is True
    assert platform.store.read_blob(sha) == data
    assert PERSON.id_number.encode() not in platform.store.blob_path(sha).read_bytes()


def test_records_and_their_files_go_with_retention(platform):
    s = signed_session()
    att = upload(platform, s, b"%PDF-1.7 " + os.urandom(64))
    put_case(platform, s, [att])
    sealed = platform.store._rows("SELECT body FROM record")[0][0]
    assert platform.store.purge(older_than=3600) == 0  # too young
    assert platform.store.purge(older_than=-1) == 1
    assert platform.store.records("case") == []
    assert not platform.store.blob_path(att["sha256"]).exists()
    assert sealed[20:52] not in raw(platform.store.root)


def test_the_simulated_a4_printers_spool_is_private_and_purged(tmp_path):
    spool = tmp_path / "a4printer"
    spool.mkdir()
    old, fresh = spool / "a4-20260101-000000-job1.pdf", spool / "a4-20260509-100000-job2.pdf"
    for path in (old, fresh):
        path.write_bytes(b"%PDF " + PERSON.id_number.encode())
    os.utime(old, (time.time() - 3 * 3600,) * 2)
    printer = VirtualA4Printer(spool, retention=3600)
    printer.start()
    try:
        assert not old.exists() and fresh.exists()
        assert mode(spool) == 0o700
    finally:
        printer.stop()


def test_utility_accounts_are_kept_only_as_pseudonyms_and_masked(platform):
    from central.payments import _HOLDERS

    s = signed_session()
    account = "330100123456"
    bill = s.post(f"{platform.url}/v1/payments/bills", data=canonical_json(
        {"kind": "water", "id_number": "", "account": account})).json()
    order = s.post(f"{platform.url}/v1/payments/orders", data=canonical_json(
        {"request_id": str(uuid.uuid4()), "ref": bill["ref"], "amount_cents":
         bill["amount_cents"], "grade": "", "payer_id_number": PERSON.id_number,
         "payer_name": PERSON.name})).json()
    assert order["payer_masked"].startswith("户号 3301****3456（户名 ")
    book = PaymentBook.beside(platform.store.root)
    book.pay(order["order_no"])
    again = s.post(f"{platform.url}/v1/payments/bills", data=canonical_json(
        {"kind": "water", "id_number": "", "account": account})).json()
    assert again["ref"] == bill["ref"] and again["paid"] is True  # found by its pseudonym
    book.close()
    files = b"".join(p.read_bytes() for p in platform.store.root.glob("payments.sqlite3*"))
    for plain in (account, account[2:-2], PERSON.id_number, PERSON.name, *_HOLDERS):
        assert plain.encode() not in files, plain
    assert mode(platform.store.root / "payments.sqlite3") == 0o600


def test_a_payment_book_from_before_is_pseudonymised_when_opened(tmp_path):
    import json
    import sqlite3

    from central.payments import BillQuery

    book = PaymentBook(tmp_path / "payments.sqlite3")
    bill = book.bill(BillQuery(kind="gas", account="55012345"))
    book.close()
    db = sqlite3.connect(tmp_path / "payments.sqlite3")  # as a book of before kept it
    [(doc,)] = db.execute("SELECT doc FROM pay_bill").fetchall()
    old = hashlib.sha256(b"gas|55012345|202612").hexdigest()  # the account, plainly hashed
    db.execute("UPDATE pay_bill SET ref = ?, subject = '55012345', doc = ?",
               (old[:24], json.dumps({**json.loads(doc), "account": "55012345"})))
    db.execute("PRAGMA user_version = 0")
    db.commit()
    db.close()
    book = PaymentBook(tmp_path / "payments.sqlite3")
    assert book.bill(BillQuery(kind="gas", account="55012345"))["ref"] == bill["ref"]
    book.close()
    files = b"".join(p.read_bytes() for p in tmp_path.glob("payments.sqlite3*"))
    assert b"55012345" not in files


def test_the_case_book_is_sealed_and_a_plain_one_is_sealed_when_opened(tmp_path):
    import sqlite3

    from central.cases import CaseBook

    number = "T-0001-20261204-AB12CD"
    book = CaseBook.beside(tmp_path)
    book.advance(number, "correction", f"请{PERSON.name}补交", ("结婚证",), "2026-12-20")
    assert book.steps(number)[-1]["materials"] == ["结婚证"]
    book.close()
    files = b"".join(p.read_bytes() for p in tmp_path.glob("cases.sqlite3*"))
    for plain in (number, PERSON.name, "结婚证", "correction", "2026-12-20"):
        assert plain.encode() not in files, plain
    assert mode(tmp_path / "cases.sqlite3") == 0o600

    old = tmp_path / "old"
    old.mkdir()
    (old / "platform.key").write_bytes((tmp_path / "platform.key").read_bytes())
    db = sqlite3.connect(old / "cases.sqlite3")  # a book from before sealing
    db.execute("CREATE TABLE case_step (case_number TEXT NOT NULL, state TEXT NOT NULL, "
               "note TEXT NOT NULL, at TEXT NOT NULL)")
    db.execute("INSERT INTO case_step VALUES (?, 'accepted', ?, ?)",
               (number, f"{PERSON.name}已受理", NOW))
    db.commit()
    db.close()
    book = CaseBook.beside(old)
    assert book.steps(number) == [{"state": "accepted", "note": f"{PERSON.name}已受理",
                                   "at": NOW, "materials": [], "due": ""}]
    assert book.advance(number, "done")[-1]["state"] == "done"
    book.close()
    files = b"".join(p.read_bytes() for p in old.glob("cases.sqlite3*"))
    assert number.encode() not in files and PERSON.name.encode() not in files
