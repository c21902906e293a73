"""The sync engine: one worker that empties the outbox into the platform, never twice.

A round takes due records (``CaseOutbox.claim_next``) and keeps ``PARALLEL_RECORDS`` of
them in flight, so the next case's attachments are read and sent while the platform stores
the one before. For a case, each attachment goes first, by its hash, in chunks from the
offset the platform says it holds (chunks sized to the link, see ``ChunkSizer``); then the
case itself under its id. Only an answer that echoes what was sent marks a record synced.
An unknown outcome (no answer, a cut, a portal page) marks it failed with an exponential
backoff with jitter, and ends the round (no new record starts; those in flight finish):
the link is probably down, and hammering it with every other record helps nobody. A 409
(or another refusal that no retry can fix) marks it rejected with the platform's reason,
for staff.

Rounds run when a record is finalized, when the network comes back, on a timer, and when
``kiosk sync now`` asks (from any process, through the outbox's meta table). One process
at a time holds the sync lock; the others' engines wait in standby.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offline_cache.client import OutcomeUnknown, PlatformClient, PlatformRefused, UploadState
from offline_cache.crypto import SealError
from offline_cache.lock import ProcessLock
from offline_cache.outbox import AttachmentRef, CaseOutbox, Claim, Kind, OutboxStatus
from offline_cache.wire import iso

log = logging.getLogger(__name__)

# Refusals a later attempt can fix (auth: the clock or the secret; 412: attachments the
# platform lost); any other 4xx answer from the platform means "never as it is".
_RETRYABLE = {401, 403, 404, 412, 429}
PARALLEL_UPLOADS = 3  # attachments on the wire at once, whichever records they belong to
PARALLEL_RECORDS = 2  # records being delivered at once (their attachments share the above)
_POLL = 1.0  # how often a waiting worker looks for a ``kiosk sync now`` from elsewhere


class _Unreadable(Exception):
    """The outbox's own copy of a record cannot be read."""


@dataclass(frozen=True)
class SyncSettings:
    interval: float = 60.0  # a round at least this often
    heartbeat_interval: float = 60.0
    chunk_size: int = 2 << 20  # the largest chunk: at most this much is sent again after a cut
    backoff_base: float = 2.0
    backoff_cap: float = 900.0
    purge_after: float = 72 * 3600.0  # personal data kept this long after confirmation


def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": half the delay fixed, half random, so
    terminals that lost the link together do not all come back in the same second."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay / 2 + rng.uniform(0, delay / 2)


FIRST_CHUNK = 256 << 10  # the first chunk on a link not yet measured
MIN_CHUNK = 16 << 10
CHUNK_SECONDS = 2.0  # chunks are sized to take about this long on the link as measured


class ChunkSizer:
    """The chunk size follows the link, as resumable-upload clients do: a fixed size is
    either many small requests on a hall's LAN or a chunk that cannot finish within its
    deadline on a village's weak 4G. Each chunk is sized to take about ``CHUNK_SECONDS`` at
    the rate the last one achieved (growing at most twofold per chunk); a failed chunk
    halves it. Always between ``MIN_CHUNK`` and the configured largest chunk."""

    def __init__(self, largest: int) -> None:
        self.largest = max(MIN_CHUNK, largest)
        self._size = min(FIRST_CHUNK, self.largest)
        self._lock = threading.Lock()  # uploads run in parallel

    def size(self) -> int:
        return self._size

    def took(self, sent: int, seconds: float) -> None:
        ideal = sent / max(seconds, 1e-3) * CHUNK_SECONDS
        with self._lock:
            if sent >= self._size // 2:  # a short last piece says little about the link
                self._size = self._bounded(min(2 * self._size, ideal))

    def failed(self) -> None:
        with self._lock:
            self._size = self._bounded(self._size / 2)

    def _bounded(self, size: float) -> int:
        return max(MIN_CHUNK, min(self.largest, int(size) >> 14 << 14))  # 16 KiB steps


