"""The platform as an attacker meets it: terminals fenced from each other, bodies refused
before they are read, replies signed (security issue, items 1, 2 and 4)."""

from __future__ import annotations

import uuid

import pytest
import requests

from offline_cache.signing import HmacAuth
from offline_cache.wire import canonical_json
from tests.platform.harness import signed_session

NOW = "2026-05-09T10:00:00+08:00"
OTHER = "T-0002"
OTHER_SECRET = bytes.fromhex("0b" * 32)


def case_doc(revision: int = 1, name: str = "王小明") -> dict:
    return {"revision": revision, "service": "birth", "created_at": NOW, "finalized_at": NOW,
            "form": {"name": name}, "attachments": []}


@pytest.fixture
def other(platform) -> requests.Session:
    """A second terminal, enrolled on the same platform."""
    platform.store.register_terminal(OTHER, OTHER_SECRET)
    s = requests.Session()
    s.auth = HmacAuth(OTHER, OTHER_SECRET)
    s.trust_env = False
    return s


def test_a_terminal_neither_reads_nor_amends_another_terminals_case(platform, other):
    a = signed_session()
    rid = str(uuid.uuid4())
    url = f"{platform.url}/v1/cases/{rid}"
    assert a.put(url, data=canonical_json(case_doc())).status_code == 201
    # B asks for A's case: the same 404 as for a case that does not exist.
    seen = other.get(f"{url}/progress")
    nothing = other.get(f"{platform.url}/v1/cases/{uuid.uuid4()}/progress")
    assert (seen.status_code, nothing.status_code) == (404, 404)
    assert seen.json()["error"] == nothing.json()["error"]
    # B sends revision 2 of A's case, and then A's very bytes again: both 404, nothing kept.
    amend = other.put(url, data=canonical_json(case_doc(2, name="李四")))
    again = other.put(url, data=canonical_json(case_doc()))
    assert (amend.status_code, again.status_code) == (404, 404)
    assert "receipt" not in amend.json() and "receipt" not in again.json()
    assert [(r["revision"], r["terminal"]) for r in platform.store.records("case")] == [
        (1, "T-0001")]
    # A still reads and amends its own.
    assert a.get(f"{url}/progress").status_code == 200
    assert a.put(url, data=canonical_json(case_doc(2))).status_code == 201
