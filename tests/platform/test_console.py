"""The fleet console over real HTTP: a login per person, the lock after wrong passwords, the
fleet as its heartbeats tell it (never a citizen's data), commands and their
acknowledgements, the use of the services, and the CLI that adds a person."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from central import console, remote_help
from kiosk.cli import main
from offline_cache.wire import canonical_json
from tests.platform.harness import TERMINAL, signed_session

PASSWORD = "correct horse battery"
ID_NUMBER = "11010519491231002X"
NAME = "王小明"
PHONE = "13800138000"
COMMENT = "窗口的李建国态度很好"


def beat(**extra: object) -> dict:
    return {"terminal_id": TERMINAL, "version": "0.3.1",
            "devices": {"printer": {"state": "error", "code": "printer.paper_out"},
                        "idcard": {"state": "ready", "code": ""}},
            "consumables": {"receipt_paper": "out"},
            "outbox": {"pending": 2, "uploading": 0, "failed": 1, "rejected": 0,
                       "oldest_unsent_age_s": 30.0}, "free_disk_mb": 5000, **extra}


def heartbeat(url: str, **extra: object) -> list[dict]:
    reply = signed_session().post(f"{url}/v1/heartbeat", data=canonical_json(beat(**extra)))
    assert reply.status_code == 200, reply.text
    return reply.json()["commands"]


@pytest.fixture
def book(platform) -> Iterator[console.ConsoleBook]:
    """The console's users and audit, opened beside the running platform as the CLI does."""
    b = console.ConsoleBook.beside(platform.store.root)
    b.add_user("zhang.wei", PASSWORD)
    yield b
    b.close()


def log_in(url: str, password: str = PASSWORD, name: str = "zhang.wei") -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    answer = s.post(f"{url}/console/api/login", json={"name": name, "password": password})
    assert answer.status_code == 200, answer.text
    return s


def test_nothing_but_the_login_page_without_a_login(platform, book):
    bare = requests.get(f"{platform.url}/console", allow_redirects=False)
    assert bare.status_code in (307, 308) and bare.headers["location"].endswith("/console/")
    page = requests.get(f"{platform.url}/console/")
    assert page.status_code == 200 and 'id="login-form"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    for path in ("fleet", "usage", "audit", "me"):
        answer = requests.get(f"{platform.url}/console/api/{path}",
                              cookies={console.COOKIE: "made-up"})
        assert answer.status_code == 401 and answer.json()["error"] == "login_required"
    sent = requests.post(f"{platform.url}/console/api/commands",
                         json={"terminal": TERMINAL, "name": "unlock"})
    assert sent.status_code == 401
    assert platform.store.commands() == []
    # The call page beside it still answers with its own token.
    assert requests.get(f"{platform.url}/console/call.html").status_code == 200
    assert requests.get(f"{platform.url}/console/calls").status_code == 401


def test_a_login_gives_a_strict_cookie_and_a_logout_ends_it(platform, book):
    s = requests.Session()
    s.trust_env = False
    answer = s.post(f"{platform.url}/console/api/login",
                    json={"name": "zhang.wei", "password": PASSWORD})
    cookie = answer.headers["set-cookie"]
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/console", "Max-Age=28800"):
        assert attribute.lower() in cookie.lower()
    assert s.get(f"{platform.url}/console/api/me").json() == {"user": "zhang.wei"}
    form = s.post(f"{platform.url}/console/api/commands",
                  data={"terminal": TERMINAL, "name": "unlock"})
    assert form.status_code == 415  # what a cross-site form could send is refused
    assert s.post(f"{platform.url}/console/api/logout", json={}).status_code == 200
    assert s.get(f"{platform.url}/console/api/me",
                 cookies={console.COOKIE: cookie.split(";")[0].split("=", 1)[1]}
                 ).status_code == 401
    actions = [r["action"] for r in book.audit_rows()]
    assert actions[:2] == ["logout", "login"]


