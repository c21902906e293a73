"""远程咨询 signalling on the reference platform: a kiosk's call, bound to its terminal,
rings for the staff console (token), is answered and ended by either side."""

from __future__ import annotations

import requests

from central import console, remote_help
from offline_cache.wire import canonical_json
from tests.platform.harness import SECRET, signed_session

OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"


def _staff(platform, token: str | None = None) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    tok = token if token is not None else remote_help.console_token(platform.store.root)
    s.headers["Authorization"] = f"Bearer {tok}"
    return s


def test_a_call_rings_is_answered_and_ends(platform):
    kiosk, staff, url = signed_session(), _staff(platform), platform.url
    started = kiosk.post(f"{url}/v1/calls", data=canonical_json({"sdp": OFFER}))
    assert started.status_code == 201, started.text
    call = started.json()
    assert call["state"] == "ringing" and call["terminal"] == "T-0001"

    ringing = staff.get(f"{url}/console/calls").json()["calls"]
    assert [c["id"] for c in ringing] == [call["id"]]
    assert "offer" not in ringing[0]  # the list is small; the offer comes with the call
    assert staff.get(f"{url}/console/calls/{call['id']}").json()["offer"] == OFFER

    answered = staff.post(f"{url}/console/calls/{call['id']}/answer", json={"sdp": OFFER + "a"})
    assert answered.json()["state"] == "answered"
    assert staff.get(f"{url}/console/calls").json()["calls"] == []
    seen = kiosk.get(f"{url}/v1/calls/{call['id']}").json()
    assert seen["state"] == "answered" and seen["answer"] == OFFER + "a"
    again = staff.post(f"{url}/console/calls/{call['id']}/answer", json={"sdp": OFFER})
    assert again.status_code == 409

    ended = staff.post(f"{url}/console/calls/{call['id']}/hangup").json()
    assert (ended["state"], ended["ended_by"]) == ("ended", "staff")
    assert kiosk.get(f"{url}/v1/calls/{call['id']}").json()["ended_by"] == "staff"


def test_the_kiosk_hangs_up_and_only_its_own_call(platform):
    kiosk, url = signed_session(), platform.url
    call = kiosk.post(f"{url}/v1/calls", data=canonical_json({"sdp": OFFER})).json()
    platform.store.register_terminal("T-0002", SECRET[::-1])
    other = signed_session(SECRET[::-1])
    other.auth.terminal = "T-0002"  # type: ignore[union-attr]
    assert other.get(f"{url}/v1/calls/{call['id']}").status_code == 404
    assert other.post(f"{url}/v1/calls/{call['id']}/hangup").status_code == 404
    ended = kiosk.post(f"{url}/v1/calls/{call['id']}/hangup").json()
    assert (ended["state"], ended["ended_by"]) == ("ended", "kiosk")
    assert _staff(platform).get(f"{url}/console/calls").json()["calls"] == []


def test_the_console_needs_the_staff_token_and_its_page_has_no_data(platform):
    url = platform.url
    signed_session().post(f"{url}/v1/calls", data=canonical_json({"sdp": OFFER}))
    assert _staff(platform, "wrong").get(f"{url}/console/calls").status_code == 401
    assert _staff(platform, "").get(f"{url}/console/calls").status_code == 401
    page = requests.get(f"{url}/console/call.html")
    assert page.status_code == 200 and "挂断" in page.text and "T-0001" not in page.text
    # The kiosk's routes are signed: a token is no way in.
    assert _staff(platform).post(f"{url}/v1/calls", json={"sdp": OFFER}).status_code == 401


def test_an_unanswered_call_stops_ringing_and_is_forgotten(platform, monkeypatch):
    kiosk, staff, url = signed_session(), _staff(platform), platform.url
    call = kiosk.post(f"{url}/v1/calls", data=canonical_json({"sdp": OFFER})).json()
    monkeypatch.setattr(remote_help, "RING_TTL", 0.0)
    assert staff.get(f"{url}/console/calls").json()["calls"] == []
    assert kiosk.get(f"{url}/v1/calls/{call['id']}").json()["ended_by"] == "timeout"
    monkeypatch.setattr(remote_help, "CALL_TTL", 0.0)
    assert kiosk.get(f"{url}/v1/calls/{call['id']}").status_code == 404


def test_a_console_login_answers_pushes_and_is_audited_by_name(platform):
    """A person logged in to the fleet console needs no token on the call routes; what
    they do with a call is kept under their name. The kiosk's screen context is passed on
    only as words of the kiosk's own."""
    from tests.platform.test_console import PASSWORD, log_in

    book = console.ConsoleBook.beside(platform.store.root)
    try:
        book.add_user("li.na", PASSWORD)
        kiosk, url = signed_session(), platform.url
        context = {"service": "apply", "step": "apply_form", "language": "zh_CN",
                   "elder": "yes"}
        call = kiosk.post(f"{url}/v1/calls", data=canonical_json(
            {"sdp": OFFER, "context": context})).json()
        assert call["context"] == context
        bad = kiosk.post(f"{url}/v1/calls", data=canonical_json(
            {"sdp": OFFER, "context": {"name": "张三"}}))  # not a word of the kiosk's own
        assert bad.status_code == 422

        staff = log_in(url, name="li.na")
        assert staff.get(f"{url}/console/calls").json()["calls"][0]["context"] == context
        assert staff.post(f"{url}/console/calls/{call['id']}/answer",
                          json={"sdp": OFFER}).status_code == 200
        assert staff.post(f"{url}/console/calls/{call['id']}/push",
                          json={"item": "flow:queue"}).status_code == 200
        assert staff.post(f"{url}/console/calls/{call['id']}/push",
                          json={"item": "<script>"}).status_code == 422
        assert kiosk.get(f"{url}/v1/calls/{call['id']}").json()["push"] == "flow:queue"
        staff.post(f"{url}/console/calls/{call['id']}/hangup")
        done = [(r["user"], r["action"], r["detail"]) for r in book.audit_rows()
                if r["action"].startswith("call_")]
        assert set(done) == {("li.na", "call_answer", call["id"]),
                             ("li.na", "call_push", f"{call['id']} flow:queue"),
                             ("li.na", "call_hang_up", call["id"])}
        assert requests.get(f"{url}/console/calls").status_code == 401  # neither: refused
    finally:
        book.close()