@dataclass
class RoundResult:
    synced: int = 0
    failed: int = 0
    rejected: int = 0
    link_ok: bool = True
    last_error: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, synced: int = 0, failed: int = 0, rejected: int = 0,
            error: str = "") -> None:
        """Count one record's outcome (records in flight finish on their own threads);
        a failure means the link is down."""
        with self._lock:
            self.synced += synced
            self.failed += failed
            self.rejected += rejected
            if failed:
                self.link_ok = False
                self.last_error = error


@dataclass(frozen=True)
class SyncStatus:
    outbox: OutboxStatus
    link: str  # "ok", "down", "standby" (another process syncs) or "unknown"
    last_error: str = ""
    last_round_at: float | None = None


@dataclass
class Counters:
    """Attachment bytes handed to the wire, in all and per attachment (what the resume
    benchmark and tests read: bytes sent beyond a file's size were sent again)."""

    attachment_bytes: int = 0
    per_attachment: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def sent(self, sha: str, n: int) -> None:
        with self._lock:  # uploads run in parallel
            self.attachment_bytes += n
            self.per_attachment[sha] = self.per_attachment.get(sha, 0) + n


class SyncEngine:
    def __init__(self, outbox: CaseOutbox, client: PlatformClient, lock_path: Path, *,
                 settings: SyncSettings | None = None, version: str = "0",
                 telemetry: Callable[[], dict[str, Any]] | None = None,
                 rng: random.Random | None = None) -> None:
        self.outbox = outbox
        self.client = client
        self.settings = settings or SyncSettings()
        self.version = version
        self.telemetry = telemetry or dict
        self.rng = rng or random.Random()
        self.counters = Counters()
        self.chunks = ChunkSizer(self.settings.chunk_size)
        self._lock = ProcessLock(lock_path)
        self._recovered = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._network_back = False
        self._link_failures = 0
        self._next_heartbeat = 0.0
        self._handled_request = outbox.get_meta("round_requested_at") or ""
        self._listeners: list[Callable[[SyncStatus], None]] = []
        self._thread: threading.Thread | None = None
        self._uploads = ThreadPoolExecutor(PARALLEL_UPLOADS, thread_name_prefix="sync-upload")
        self._records = ThreadPoolExecutor(PARALLEL_RECORDS, thread_name_prefix="sync-record")
        self.status = SyncStatus(outbox.status(), "unknown")

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self.client.abort()
        if self._thread is not None:
            self._thread.join(timeout)
        self._records.shutdown(wait=True)
        self._uploads.shutdown(wait=True)
        self._lock.release()

    def close(self) -> None:
        """Stop, and close what the engine was given (the kiosk and the CLI hand it over)."""
        self.stop()
        self.client.close()
        self.outbox.close()

    def on_status(self, cb: Callable[[SyncStatus], None]) -> Callable[[], None]:
        """Call ``cb`` (on the worker's thread) with each new status; returns the function
        that unsubscribes."""
        self._listeners.append(cb)
        return lambda: self._listeners.remove(cb)

    def trigger(self, reason: str) -> None:
        """Ask for a round now. "network" (the link is back) also skips every backoff."""
        if reason == "network":
            self._network_back = True
        if reason == "heartbeat":  # something staff must see now (a call for help)
            self._next_heartbeat = 0.0
        if reason != "finalized" or self._link_failures == 0:
            self._wake.set()

    def try_lock(self) -> bool:
        """Become the one sync worker for this outbox (False: another process is)."""
        if not self._lock.acquire():
            return False
        if not self._recovered:
            n = self.outbox.recover_interrupted()
            if n:
                log.info("sync: %d record(s) were uploading when the last worker stopped", n)
            self._recovered = True
        return True

    # --- one pass: what the thread does each time, and what ``kiosk sync now`` does once ---
    def run_once(self, skip_backoff: bool = False) -> RoundResult:
        """One round. ``skip_backoff`` (``kiosk sync now``, like the network coming back):
        failed records are due now, not when their backoff ends."""
        if skip_backoff or self._network_back:
            self._network_back = False
            self._link_failures = 0
            self.outbox.retry_failed_now()
        result = self.run_round()
        if result.link_ok and time.monotonic() >= self._next_heartbeat:
            self._heartbeat(result)
        self.outbox.purge(self.settings.purge_after)
        self.outbox.set_meta("last_round_at", str(time.time()))
        self._link_failures = 0 if result.link_ok else self._link_failures + 1
        self._publish("ok" if result.link_ok else "down", result.last_error)
        return result

    def run_round(self) -> RoundResult:
        """Deliver due records until none is left or the link fails (then the records in
        flight end and no new one starts)."""
        result = RoundResult()
        flight: dict[Future[None], str] = {}
        while True:
            while len(flight) < PARALLEL_RECORDS and result.link_ok and not self._stop.is_set():
                claim = self.outbox.claim_next(busy=flight.values())
                if claim is None:
                    break
                flight[self._records.submit(self._deliver, claim, result)] = claim.uuid
            if not flight:
                return result
            done, _ = wait(flight, return_when=FIRST_COMPLETED)
            for job in done:
                del flight[job]
                job.result()  # _deliver handles every error itself

    # --- one record (on a ``sync-record`` thread) --------------------------------------------
    def _deliver(self, claim: Claim, result: RoundResult) -> None:
        try:
            if claim.kind in (Kind.CASE, Kind.SUPPLEMENT):  # their files first
                self._upload_attachments(claim)
            receipt = self.client.put_record(claim.kind, claim.uuid, document(claim))
        except OutcomeUnknown as e:
            self._failed(claim, result, f"outcome unknown: {e}")
            return
        except PlatformRefused as e:
            if e.status in _RETRYABLE:
                self._failed(claim, result, str(e))
            else:
                self._rejected(claim, result, f"{e.error}: {e.detail}")
            return
        except _Unreadable as e:  # our own copy is damaged: no retry can help
            self._rejected(claim, result, f"local data unreadable: {e}")
            return
        except Exception as e:  # a bug: the record must not stay "uploading" until a restart
            log.exception("sync: %s %s", claim.kind, claim.uuid)
            self._failed(claim, result, f"internal error: {type(e).__name__}: {e}")
            return
        if self.outbox.mark_synced(claim.uuid, claim.revision, receipt):
            result.add(synced=1)
            log.info("sync: %s %s revision %d confirmed (%s)", claim.kind, claim.uuid,
                     claim.revision, receipt)

    def _upload_attachments(self, claim: Claim) -> None:
        """A case's attachments go up side by side (the platform stores one while the next
        is on the wire); the first error, once all have ended, fails the case."""
        jobs = [self._uploads.submit(self._upload_one, claim, att) for att in claim.attachments]
        error = next((e for e in (j.exception() for j in jobs) if e is not None), None)
        if error is not None:
            raise error

    def _upload_one(self, claim: Claim, att: AttachmentRef) -> None:
        # A first attempt starts at 0 without asking; a retry asks where to resume.
        state = (self.client.upload_state(att.sha256) if claim.attempts > 1
                 else UploadState(0, False))
        if state.complete:
            return
        try:
            data = self.outbox.read_blob(claim.uuid, att.sha256)
        except (OSError, SealError) as e:
            raise _Unreadable(f"attachment {att.sha256[:12]}: {e}") from e
        self._send_chunks(att.sha256, data, state.received)

    def _send_chunks(self, sha: str, data: bytes, offset: int) -> None:
        for _ in range(2 * (len(data) // MIN_CHUNK) + 4):  # bounded if the platform dithers
            if offset > len(data) or self._stop.is_set():
                raise OutcomeUnknown(f"upload of {sha[:12]} interrupted at {offset}")
            chunk = data[offset:offset + self.chunks.size()]
            self.counters.sent(sha, len(chunk))
            started = time.monotonic()
            try:
                state = self.client.send_chunk(sha, len(data), offset, chunk)
            except OutcomeUnknown:
                self.chunks.failed()
                raise
            self.chunks.took(len(chunk), time.monotonic() - started)
            if state.complete:
                return
            offset = state.received
        raise OutcomeUnknown(f"upload of {sha[:12]} made no progress")

    def _failed(self, claim: Claim, result: RoundResult, error: str) -> None:
        delay = 0.0 if self._stop.is_set() else backoff(
            claim.attempts, self.settings.backoff_base, self.settings.backoff_cap, self.rng)
        self.outbox.mark_failed(claim.uuid, claim.revision, error, time.time() + delay)
        result.add(failed=1, error=error)
        log.warning("sync: %s %s not delivered (attempt %d, next in %.0f s): %s", claim.kind,
                    claim.uuid, claim.attempts, delay, error)

    def _rejected(self, claim: Claim, result: RoundResult, reason: str) -> None:
        self.outbox.mark_rejected(claim.uuid, claim.revision, reason)
        result.add(rejected=1)
        log.error("sync: %s %s rejected, staff must look: %s", claim.kind, claim.uuid, reason)

    # --- heartbeat ---------------------------------------------------------------------------
    def _heartbeat(self, result: RoundResult) -> None:
        st = self.outbox.status()
        tel = self.telemetry()
        report = {"terminal_id": self.client.terminal, "version": self.version,
                  "devices": tel.get("devices", {}), "consumables": tel.get("consumables", {}),
                  "outbox": {k: v for k, v in st.as_dict(time.time()).items()
                             if k in ("pending", "uploading", "failed", "rejected",
                                      "oldest_unsent_age_s")},
                  "free_disk_mb": st.disk.free >> 20}
        for extra in ("help", "usage"):  # a citizen waiting for staff; services used
            if tel.get(extra):
                report[extra] = tel[extra]
        try:
            commands = self.client.heartbeat(report)
            self.outbox.save_commands(commands)
            for c in commands:  # acknowledged as received; carrying them out is later work
                self.client.ack_command(c["id"], "received")
        except (OutcomeUnknown, PlatformRefused) as e:
            result.link_ok = False
            result.last_error = result.last_error or f"heartbeat: {e}"
            return
        self._next_heartbeat = time.monotonic() + self.settings.heartbeat_interval

    # --- the worker thread ---------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.try_lock():
                self._publish("standby")
                self._sleep(self.settings.interval)
                continue
            try:
                self.run_once()
            except Exception as e:  # a bug must not end syncing for good
                log.exception("sync round failed")
                self._publish("unknown", f"internal error: {e}")
            self._sleep(self._pause())
        self._lock.release()

    def _pause(self) -> float:
        if self._link_failures:
            return backoff(self._link_failures, self.settings.backoff_base,
                           self.settings.backoff_cap, self.rng)
        due = self.outbox.next_due_at()
        until_due = self.settings.interval if due is None else due - time.time()
        until_beat = self._next_heartbeat - time.monotonic()
        return max(0.05, min(self.settings.interval, until_due, until_beat))

    def _sleep(self, seconds: float) -> None:
        """Wait for a trigger, another process's request, the stop, or ``seconds``."""
        end = time.monotonic() + seconds
        while not self._stop.is_set():
            left = end - time.monotonic()
            if left <= 0 or self._wake.wait(min(left, _POLL)):
                break
            requested = self.outbox.get_meta("round_requested_at") or ""
            if requested != self._handled_request:
                self._handled_request = requested
                self._network_back = True  # a technician asked: skip the backoff too
                break
        self._wake.clear()

    def _publish(self, link: str, error: str = "") -> None:
        last = self.outbox.get_meta("last_round_at")
        self.status = SyncStatus(self.outbox.status(), link, error,
                                 float(last) if last else None)
        for cb in list(self._listeners):
            try:
                cb(self.status)
            except Exception:
                log.exception("sync status listener failed")


def document(claim: Claim) -> dict[str, Any]:
    """What is put for a record revision. Built only from what that revision stores, so
    every retry sends the very same bytes (the platform compares their hash)."""
    doc = {**claim.body, "revision": claim.revision, "service": claim.service,
           "created_at": iso(claim.created_at)}
    if claim.kind in (Kind.CASE, Kind.SUPPLEMENT):
        doc["attachments"] = [a.document() for a in claim.attachments]
    if claim.kind is Kind.CASE:
        doc["finalized_at"] = iso(claim.finalized_at)
    return doc