def test_wrong_passwords_lock_the_name_for_a_while(platform, book, monkeypatch, caplog):
    monkeypatch.setattr(console, "FIRST_LOCK", 1.0)
    url = f"{platform.url}/console/api/login"
    for _ in range(console.FREE_TRIES):
        wrong = requests.post(url, json={"name": "zhang.wei", "password": "not the one"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "bad_login"
    unknown = requests.post(url, json={"name": "nobody", "password": PASSWORD})
    assert unknown.json() == wrong.json()  # an unknown name is refused alike
    locked = requests.post(url, json={"name": "zhang.wei", "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["error"] == "locked"
    assert locked.json()["retry_after"] >= 1
    time.sleep(1.1)
    assert log_in(platform.url).get(f"{platform.url}/console/api/me").status_code == 200
    actions = [r["action"] for r in book.audit_rows()]
    assert actions.count("login_refused") == console.FREE_TRIES + 1
    assert "login_locked" in actions and actions[0] == "login"
    assert "console: zhang.wei login_locked" in caplog.text  # a log line too
    assert PASSWORD not in json.dumps(book.audit_rows())
    requests.post(url, json={"name": "a password, in the name's field", "password": "x"})
    assert book.audit_rows()[0]["user"] == "(not a name)"


def test_one_address_trying_many_names_is_locked_too(platform, book, monkeypatch):
    monkeypatch.setattr(console, "FREE_TRIES_ADDRESS", 3)
    url = f"{platform.url}/console/api/login"
    for name in ("a", "b", "c"):
        assert requests.post(url, json={"name": name, "password": "x"}).status_code == 401
    locked = requests.post(url, json={"name": "zhang.wei", "password": PASSWORD})
    assert locked.status_code == 429


def test_a_request_from_another_site_is_refused(platform, book):
    c = log_in(platform.url)
    sent = c.post(f"{platform.url}/console/api/commands", json={"terminal": TERMINAL,
                  "name": "unlock"}, headers={"Origin": "https://elsewhere.example"})
    assert sent.status_code == 403 and platform.store.commands() == []
    own = c.post(f"{platform.url}/console/api/commands", json={"terminal": TERMINAL,
                 "name": "unlock"}, headers={"Origin": platform.url})
    assert own.status_code == 201


def test_the_fleet_shows_heartbeats_and_alerts_and_no_citizen_data(platform, book):
    now = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    s = signed_session()
    for kind, doc in (
            ("cases", {"revision": 1, "service": "birth", "created_at": now,
                       "finalized_at": now, "form": {"name": NAME, "id_number": ID_NUMBER},
                       "attachments": []}),
            ("evaluations", {"revision": 1, "service": "birth", "created_at": now,
                             "score": 2, "comment": COMMENT, "reasons": ["办理时间长"]}),
            ("reports", {"revision": 1, "service": "guide", "created_at": now,
                         "description": f"{NAME} {ID_NUMBER}"}),
            ("reports", {"revision": 1, "service": "guide", "created_at": now,
                         "reason": "callback", "description": "请工作人员回电",
                         "contact_phone": PHONE})):
        answer = s.put(f"{platform.url}/v1/{kind}/{uuid.uuid4()}", data=canonical_json(doc))
        assert answer.status_code == 201, answer.text
    for _ in range(2):
        taken = s.post(f"{platform.url}/v1/queue/A/numbers",
                       data=canonical_json({"request_id": str(uuid.uuid4())}))
        assert taken.status_code == 201
    heartbeat(platform.url, help={"at": now, "state": "waiting"})
    platform.store.register_terminal("T-0002", b"x" * 32)  # enrolled, never heard of
    c = log_in(platform.url)
    fleet = c.get(f"{platform.url}/console/api/fleet").json()
    rows = {t["terminal"]: t for t in fleet["terminals"]}
    t1 = rows[TERMINAL]
    assert t1["online"] and t1["age_s"] < 30 and t1["version"] == "0.3.1"
    assert t1["receipt_paper"] == "out" and t1["outbox_depth"] == 3
    assert t1["devices"]["printer"] == {"state": "error", "code": "printer.paper_out"}
    assert {a["kind"] for a in t1["alerts"]} == {"paper_out", "help_call"}
    assert t1["help"] == {"at": now, "state": "waiting"}
    assert not rows["T-0002"]["online"] and rows["T-0002"]["last_heartbeat"] is None
    assert [a["kind"] for a in rows["T-0002"]["alerts"]] == ["offline"]
    used = c.get(f"{platform.url}/console/api/usage").json()
    usage = used["rows"]
    assert [(q["prefix"], q["issued"], q["called"]) for q in used["queue"]] == [("A", 2, 0)]
    birth = next(r for r in usage if r["service"] == "birth")
    assert (birth["finished"], birth["ratings"], birth["mean_rating"]) == (1, 1, 2.0)
    assert birth["median_time_to_finish_s"] == 0
    guide = next(r for r in usage if r["service"] == "guide")
    assert (guide["reported_not_done"], guide["callback_requests"]) == (1, 1)
    assert t1["free_disk_mb"] == 5000
    seen = json.dumps([fleet, used, c.get(f"{platform.url}/console/api/audit").json()],
                      ensure_ascii=False) + c.get(f"{platform.url}/console/").text
    for personal in (ID_NUMBER, ID_NUMBER[-6:], NAME, PHONE, COMMENT, "李建国"):
        assert personal not in seen


def test_offline_after_the_configured_minutes_and_an_old_outbox(platform, book):
    heartbeat(platform.url)
    c = log_in(platform.url)
    assert c.get(f"{platform.url}/console/api/fleet").json()["terminals"][0]["online"]
    (platform.store.root / "console.json").write_text(json.dumps(
        {"offline_after_minutes": 0, "outbox_alert_hours": 0.005}))  # 18 s
    t = c.get(f"{platform.url}/console/api/fleet").json()["terminals"][0]
    assert not t["online"]
    assert {a["kind"] for a in t["alerts"]} == {"offline", "paper_out", "outbox_old"}
    (platform.store.root / "console.json").write_text('{"offline_after_minutes": "soon"}')
    fleet = c.get(f"{platform.url}/console/api/fleet").json()  # the defaults, not an error
    assert fleet["offline_after_s"] == 180 and fleet["terminals"][0]["online"]


def test_a_printer_gone_or_broken_is_an_alert():
    settings = console.ConsoleSettings()
    gone = beat()
    gone["devices"] = {"printer": {"state": "absent", "code": "printer.no_device"},
                       "a4printer": {"state": "error", "code": "a4.jam"}}
    gone["consumables"] = {"receipt_paper": "ok"}
    row = console.terminal_row(TERMINAL, time.time(), gone, time.time(), settings)
    assert [a["text"] for a in row["alerts"]] == ["printer 未连接", "a4printer 故障 a4.jam"]


def test_a_command_from_the_console_reaches_the_heartbeat_and_its_ack_is_shown(platform,
                                                                                  book):
    c = log_in(platform.url)
    url = f"{platform.url}/console/api/commands"
    assert c.post(url, json={"terminal": TERMINAL, "name": "lock"}).status_code == 422
    assert c.post(url, json={"terminal": "T-9999", "name": "unlock"}).status_code == 404
    assert c.post(url, json={"terminal": TERMINAL, "name": "set_config"}).status_code == 422
    sent = c.post(url, json={"terminal": TERMINAL, "name": "lock", "message": "设备维护中"})
    assert sent.status_code == 201
    cid = sent.json()["id"]
    assert [(x["id"], x["args"]) for x in heartbeat(platform.url)] == [
        (cid, {"message": "设备维护中"})]
    ack = signed_session().post(f"{platform.url}/v1/commands/{cid}/ack",
                                data=canonical_json({"status": "done",
                                                     "detail": "locked: out-of-service "
                                                               "screen shown"}))
    assert ack.status_code == 200
    shown = c.get(f"{platform.url}/console/api/fleet").json()["commands"]
    assert [(x["id"], x["status"], x["detail"]) for x in shown] == [
        (cid, "done", "locked: out-of-service screen shown")]
    audit = book.audit_rows()[0]
    assert (audit["user"], audit["action"], audit["terminal"]) == ("zhang.wei", "command",
                                                                   TERMINAL)
    assert cid in audit["detail"] and "设备维护中" in audit["detail"]
    answer = c.post(url, json={"terminal": TERMINAL, "name": "answer_help",
                               "message": "马上到"})  # to a citizen who called for staff
    assert answer.status_code == 201
    assert [(x["name"], x["args"]) for x in heartbeat(platform.url)
            if x["id"] == answer.json()["id"]] == [("answer_help", {"message": "马上到"})]
    platform.store.register_terminal("T-0002", b"x" * 32)
    c.post(url, json={"terminal": "T-0002", "name": "unlock"})
    one = c.get(f"{platform.url}/console/api/fleet", params={"terminal": TERMINAL}).json()
    assert [x["id"] for x in one["commands"]][-1] == cid


def test_a_logged_in_person_gets_the_call_page_token_and_sees_a_call_ring(platform, book):
    assert requests.get(f"{platform.url}/console/api/call-token").status_code == 401
    c = log_in(platform.url)
    token = c.get(f"{platform.url}/console/api/call-token").json()["token"]
    assert token == remote_help.console_token(platform.store.root)
    assert book.audit_rows()[0]["action"] == "call_page"
    heartbeat(platform.url)
    rang = signed_session().post(f"{platform.url}/v1/calls",
                                 data=canonical_json({"sdp": "v=0 an offer"}))
    assert rang.status_code == 201
    alerts = c.get(f"{platform.url}/console/api/fleet").json()["terminals"][0]["alerts"]
    assert "call_ringing" in {a["kind"] for a in alerts}


def test_console_user_add_reads_the_password_from_stdin(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{tmp_path.as_posix()}"\n', encoding="utf-8")
    db = tmp_path / "p" / "platform.sqlite3"
    base = ["--config", str(cfg), "platform", "console-user"]
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main([*base, "add", "li.na", "--stdin", "--db", str(db)]) == 1
    assert "at least" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main([*base, "add", "li.na", "--stdin", "--db", str(db)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main([*base, "add", "li.na", "--stdin", "--db", str(db)]) == 1  # exists
    assert main([*base, "list", "--db", str(db)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "li.na"
    path = db.parent / "console.sqlite3"
    assert path.stat().st_mode & 0o777 == 0o600
    assert PASSWORD.encode() not in path.read_bytes()
    book = console.ConsoleBook.beside(db.parent)
    try:
        assert book.login("li.na", PASSWORD, "test")
    finally:
        book.close()
    assert main([*base, "remove", "li.na", "--db", str(db)]) == 0
