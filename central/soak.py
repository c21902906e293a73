"""Proof harness: a terminal's outbox drained into the reference platform through faults
and crashes, then checked. The bounded tests (``tests/offline_cache``) and the long soak
(``bench/bench_sync.py soak``) both use it.

Afterwards the platform must hold exactly the finalized cases, each once, with the same
form and byte-identical attachments, and the terminal's outbox must be consistent with
everything synced.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from central.faultproxy import Fault, FaultProxy, random_faults
from central.store import PlatformStore
from kiosk.config import KioskConfig, parse_config
from kiosk.link import build_engine, open_outbox
from offline_cache.crypto import SealError
from offline_cache.outbox import CaseOutbox, Kind, State

ALL_FAULTS = (Fault.RESET, Fault.CUT_UP, Fault.CUT_DOWN, Fault.DELAY, Fault.HTTP_500,
              Fault.CAPTIVE, Fault.TRICKLE)


@dataclass
class SoakTerminal:
    """A terminal's data folder and configuration, aimed at a platform URL."""

    folder: Path
    config_path: Path
    config: KioskConfig
    files: dict[str, bytes] = field(default_factory=dict)

    def outbox(self) -> CaseOutbox:
        return open_outbox(self.config)


def make_terminal(folder: Path, url: str, terminal: str, secret: bytes, *, chunk_kb: int = 64,
                  deadline: int = 10) -> SoakTerminal:
    folder.mkdir(parents=True, exist_ok=True)
    secret_file = folder / "platform.secret"
    secret_file.write_text(secret.hex())
    secret_file.chmod(0o600)
    text = (f'[terminal]\nid = "{terminal}"\n[data]\ndir = "{folder.as_posix()}"\n'
            f'[platform]\nurl = "{url}"\nsecret_file = "{secret_file.as_posix()}"\n'
            f"chunk_kb = {chunk_kb}\nrequest_deadline = {deadline}\n")
    path = folder / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return SoakTerminal(folder, path, parse_config(text, str(path), dev=True))


def fill(term: SoakTerminal, cases: int, files_per_case: int, size: int,
         rng: random.Random, keep: bool = True) -> list[str]:
    """Finalized cases with random attachments (kept in ``term.files`` to compare, unless
    ``keep`` is False: a benchmark's gigabyte need not stay in memory)."""
    outbox = term.outbox()
    ids = []
    try:
        for n in range(cases):
            uuid = outbox.create_case("birth", {"applicant": f"测试申请人{n}", "n": n})
            for i in range(files_per_case):
                data = rng.randbytes(size)
                sha = outbox.add_attachment(uuid, data, "image/jpeg", f"page{i}")
                if keep:
                    term.files[sha] = data
            outbox.finalize(uuid)
            ids.append(uuid)
    finally:
        outbox.close()
    return ids


# --- faults: the sync engine in this process, through a fault proxy ------------------------
def drain_through_faults(term: SoakTerminal, store_host: str, store_port: int, rate: float,
                         rng: random.Random, kinds: tuple[Fault, ...] = ALL_FAULTS,
                         max_delay: float = 0.3, max_rounds: int = 2000) -> Counter[str]:
    """Sync everything through a proxy that breaks ``rate`` of requests (cuts anywhere in a
    request or its answer); returns the faults injected. Backoffs are skipped (each
    round retries at once) to keep it quick. A trickle costs a whole request deadline."""
    plan = random_faults(rng, rate, kinds, max_delay=max_delay)
    proxy = FaultProxy(store_host, store_port, plan).start()
    engine = build_engine(term.config, proxy.url)
    outbox = term.outbox()
    try:
        assert engine.try_lock(), "another process holds this outbox's sync lock"
        for _ in range(max_rounds):
            outbox.retry_failed_now()
            engine.run_once()
            if outbox.status().unsent == 0:
                return proxy.injected
        raise AssertionError(f"not drained after {max_rounds} rounds: {outbox.status()}")
    finally:
        outbox.close()
        engine.close()
        proxy.stop()


# --- crashes: ``kiosk sync now`` in a child process, killed at random points --------------
@dataclass
class CrashReport:
    kills: int = 0  # SIGKILLs that hit a running sync process mid-upload
    runs: int = 0  # sync processes started


def sync_process(term: SoakTerminal) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--config",
                             str(term.config_path), "sync", "now"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def crash_loop(term: SoakTerminal, store: PlatformStore, kills: int, rng: random.Random,
               max_requests: int = 20, max_runs: int = 500) -> CrashReport:
    """Start ``kiosk sync now`` and SIGKILL it once the platform has taken a random number
    (1..``max_requests``) of its requests: a random point in the upload, measured in
    progress rather than time so a fast machine cannot finish before the kill. After
    ``kills`` kills, let it finish (restarting until the outbox is empty)."""
    report = CrashReport()
    outbox = term.outbox()
    try:
        while outbox.status().unsent and report.runs < max_runs:
            report.runs += 1
            target = store.accepted_requests + rng.randint(1, max_requests)
            proc = sync_process(term)
            if report.kills < kills and _wait_progress(store, target, proc):
                proc.send_signal(signal.SIGKILL)
                report.kills += 1
            proc.wait(120)
    finally:
        outbox.close()
    return report


def _wait_progress(store: PlatformStore, target: int, proc: subprocess.Popen[bytes]) -> bool:
    """Until the platform has taken ``target`` requests in all; False if the process ended."""
    tick = threading.Event()
    while proc.poll() is None:
        if store.accepted_requests >= target:
            return True
        tick.wait(0.002)
    return False


# --- the verdict -------------------------------------------------------------------------
def delivery_problems(term: SoakTerminal, store: PlatformStore) -> list[str]:
    """Everything that breaks "exactly once, byte-identical, consistent" (empty: proved)."""
    outbox = term.outbox()
    try:
        problems = outbox.verify()
        local = {r.uuid: r for r in outbox.records() if r.kind is Kind.CASE}
        bodies = {u: outbox.body(u) for u in local}
    finally:
        outbox.close()
    stored = [r for r in store.records("case") if r["terminal"] == term.config.terminal.id]
    ids = [r["id"] for r in stored]
    if sorted(ids) != sorted(local):
        problems.append(f"platform holds {len(ids)} case revisions ({len(set(ids))} ids) for "
                        f"{len(local)} finalized cases")
    for r in stored:
        body = bodies.get(r["id"])
        if body is not None and r["body"]["form"] != body["form"]:
            problems.append(f"{r['id']}: the platform's form differs from the terminal's")
    for sha, data in term.files.items():
        try:
            same = store.read_blob(sha) == data
        except (OSError, SealError):
            same = False
        if not same:
            problems.append(f"attachment {sha[:12]} missing or different on the platform")
    problems += [f"{u}: {rec.state}" for u, rec in local.items() if rec.state is not State.SYNCED]
    return problems

