"""A look-up of a person on the platform needs proof the person is at this kiosk now (the
presence token of their card read, for this terminal and this ID number, for a few
minutes), and every look-up is audited with terminal and purpose, never the plain ID."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from central.store import PRESENCE_TTL
from offline_cache.client import OutcomeUnknown, PlatformRefused
from offline_cache.presence import Presence
from offline_cache.signing import HmacAuth
from offline_cache.wire import canonical_json
from tests.platform.harness import (
    TERMINAL,
    cli_db,
    make_client,
    presence_token,
    signed_session,
)

ID = "11010519491231002X"
OTHER = "440305199001011234"
NAME = "王小明"
SECRET_B = bytes(range(32))


def lookups(id_number: str, token: str | None) -> dict[str, tuple[str, dict]]:
    """Every look-up of a person the platform answers: path and body."""
    extra = {} if token is None else {"presence": token}
    return {
        "certificate": ("/v1/certificates", {
            "kind": "household_registration", "holder_id_number": id_number,
            "holder_name": NAME, "purpose": "落户", "months": 0, **extra}),
        "progress": ("/v1/cases/lookup", {"id_number": id_number, **extra}),
        "licences": ("/v1/licences/lookup", {"id_number": id_number,
                                             "materials": ["居民户口簿"], **extra}),
        "bill": ("/v1/payments/bills", {"kind": "medical", "id_number": id_number,
                                        "account": "", **extra}),
        "records": ("/v1/payments/records", {"id_number": id_number, **extra}),
    }


def ask(s: requests.Session, url: str, path: str, body: dict) -> requests.Response:
    return s.post(url + path, data=canonical_json(body))


@pytest.fixture
def s():
    session = signed_session()
    yield session
    session.close()


@pytest.fixture
def b(platform):
    """Terminal B, enrolled on the same platform."""
    platform.store.register_terminal("T-0002", SECRET_B)
    session = requests.Session()
    session.auth = HmacAuth("T-0002", SECRET_B)
    session.trust_env = False
    yield session
    session.close()


def test_without_a_presence_token_every_look_up_of_a_person_is_refused(platform, s):
    for name, (path, body) in lookups(ID, None).items():
        answer = ask(s, platform.url, path, body)
        assert answer.status_code == 401, name
        assert answer.json()["error"] == "presence_required", name
        assert "presence" in answer.json()["detail"]
    # With the person's token each is answered.
    token = presence_token(s, platform.url, ID)
    for name, (path, body) in lookups(ID, token).items():
        assert ask(s, platform.url, path, body).status_code == 200, name
    # A utility bill by account number is not a look-up of a person.
    water = ask(s, platform.url, "/v1/payments/bills",
                {"kind": "water", "id_number": "", "account": "330100123456"})
    assert water.status_code == 200


def test_a_token_from_terminal_a_is_refused_at_terminal_b(platform, s, b):
    token = presence_token(s, platform.url, ID)
    for name, (path, body) in lookups(ID, token).items():
        answer = ask(b, platform.url, path, body)
        assert (answer.status_code, answer.json()["error"]) == (401, "presence_invalid"), name
    # Exactly what a token nobody was given gets: B learns nothing of A's.
    made_up = ask(b, platform.url, *lookups(ID, "x" * 43)["progress"])
    stolen = ask(b, platform.url, *lookups(ID, token)["progress"])
    assert made_up.json() == stolen.json()
    # A still uses it.
    assert ask(s, platform.url, *lookups(ID, token)["progress"]).status_code == 200


def test_an_expired_token_is_refused(platform, s, monkeypatch):
    monkeypatch.setattr("central.store.PRESENCE_TTL", -1.0)
    token = presence_token(s, platform.url, ID)
    for name, (path, body) in lookups(ID, token).items():
        answer = ask(s, platform.url, path, body)
        assert (answer.status_code, answer.json()["error"]) == (401, "presence_expired"), name


def test_a_token_is_this_persons_and_a_new_card_ends_the_last(platform, s):
    mine = presence_token(s, platform.url, ID)
    answer = ask(s, platform.url, *lookups(OTHER, mine)["certificate"])
    assert (answer.status_code, answer.json()["error"]) == (401, "presence_invalid")
    theirs = presence_token(s, platform.url, OTHER)  # the next citizen's card
    answer = ask(s, platform.url, *lookups(ID, mine)["progress"])
    assert (answer.status_code, answer.json()["error"]) == (401, "presence_invalid")
    assert ask(s, platform.url, *lookups(OTHER, theirs)["progress"]).status_code == 200


def test_the_presence_answer_says_how_long_it_is_good_for(platform, s):
    body = {"id_number": ID, "card_digest": "ab" * 32, "source": "sscard"}
    answer = ask(s, platform.url, "/v1/presence", body)
    assert answer.status_code == 201
    assert answer.json()["expires_in"] == PRESENCE_TTL == 600.0
    assert ask(s, platform.url, "/v1/presence", {**body, "card_digest": "no"}).status_code \
        == 422


def test_the_client_asks_for_a_token_once_and_again_when_it_ran_out(platform):
    client = make_client(platform.url)
    here = Presence.unread(ID)
    try:
        client.cases_of(ID, presence=here)
        client.licences(ID, ["居民户口簿"], presence=here)
        assert [r["purpose"] for r in platform.store.audit_rows()] == [
            "licences", "progress", "presence"]
        with platform.store._tx() as db:  # the platform's clock passes its end
            db.execute("UPDATE presence SET expires_at = 0")
        cert = client.certificate("household_registration", ID, NAME, "落户", presence=here)
        assert cert["data"]["name"] == NAME
        assert [(r["purpose"], r["outcome"]) for r in platform.store.audit_rows()][:3] == [
            ("certificate:household_registration", "answered"), ("presence", "issued"),
            ("certificate:household_registration", "refused presence_expired")]
        with pytest.raises(ValueError):
            client.cases_of(OTHER, presence=here)  # not theirs to look up
        here.end()  # the citizen left: nothing more is asked as them
        rows = len(platform.store.audit_rows())
        with pytest.raises(OutcomeUnknown):
            client.payment_records(ID, presence=here)
        assert len(platform.store.audit_rows()) == rows
        with pytest.raises(PlatformRefused) as e:
            client.cases_of(ID)
        assert e.value.error == "presence_required"
    finally:
        client.close()


def test_every_look_up_is_audited_with_purpose_and_no_plain_id_number(platform, s, b,
                                                                        tmp_path):
    token = presence_token(s, platform.url, ID)
    for path, body in lookups(ID, token).values():
        ask(s, platform.url, path, body)
    ask(s, platform.url, *lookups(ID, None)["certificate"])  # refused: audited too
    ask(b, platform.url, *lookups(ID, token)["records"])
    rows = platform.store.audit_rows()
    seen = {(r["terminal"], r["purpose"], r["outcome"]) for r in rows}
    assert seen == {
        (TERMINAL, "presence", "issued"),
        (TERMINAL, "certificate:household_registration", "answered"),
        (TERMINAL, "progress", "answered"), (TERMINAL, "licences", "answered"),
        (TERMINAL, "payment_bill:medical", "answered"),
        (TERMINAL, "payment_records", "answered"),
        (TERMINAL, "certificate:household_registration", "refused presence_required"),
        ("T-0002", "payment_records", "refused presence_invalid")}
    assert {r["person_masked"] for r in rows} == {"1101**********002X"}
    assert len({r["person"] for r in rows}) == 1  # one person, one pseudonym
    assert all(r["at"] for r in rows)
    assert ID not in json.dumps(rows)
    files = b"".join(p.read_bytes() for p in platform.store.root.glob("platform.sqlite3*"))
    assert ID.encode() not in files and ID[:17].encode() not in files

    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n', encoding="utf-8")
    def audit(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg),
                               "platform", "audit", *cli_db(platform), *extra],
                              capture_output=True, text=True, timeout=60)

    text = audit()
    assert text.returncode == 0, text.stderr
    assert "payment_records" in text.stdout and "refused presence_invalid" in text.stdout
    assert "1101**********002X" in text.stdout and ID not in text.stdout
    only_b = json.loads(audit("--terminal", "T-0002", "--json").stdout)["audit"]
    assert [(r["terminal"], r["purpose"]) for r in only_b] == [("T-0002", "payment_records")]
