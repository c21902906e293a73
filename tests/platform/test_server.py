"""The reference platform over real HTTP: signatures, idempotency, uploads, the rest."""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import time
import uuid
from datetime import datetime

import pytest
import requests

from central.app import create_app
from central.store import PlatformStore
from offline_cache.signing import HmacAuth
from offline_cache.wire import canonical_json
from tests.platform.harness import SECRET, TERMINAL, presence_token, signed_session

NOW = "2026-05-09T10:00:00+08:00"


def case_doc(revision: int = 1, form: dict | None = None, attachments: list | None = None):
    return {"revision": revision, "service": "birth", "created_at": NOW, "finalized_at": NOW,
            "form": form or {"name": "王小明"}, "attachments": attachments or []}


def put(session, url, kind, rid, doc):
    return session.put(f"{url}/v1/{kind}/{rid}", data=canonical_json(doc),
                       headers={"Content-Type": "application/json"})


@pytest.fixture
def s():
    return signed_session()


def test_same_id_same_body_is_success_different_body_is_409(platform, s):
    rid = str(uuid.uuid4())
    first = put(s, platform.url, "cases", rid, case_doc())
    again = put(s, platform.url, "cases", rid, case_doc())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["receipt"] == again.json()["receipt"]
    assert again.json()["body_sha256"] == hashlib.sha256(canonical_json(case_doc())).hexdigest()
    other = put(s, platform.url, "cases", rid, case_doc(form={"name": "李四"}))
    assert other.status_code == 409 and other.json()["error"] == "conflict"
    amended = put(s, platform.url, "cases", rid, case_doc(2, form={"name": "李四"}))
    assert amended.status_code == 201 and amended.json()["status"] == "amended"
    assert amended.json()["receipt"] == first.json()["receipt"]
    stale = put(s, platform.url, "cases", rid, case_doc(1, form={"name": "赵五"}))
    assert stale.status_code == 409
    assert [r["revision"] for r in platform.store.records("case")] == [1, 2]
    prog = s.get(f"{platform.url}/v1/cases/{rid}/progress").json()
    assert [st["status"] for st in prog["steps"]] == ["received", "amended"]


def test_forged_expired_replayed_and_unknown_requests_are_refused(platform, s):
    rid = str(uuid.uuid4())
    url = f"{platform.url}/v1/cases/{rid}"
    body = canonical_json(case_doc())
    forged = signed_session(secret=b"not the terminal's secret")
    assert forged.put(url, data=body).json()["error"] == "bad_signature"
    old = requests.Session()
    old.auth = HmacAuth(TERMINAL, SECRET, clock=lambda: time.time() - 3600)
    assert old.put(url, data=body).json()["error"] == "expired"
    stranger = requests.Session()
    stranger.auth = HmacAuth("T-9999", SECRET)
    unknown = stranger.put(url, data=body)  # looks just like a wrong signature
    assert (unknown.status_code, unknown.json()["error"]) == (401, "bad_signature")
    assert requests.put(url, data=body).json()["error"] == "unsigned"
    # A signed request captured on the wire and sent again is refused.
    prepared = requests.Request("PUT", url, data=body, auth=s.auth).prepare()
    assert s.send(prepared).status_code == 201
    replay = s.send(prepared)
    assert replay.status_code == 401 and replay.json()["error"] == "replayed"
    # Altering the signed body in transit breaks the signature.
    tampered = requests.Request("PUT", url, data=body, auth=s.auth).prepare()
    tampered.body = body.replace("王小明".encode(), "王大明".encode())
    assert s.send(tampered).json()["error"] == "bad_signature"
    assert len(platform.store.records("case")) == 1


