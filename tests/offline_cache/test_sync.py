"""The sync engine against the real reference platform, with and without a fault proxy."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from central.faultproxy import Fault, FaultProxy, no_faults
from offline_cache.client import OutcomeUnknown
from offline_cache.outbox import Kind, State
from offline_cache.presence import Presence
from offline_cache.sync import (
    FIRST_CHUNK,
    MIN_CHUNK,
    ChunkSizer,
    SyncEngine,
    SyncSettings,
    backoff,
)
from tests.platform.harness import TERMINAL, make_client, make_outbox

FAST = SyncSettings(interval=3600, heartbeat_interval=3600, chunk_size=64 << 10,
                    backoff_base=0.01, backoff_cap=0.05)


class Rig:
    """An outbox, a fault proxy in front of the platform, and an engine using both."""

    def __init__(self, folder: Path, platform, settings: SyncSettings = FAST,
                 plan: Callable = no_faults, deadline: float = 5.0, **client_kw) -> None:
        self.key = os.urandom(32)
        self.outbox = make_outbox(folder / "outbox", key=self.key)
        self.platform = platform
        self.proxy = FaultProxy(platform.host, platform.port, plan).start()
        self.client = make_client(client_kw.pop("url", self.proxy.url), deadline=deadline,
                                  **client_kw)
        self.engine = SyncEngine(make_outbox(folder / "outbox", key=self.key, durable=False),
                                 self.client, folder / "outbox" / "sync.lock",
                                 settings=settings, version="test", rng=random.Random(7))
        self.files: dict[str, bytes] = {}

    def case(self, n_files: int = 2, size: int = 150_000) -> str:
        uuid = self.outbox.create_case("birth", {"name": "王小明", "n": len(self.files)})
        for i in range(n_files):
            data = os.urandom(size)
            self.files[self.outbox.add_attachment(uuid, data, "image/jpeg", f"p{i}")] = data
        self.outbox.finalize(uuid)
        return uuid

    def drain(self, max_rounds: int = 200) -> int:
        """Run rounds (as the worker would, backoffs skipped) until nothing is unsent."""
        assert self.engine.try_lock()
        for n in range(1, max_rounds + 1):
            self.outbox.retry_failed_now()
            self.engine.run_once()
            if self.outbox.status().unsent == 0:
                return n
        raise AssertionError(f"not drained after {max_rounds} rounds: {self.outbox.status()}")

    def assert_platform_holds_exactly_the_finalized_cases(self) -> None:
        sent = {r.uuid for r in self.outbox.records() if r.kind is Kind.CASE}
        stored = self.platform.store.records("case")
        assert sorted(r["id"] for r in stored) == sorted(sent)  # each once
        for sha, data in self.files.items():
            assert self.platform.store.read_blob(sha) == data
        assert self.outbox.verify() == []
        assert {r.state for r in self.outbox.records()} <= {State.SYNCED}

    def close(self) -> None:
        self.engine.stop()
        self.client.close()
        self.proxy.stop()
        self.outbox.close()


@pytest.fixture
def rig_factory(tmp_path, platform):
    rigs: list[Rig] = []

    def make(**kw) -> Rig:
        rigs.append(Rig(tmp_path / f"rig{len(rigs)}", platform, **kw))
        return rigs[-1]

    yield make
    for r in rigs:
        r.close()


def test_cases_and_records_arrive_once_with_byte_identical_attachments(rig_factory, platform):
    rig = rig_factory()
    cases = [rig.case() for _ in range(3)]
    rig.outbox.add_record(Kind.EVALUATION, "birth", {"score": 5, "case_id": cases[0]})
    rig.outbox.add_record(Kind.REPORT, "birth", {"description": "缺少出生医学证明"})
    rig.outbox.add_record(Kind.TICKET, "A", {"number": "A007", "prefix": "A",
                                             "issued_at": "2026-05-09T09:00:00+08:00"})
    assert rig.drain() == 1
    rig.assert_platform_holds_exactly_the_finalized_cases()
    for kind in ("evaluation", "report", "ticket"):
        assert len(platform.store.records(kind)) == 1
    assert all(rig.outbox.record(c).receipt.startswith("ZW") for c in cases)
    beat = platform.store.last_heartbeat(TERMINAL)
    assert beat["outbox"]["pending"] == 0 and beat["version"] == "test"


@pytest.mark.parametrize("fault", [Fault.CAPTIVE, Fault.HTTP_500, Fault.RESET])
def test_a_portal_page_an_error_or_a_reset_is_not_a_success(rig_factory, fault):
    faults = iter([(fault, 0.0)])
    rig = rig_factory(plan=lambda _n: next(faults, (Fault.NONE, 0.0)))
    uuid = rig.case(n_files=0)
    assert rig.engine.try_lock()
    result = rig.engine.run_round()
    rec = rig.outbox.record(uuid)
    assert (result.synced, rec.state, rec.attempts) == (0, State.FAILED, 1)
    assert "outcome unknown" in rec.last_error
    rig.drain()
    rig.assert_platform_holds_exactly_the_finalized_cases()


def test_an_answer_lost_after_the_platform_acted_is_retried_without_a_duplicate(
        rig_factory, platform):
    # Every connection's answer is lost until the proxy is told otherwise: the platform
    # stores the case but the terminal never hears so.
    lose = {"on": True}
    rig = rig_factory(plan=lambda _n: (Fault.CUT_DOWN, 0.0) if lose["on"] else
                      (Fault.NONE, 0.0))
    uuid = rig.case(n_files=1)
    (sha, _), = rig.files.items()
    assert rig.engine.try_lock()
    rig.engine.run_round()
    assert platform.store.upload_state(sha).received > 0  # it arrived; the answer did not
    rig.outbox.retry_failed_now()
    rig.engine.run_round()
    assert rig.outbox.record(uuid).state is State.FAILED
    lose["on"] = False
    rig.drain()
    rig.assert_platform_holds_exactly_the_finalized_cases()
    assert rig.outbox.record(uuid).attempts >= 3


def test_a_different_body_under_the_same_id_is_rejected_with_the_reason(rig_factory):
    rig = rig_factory()
    uuid = rig.case(n_files=0)
    claim = rig.outbox.claim_next()
    rig.outbox.mark_failed(uuid, claim.revision, "test", 0)
    # Someone else already put revision 1 of this id with other content.
    from offline_cache.sync import document

    other = document(claim)
    other["form"] = {"name": "别人"}
    rig.client.put_record("case", uuid, other)
    rig.drain()
    rec = rig.outbox.record(uuid)
    assert rec.state is State.REJECTED and rec.last_error.startswith("conflict")
    assert rig.outbox.status().rejected == 1


def test_a_cut_mid_attachment_resumes_and_resends_at_most_one_chunk(rig_factory, platform):
    chunk = FAST.chunk_size
    # The third request is the attachment's third chunk: cut it half-way through its body.
    rig = rig_factory(plan=lambda n: (Fault.CUT_UP, chunk / 2) if n == 3 else (Fault.NONE, 0))
    uuid = rig.case(n_files=1, size=6 * chunk)
    rig.drain()
    rig.assert_platform_holds_exactly_the_finalized_cases()
    (sha, data), = rig.files.items()
    resent = rig.engine.counters.per_attachment[sha] - len(data)
    assert 0 < resent <= chunk
    assert rig.proxy.injected[Fault.CUT_UP] == 1
    assert rig.outbox.record(uuid).attempts == 2


def test_a_trickling_server_cannot_hold_a_request_past_its_deadline(rig_factory):
    rig = rig_factory(plan=lambda _n: (Fault.TRICKLE, 0.2), deadline=1.0)
    with pytest.raises(OutcomeUnknown, match="cut short"):
        rig.client.upload_state("0" * 64)  # ~200 bytes at 5 per second would take 40 s


def test_a_forged_terminal_is_refused_and_the_case_waits(rig_factory, platform):
    rig = rig_factory()
    rig.client.session.auth.secret = b"wrong"
    uuid = rig.case(n_files=0)
    assert rig.engine.try_lock()
    rig.engine.run_once()
    rec = rig.outbox.record(uuid)
    assert rec.state is State.FAILED and "bad_signature" in rec.last_error
    assert platform.store.records("case") == []


def test_an_edit_during_the_upload_sends_the_new_revision_after_the_old(rig_factory, platform):
    edited = threading.Event()
    rig = rig_factory()
    uuid = rig.case(n_files=0)
    real_put = rig.client.put_record

    def slow_put(kind, rid, doc):  # the citizen corrects the form while this is in flight
        if not edited.is_set():
            rig.outbox.edit_case(uuid, {"name": "王小明", "phone": "13900000000"})
            edited.set()
        return real_put(kind, rid, doc)

    rig.client.put_record = slow_put
    assert rig.engine.try_lock()
    result = rig.engine.run_round()
    revisions = [(r["revision"], r["body"]["form"].get("phone")) for r in
                 platform.store.records("case")]
    assert revisions == [(1, None), (2, "13900000000")]
    assert rig.outbox.record(uuid).state is State.SYNCED and result.synced == 1
    events = [e for _, _, e, _ in rig.outbox.audit(uuid)]
    assert "synced_superseded" in events and events[-1] == "synced"


def test_the_worker_runs_on_triggers_and_backs_off_while_the_link_is_down(rig_factory):
    slow = SyncSettings(interval=3600, heartbeat_interval=3600, backoff_base=600,
                        backoff_cap=600)
    rig = rig_factory(settings=slow)
    statuses = []
    rig.engine.on_status(statuses.append)
    rig.engine.start()
    wait_for(lambda: statuses and statuses[-1].link == "ok")
    first = rig.case(n_files=1)
    rig.engine.trigger("finalized")
    wait_for(lambda: rig.outbox.record(first).state is State.SYNCED)
    rig.proxy.set_up(False)  # 断开网络
    second = rig.case(n_files=1)
    rig.engine.trigger("finalized")
    wait_for(lambda: rig.outbox.record(second).state is State.FAILED)
    assert statuses[-1].link == "down" and statuses[-1].outbox.failed == 1
    rig.proxy.set_up(True)
    rig.engine.trigger("network")  # without this the 600 s backoff would hold it
    wait_for(lambda: rig.outbox.record(second).state is State.SYNCED)
    wait_for(lambda: statuses[-1].link == "ok" and statuses[-1].outbox.unsent == 0)


def test_remote_commands_are_kept_once_and_acknowledged(rig_factory, platform):
    rig = rig_factory()
    cid = platform.store.enqueue_command(TERMINAL, "restart", {"at": "03:00"})
    rig.drain()
    assert rig.outbox.commands() == [{"id": cid, "name": "restart", "args": {"at": "03:00"},
                                      "state": "received"}]
    assert platform.store.command_ack(cid) == ("received", "")


def test_only_one_worker_per_outbox_even_across_processes(tmp_path, rig_factory):
    rig = rig_factory()
    lock = str(tmp_path / "rig0" / "outbox" / "sync.lock")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from offline_cache.lock import ProcessLock; "
         f"l = ProcessLock(Path({lock!r})); print(l.acquire(), flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "True"
        assert not rig.engine.try_lock()
    finally:
        holder.kill()
        holder.wait()
    assert rig.engine.try_lock()  # the kernel freed the dead holder's lock


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    rng = random.Random(1)
    delays = [backoff(n, 2, 60, rng) for n in range(1, 9)]
    assert all(d / 2 <= 2 * 2 ** (n - 1) for n, d in enumerate(delays, 1))
    assert 1 <= delays[0] <= 2 and 32 <= delays[5] <= 60 and delays[7] <= 60
    assert len({round(backoff(4, 2, 60, rng), 6) for _ in range(20)}) > 10  # jittered


def wait_for(cond: Callable[[], object], timeout: float = 20.0) -> None:
    done = threading.Event()
    end = timeout
    while not cond():
        if end <= 0:
            raise AssertionError("condition not met in time")
        done.wait(0.02)
        end -= 0.02


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it (PEM files)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("测试 CA")).issuer_name(name("测试 CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now)
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def test_tls_is_verified_and_can_be_pinned_to_the_platform_ca(tmp_path):
    from tests.platform.harness import start_platform

    ca, cert, key = _certificates(tmp_path)
    server = start_platform(tmp_path / "p", ssl_certfile=str(cert), ssl_keyfile=str(key))
    try:
        pinned = make_client(server.url, ca_file=str(ca))
        assert pinned.catalog()[1]["services"]
        with pytest.raises(OutcomeUnknown, match="SSLError"):
            make_client(server.url).catalog()  # the system's CAs do not know this platform
        (tmp_path / "other").mkdir()
        other_ca = _certificates(tmp_path / "other")[0]  # pinned to someone else's CA
        with pytest.raises(OutcomeUnknown, match="SSLError"):
            make_client(server.url, ca_file=str(other_ca)).catalog()
        pinned.close()
    finally:
        server.stop()


def test_the_client_speaks_the_rest_of_the_platform_api(rig_factory, platform):
    rig = rig_factory()
    etag, catalog = rig.client.catalog()
    assert catalog["services"] and rig.client.catalog(etag) == (etag, None)  # cached copy
    first = rig.client.take_number("D", "7d0b6c1e-1a2b-4c3d-9e8f-001122334455")
    assert first["number"] == "D001"
    assert rig.client.take_number("D", "7d0b6c1e-1a2b-4c3d-9e8f-001122334455") == first
    assert {c["kind"] for c in rig.client.certificates_offered()} >= {"household_registration"}
    cert = rig.client.certificate("household_registration", "11010519491231002X", "王小明",
                                  "落户", presence=Presence.unread("11010519491231002X"))
    assert cert["template"] == "household_registration"
    assert cert["data"]["name"] == "王小明" and cert["data"]["purpose"] == "落户"
    uuid = rig.case(n_files=0)
    rig.drain()
    progress = rig.client.progress(uuid)
    assert progress["status"] == "received"
    assert progress["receipt"] == rig.outbox.record(uuid).receipt


def test_chunks_grow_on_a_fast_link_and_shrink_on_a_slow_or_failing_one():
    sizer = ChunkSizer(4 << 20)
    assert sizer.size() == FIRST_CHUNK
    sizes = []
    for _ in range(6):  # a hall's LAN: 256 KiB in 10 ms
        sizer.took(sizer.size(), 0.01)
        sizes.append(sizer.size() >> 10)
    assert sizes == [512, 1024, 2048, 4096, 4096, 4096]  # twofold at most, then the cap
    sizer.took(4 << 20, 40.0)  # a village's weak 4G: ~100 KiB/s, so ~2 s is ~200 KiB
    assert sizer.size() == 192 << 10
    sizer.took(1000, 30.0)  # a short last piece says nothing about the link
    assert sizer.size() == 192 << 10
    for _ in range(10):  # cut after cut
        sizer.failed()
    assert sizer.size() == MIN_CHUNK
    assert ChunkSizer(64 << 10).size() == 64 << 10  # never above the configured largest


def test_a_large_attachment_goes_in_growing_chunks(rig_factory, platform):
    rig = rig_factory(settings=SyncSettings(interval=3600, heartbeat_interval=3600,
                                            chunk_size=2 << 20))
    rig.case(n_files=1, size=6 << 20)
    rig.drain()
    rig.assert_platform_holds_exactly_the_finalized_cases()
    # Fixed 256 KiB chunks would take 24 requests; on the loopback they grow to 2 MiB.
    assert rig.engine.chunks.size() == 2 << 20
    assert rig.proxy.requests < 24