def test_a_body_cut_short_on_the_wire_is_never_acted_on(platform):
    rid = str(uuid.uuid4())
    body = canonical_json(case_doc())
    req = requests.Request("PUT", f"{platform.url}/v1/cases/{rid}", data=body,
                           headers={"Content-Type": "application/json"},
                           auth=HmacAuth(TERMINAL, SECRET)).prepare()
    head = f"PUT {req.path_url} HTTP/1.1\r\nHost: x\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in req.headers.items()) + "\r\n"
    with socket.create_connection((platform.host, platform.port)) as sock:
        sock.sendall(head.encode() + body[: len(body) // 2])
        sock.shutdown(socket.SHUT_WR)  # the link drops half-way through the body
        sock.recv(4096)
    assert platform.store.records("case") == []


def test_the_server_checks_content_length_against_the_body_it_got(tmp_path):
    """Below the HTTP server: an ASGI request whose body is shorter than announced."""
    store = PlatformStore(tmp_path / "p.sqlite3")
    store.register_terminal(TERMINAL, SECRET)
    app = create_app(store)
    body = canonical_json(case_doc())
    rid = str(uuid.uuid4())
    req = requests.Request("PUT", f"http://x/v1/cases/{rid}", data=body,
                           auth=HmacAuth(TERMINAL, SECRET)).prepare()
    headers = [(k.lower().encode(), v.encode()) for k, v in req.headers.items()]
    scope = {"type": "http", "method": "PUT", "path": f"/v1/cases/{rid}",
             "raw_path": f"/v1/cases/{rid}".encode(), "query_string": b"",
             "headers": headers, "http_version": "1.1", "scheme": "http",
             "server": ("x", 80), "client": ("127.0.0.1", 1)}
    messages = [{"type": "http.request", "body": body[:-10], "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0)

    async def send(msg: dict) -> None:
        sent.append(msg)

    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["error"] == "short_body"
    assert store.records("case") == []
    store.close()


def test_attachments_resume_at_the_platform_offset_and_are_verified(platform, s):
    data = bytes(range(256)) * 40
    sha = hashlib.sha256(data).hexdigest()
    url = f"{platform.url}/v1/attachments/{sha}"

    def chunk(offset, part, total=None):
        total = len(data) if total is None else total
        return s.patch(url, data=part, headers={"Upload-Offset": str(offset),
                                                "Upload-Length": str(total)})

    assert s.get(url).json() == {"sha256": sha, "size": None, "received": 0,
                                 "complete": False}
    assert chunk(0, data[:4000]).json()["received"] == 4000
    wrong = chunk(0, data[:4000])
    assert wrong.status_code == 409 and wrong.json()["received"] == 4000
    assert chunk(4000, data[4000:], total=len(data) + 1).status_code == 400
    done = chunk(4000, data[4000:]).json()
    assert done["complete"] and s.get(url).json()["received"] == len(data)
    assert platform.store.read_blob(sha) == data
    # Bytes that do not hash to the name are discarded, not kept.
    bad = hashlib.sha256(b"something else").hexdigest()
    r = s.patch(f"{platform.url}/v1/attachments/{bad}", data=data[:10],
                headers={"Upload-Offset": "0", "Upload-Length": "10"})
    assert r.status_code == 422 and r.json()["error"] == "hash_mismatch"
    assert s.get(f"{platform.url}/v1/attachments/{bad}").json()["received"] == 0


def test_a_case_is_refused_until_its_attachments_are_complete(platform, s):
    data = b"scan" * 100
    sha = hashlib.sha256(data).hexdigest()
    att = [{"sha256": sha, "size": len(data), "media_type": "image/jpeg", "role": "id_front"}]
    rid = str(uuid.uuid4())
    r = put(s, platform.url, "cases", rid, case_doc(attachments=att))
    assert r.status_code == 412 and r.json()["missing"] == [sha]
    s.patch(f"{platform.url}/v1/attachments/{sha}", data=data,
            headers={"Upload-Offset": "0", "Upload-Length": str(len(data))})
    assert put(s, platform.url, "cases", rid, case_doc(attachments=att)).status_code == 201


def test_catalog_is_served_with_an_etag(platform, s):
    first = s.get(f"{platform.url}/v1/catalog")
    etag = first.headers["ETag"]
    assert any(b["id"] == "birth" for b in first.json()["bundles"])
    cached = s.get(f"{platform.url}/v1/catalog", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert s.get(f"{platform.url}/v1/catalog", headers={"If-None-Match": '"old"'}).json()


def test_queue_numbers_are_idempotent_and_continue_after_offline_tickets(platform, s):
    def take(request_id):
        return s.post(f"{platform.url}/v1/queue/B/numbers",
                      data=canonical_json({"request_id": request_id}))

    rid = str(uuid.uuid4())
    first = take(rid)
    assert first.status_code == 201 and first.json()["number"] == "B001"
    assert take(rid).json() == first.json()
    today = datetime.now().astimezone().isoformat(timespec="seconds")
    ticket = {"revision": 1, "service": "户籍证件", "created_at": today, "number": "B007",
              "prefix": "B", "issued_at": today, "printed": True}
    assert put(s, platform.url, "tickets", str(uuid.uuid4()), ticket).status_code == 201
    assert take(str(uuid.uuid4())).json()["number"] == "B008"
    # A four-digit number is a terminal's offline slot: the platform's series stays put.
    ticket = {**ticket, "number": "B3001"}
    assert put(s, platform.url, "tickets", str(uuid.uuid4()), ticket).status_code == 201
    assert take(str(uuid.uuid4())).json()["number"] == "B009"


def test_an_offline_ticket_carrying_a_requests_key_cancels_the_hall_number_issued_under_it(
        platform, s):
    def take(request_id, prefix="E", session=s):
        return session.post(f"{platform.url}/v1/queue/{prefix}/numbers",
                            data=canonical_json({"request_id": request_id}))

    def call():
        return s.post(f"{platform.url}/v1/queue/E/call",
                      data=canonical_json({"request_id": str(uuid.uuid4())})).json()

    def offline_ticket(number, request_id, session=s):
        today = datetime.now().astimezone().isoformat(timespec="seconds")
        doc = {"revision": 1, "service": "queue", "created_at": today, "number": number,
               "prefix": "E", "issued_at": today, "request_id": request_id}
        return put(session, platform.url, "tickets", str(uuid.uuid4()), doc)

    lost, other = str(uuid.uuid4()), str(uuid.uuid4())
    assert take(lost).json()["number"] == "E001"  # its answer never reached the terminal
    assert take(other).json()["number"] == "E002"
    stranger = requests.Session()  # another terminal cannot cancel this one's number
    stranger.trust_env = False
    stranger.auth = HmacAuth("T-0002", bytes(32))
    platform.store.register_terminal("T-0002", bytes(32))
    assert offline_ticket("E2001", other, stranger).status_code == 201
    assert offline_ticket("E1001", lost).status_code == 201
    again = take(lost)
    assert again.status_code == 409 and again.json()["error"] == "issued_offline"
    assert take(other, "F").status_code == 409  # a key belongs to one category
    third = take(str(uuid.uuid4())).json()
    assert (third["number"], third["waiting"]) == ("E003", 1)  # E001 no longer waits
    assert [(c["number"], c["waiting"]) for c in (call(), call(), call())] == [
        ("E002", 1), ("E003", 0), (None, 0)]
    late = str(uuid.uuid4())  # the ticket came first: the request, arriving late, gets nothing
    assert offline_ticket("E1002", late).status_code == 201
    assert take(late).status_code == 409
    assert take(str(uuid.uuid4())).json()["number"] == "E004"


def test_the_caller_calls_numbers_in_order_once_per_request(platform, s):
    def call(request_id):
        r = s.post(f"{platform.url}/v1/queue/D/call",
                   data=canonical_json({"request_id": request_id}))
        assert r.status_code == 200
        return r.json()

    assert call(str(uuid.uuid4()))["number"] is None  # nobody waits yet
    for _ in range(2):
        s.post(f"{platform.url}/v1/queue/D/numbers",
               data=canonical_json({"request_id": str(uuid.uuid4())}))
    rid = str(uuid.uuid4())
    first = call(rid)
    assert (first["number"], first["waiting"]) == ("D001", 1)
    assert call(rid) == first  # a retried call does not skip anybody
    assert call(str(uuid.uuid4()))["number"] == "D002"


def test_heartbeat_carries_commands_until_they_are_acknowledged(platform, s):
    cid = platform.store.enqueue_command(TERMINAL, "refresh_catalog", {})
    beat = {"terminal_id": TERMINAL, "version": "0.1.0", "devices": {"printer": {
        "state": "error", "code": "printer.paper_out"}}, "consumables": {"receipt_paper": "out"},
        "outbox": {"pending": 2, "uploading": 0, "failed": 1, "rejected": 0,
                   "oldest_unsent_age_s": 60.0}, "free_disk_mb": 1000}
    reply = s.post(f"{platform.url}/v1/heartbeat", data=canonical_json(beat)).json()
    assert [c["id"] for c in reply["commands"]] == [cid]
    assert platform.store.last_heartbeat(TERMINAL)["consumables"] == {"receipt_paper": "out"}
    ack = s.post(f"{platform.url}/v1/commands/{cid}/ack",
                 data=canonical_json({"status": "received"}))
    assert ack.json() == {"id": cid, "status": "received"}
    assert s.post(f"{platform.url}/v1/heartbeat", data=canonical_json(beat)).json()[
        "commands"] == []
    other = s.post(f"{platform.url}/v1/heartbeat",
                   data=canonical_json({**beat, "terminal_id": "T-0002"}))
    assert other.status_code == 403


def test_certificate_data_is_this_persons_and_stable_and_refuses_a_wrong_request(platform, s):
    offered = s.get(f"{platform.url}/v1/certificates").json()["certificates"]
    assert {o["kind"] for o in offered} == {"social_insurance_payment", "medical_insurance",
                                            "household_registration"}
    req = {"kind": "social_insurance_payment", "holder_id_number": "11010519491231002X",
           "holder_name": "王小明", "purpose": "子女入学", "months": 6,
           "presence": presence_token(s, platform.url, "11010519491231002X")}
    first = s.post(f"{platform.url}/v1/certificates", data=canonical_json(req)).json()
    assert first["template"] == "social_insurance_payment"
    data = first["data"]
    assert (data["name"], data["purpose"], len(data["payments"])) == ("王小明", "子女入学", 6)
    again = s.post(f"{platform.url}/v1/certificates", data=canonical_json(req)).json()
    assert again == first  # the same person's data each time
    for change, error in (({"holder_id_number": "110105194912310021"}, "invalid_id_number"),
                          ({"months": 7}, "invalid_period")):
        holder = change.get("holder_id_number", req["holder_id_number"])
        bad = s.post(f"{platform.url}/v1/certificates", data=canonical_json(
            {**req, **change, "presence": presence_token(s, platform.url, holder)}))
        assert bad.status_code == 422 and bad.json()["error"] == error


def test_a_registered_certificate_verifies_publicly_without_personal_data(platform, s):
    doc = {"code": "ABCD-EFGH-IJKL-MNOP", "digest": "A" * 64, "template": "household",
           "title": "户籍证明", "printed_at": "2026-12-04T10:00:00+08:00",
           "expires_on": "2099-03-04", "pages": 1, "purpose": "落户",
           "holder_masked": "王* 1101**********002X"}
    url = f"{platform.url}/v1/certificates/{doc['code']}"
    assert s.put(url, data=canonical_json(doc)).status_code == 201
    assert s.put(url, data=canonical_json(doc)).json()["status"] == "duplicate"
    public = requests.get(f"{platform.url}/v1/verify/abcd-efgh-ijkl-mnop", timeout=5)
    assert public.json()["status"] == "valid" and public.json()["digest"] == "A" * 64
    assert "王" not in public.text and "1101" not in public.text
    old = {**doc, "code": "ABCD-EFGH-IJKL-MNOQ", "expires_on": "2020-01-01"}
    s.put(f"{platform.url}/v1/certificates/{old['code']}", data=canonical_json(old))
    assert requests.get(f"{platform.url}/v1/verify/{old['code']}",
                        timeout=5).json()["status"] == "expired"
    unknown = requests.get(f"{platform.url}/v1/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ", timeout=5)
    assert unknown.status_code == 404 and unknown.json()["status"] == "unknown"


@pytest.mark.parametrize(("header", "value"), [("X-Timestamp", "²"),
                                                ("X-Timestamp", "9" * 5000)])
def test_a_malformed_header_is_a_400_with_a_reason_not_a_500(platform, s, header, value):
    req = requests.Request("GET", f"{platform.url}/v1/catalog", auth=s.auth).prepare()
    req.headers[header] = value
    answer = s.send(req)
    assert answer.status_code == 400 and answer.json()["error"] == "bad_timestamp"


def test_json_nested_too_deep_is_a_400(platform, s):
    body = b"[" * 100_000 + b"]" * 100_000
    answer = s.post(f"{platform.url}/v1/certificates", data=body)
    assert answer.status_code == 400 and answer.json()["error"] == "bad_json"
