"""A province's fleet against the platform: SQLite and PostgreSQL side by side (not part of
the test run).

    python bench/bench_fleet.py [--kiosks 5000] [--seconds 60] [--interval 30]
                                [--workers 2] [--clients 2] [--case-share 0.02]
                                [--backends sqlite,postgresql]

Each kiosk is an enrolled terminal with its own secret, and every request is HMAC-signed as
``offline_cache.signing`` signs them (the platform checks signature, timestamp and nonce as
for a real kiosk). Each kiosk sends a heartbeat every ``--interval`` seconds, starting at a
random moment of the first interval (5,000 kiosks every 30 s: ~167 requests/s); after a
``--case-share`` of heartbeats it also uploads a case: a 20 KB attachment (PATCH) and the
case's JSON (PUT), as the sync engine does. Each request opens its own connection, as a
kiosk does after 30 s (the platform keeps idle connections 5 s).

The platform runs as ``--workers`` processes listening on one port (SO_REUSEPORT: the kernel
spreads connections over them), each a ``PlatformServer`` over the same database: the same
SQLite file (WAL) or the same PostgreSQL database (a throwaway cluster, fsync on, as
``central.pgcluster`` makes it). The load comes from ``--clients`` processes, open loop: a
request is sent when it is due, whatever the others are doing (up to 64 in flight per
client).

Reported for each back end: requests/s asked for and achieved, latency p50/p99 (from
sending to the whole answer), errors, and CPU seconds per request of the server workers, of
PostgreSQL's processes, and of the load generators (all on the same machine: the clients'
share is what the platform did not get).
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import hmac
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from offline_cache.signing import (  # noqa: E402
    H_NONCE,
    H_SIGNATURE,
    H_TERMINAL,
    H_TIMESTAMP,
    signature,
    string_to_sign,
)
from offline_cache.wire import canonical_json  # noqa: E402

NOW = "2026-05-09T10:00:00+08:00"
IN_FLIGHT = 64  # requests a load process has open at once
TICK = os.sysconf("SC_CLK_TCK")


def kiosk_id(i: int) -> str:
    return f"FLEET-{i:05d}"


def kiosk_secret(tid: str) -> bytes:
    return hmac.new(b"bench-fleet", tid.encode(), hashlib.sha256).digest()


# --- the platform's side -------------------------------------------------------------------
def enrol_fleet(folder: Path, url: str | None, kiosks: int) -> None:
    """Every kiosk enrolled, in one transaction (5,000 commits would be the bench itself)."""
    from central.store import PlatformStore

    store = PlatformStore(folder / "platform.sqlite3", url=url)
    try:
        with store._tx() as db:
            for i in range(kiosks):
                tid = kiosk_id(i)
                db.execute("INSERT INTO terminal VALUES (?, ?)",
                           (tid, store._seal_secret(tid, kiosk_secret(tid))))
    finally:
        store.close()


def serve(folder: str, url: str, port: int) -> None:
    """One server worker (``--serve``): a PlatformServer on the shared port."""
    from central.server import PlatformServer

    server = PlatformServer(Path(folder) / "platform.sqlite3", port=port, url=url or None,
                            reuse_port=True)
    print("ready", flush=True)
    server.serve_forever()


def cpu_seconds(pid: int, children: bool = False) -> float:
    """utime + stime of a process (and of its children it has waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


def postgres_cpu(postmaster: int) -> float:
    """The PostgreSQL server's CPU: the postmaster, its running backends and those gone."""
    total = cpu_seconds(postmaster, children=True)
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == postmaster:
                    total += cpu_seconds(int(proc.name))
            except (OSError, ValueError, IndexError):
                continue
    return total


# --- the kiosks' side ----------------------------------------------------------------------
class Load:
    """One load process's kiosks (``--load``): heartbeats on schedule, cases now and then."""

    def __init__(self, port: int, ids: list[int], seconds: float, interval: float,
                 case_share: float, seed: int) -> None:
        self.port, self.seconds, self.interval, self.case_share = (port, seconds, interval,
                                                                   case_share)
        self.rng = random.Random(seed)
        self.due = [(self.rng.uniform(0, interval), i) for i in ids]
        heapq.heapify(self.due)
        self.latencies: dict[str, list[float]] = {"heartbeat": [], "attachment": [],
                                                  "case": []}
        self.errors: dict[str, int] = {}
        self.late = 0  # requests sent > 1 s after they were due (the client fell behind)
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(IN_FLIGHT)

    def request(self, kind: str, tid: str, method: str, path: str, body: bytes,
                extra: dict[str, str] | None = None) -> bool:
        ts, nonce = str(int(time.time())), secrets.token_hex(16)
        headers = {H_TERMINAL: tid, H_TIMESTAMP: ts, H_NONCE: nonce,
                   H_SIGNATURE: signature(kiosk_secret(tid), string_to_sign(
                       method, path, tid, ts, nonce, body)),
                   "Content-Type": "application/json", **(extra or {})}
        start = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request(method, path, body=body, headers=headers)
            reply = conn.getresponse()
            reply.read()
            conn.close()
            status = str(reply.status)
        except OSError as e:
            status = type(e).__name__
        took = time.perf_counter() - start
        with self._lock:
            if status.startswith("2"):
                self.latencies[kind].append(took)
            else:
                self.errors[f"{kind} {status}"] = self.errors.get(f"{kind} {status}", 0) + 1
        return status.startswith("2")

    def kiosk(self, i: int) -> None:
        try:
            tid = kiosk_id(i)
            self.request("heartbeat", tid, "POST", "/v1/heartbeat", canonical_json({
                "terminal_id": tid, "version": "bench", "free_disk_mb": 12000,
                "devices": {"printer": {"state": "ready"}, "idcard": {"state": "ready"}},
                "consumables": {"receipt_paper": "ok"},
                "outbox": {"pending": 0, "uploading": 0, "failed": 0, "rejected": 0}}))
            if self.rng.random() < self.case_share:
                self.case(tid)
        finally:
            self._slots.release()

    def case(self, tid: str) -> None:
        data = b"%PDF-1.7 " + os.urandom(20 << 10)
        sha = hashlib.sha256(data).hexdigest()
        if not self.request("attachment", tid, "PATCH", f"/v1/attachments/{sha}", data,
                            {"Upload-Offset": "0", "Upload-Length": str(len(data)),
                             "Content-Type": "application/offset+octet-stream"}):
            return
        doc = {"revision": 1, "service": "birth", "created_at": NOW, "finalized_at": NOW,
               "form": {"applicant": {"name": "测试", "id_number": "11010519491231002X"},
                        "note": "x" * 1500},
               "attachments": [{"sha256": sha, "size": len(data),
                                "media_type": "application/pdf", "role": "p1"}]}
        self.request("case", tid, "PUT", f"/v1/cases/{uuid.uuid4()}", canonical_json(doc))

    def run(self) -> dict:
        start = time.monotonic()
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            while self.due:
                at, i = self.due[0]
                if at >= self.seconds:
                    break
                wait = start + at - time.monotonic()
                if wait > 0:
                    time.sleep(min(wait, 0.05))
                    continue
                heapq.heapreplace(self.due, (at + self.interval, i))
                self.late += wait < -1.0
                self._slots.acquire()
                pool.submit(self.kiosk, i)
        return {"latencies": self.latencies, "errors": self.errors, "late": self.late,
                "elapsed": time.monotonic() - start, "cpu": time.process_time()}


# --- one back end ----------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


def bench(backend: str, args: argparse.Namespace) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-fleet-{backend}-"))
    cluster = None
    url = ""
    workers: list[subprocess.Popen] = []
    try:
        if backend == "postgresql":
            from central.pgcluster import PgCluster

            cluster = PgCluster(durable=True)
            url = cluster.url()
        t = time.perf_counter()
        enrol_fleet(folder, url or None, args.kiosks)
        enrolled = time.perf_counter() - t
        hold = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # a port for the workers
        hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        hold.bind(("127.0.0.1", 0))
        port = hold.getsockname()[1]
        for _ in range(args.workers):
            workers.append(subprocess.Popen(
                [sys.executable, __file__, "--serve", str(folder), url, str(port)],
                stdout=subprocess.PIPE, text=True))
        for w in workers:
            assert w.stdout is not None and w.stdout.readline().strip() == "ready"
        hold.close()
        postmaster = (int((cluster.data / "postmaster.pid").read_text().split()[0])
                      if cluster else None)
        cpu0 = sum(cpu_seconds(w.pid) for w in workers)
        db0 = postgres_cpu(postmaster) if postmaster else 0.0
        loads = [subprocess.Popen(
            [sys.executable, __file__, "--load", str(port), str(k), str(args.clients),
             str(args.kiosks), str(args.seconds), str(args.interval), str(args.case_share)],
            stdout=subprocess.PIPE, text=True) for k in range(args.clients)]
        results = [json.loads(p.communicate()[0]) for p in loads]
        cpu = sum(cpu_seconds(w.pid) for w in workers) - cpu0
        db = (postgres_cpu(postmaster) - db0) if postmaster else 0.0
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(20)
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    lat = {k: [x for r in results for x in r["latencies"][k]] for k in results[0]["latencies"]}
    every = [x for v in lat.values() for x in v]
    errors: dict[str, int] = {}
    for r in results:
        for k, n in r["errors"].items():
            errors[k] = errors.get(k, 0) + n
    done = len(every)
    elapsed = max(r["elapsed"] for r in results)
    return {
        "backend": backend, "enrol_s": round(enrolled, 1),
        "asked_rps": round(args.kiosks / args.interval * (1 + 2 * args.case_share), 1),
        "rps": round(done / elapsed, 1), "ok": done, "errors": errors,
        "late": sum(r["late"] for r in results),
        "p50_ms": round(pct(every, 0.5), 1), "p99_ms": round(pct(every, 0.99), 1),
        "heartbeat_p50_ms": round(pct(lat["heartbeat"], 0.5), 1),
        "heartbeat_p99_ms": round(pct(lat["heartbeat"], 0.99), 1),
        "case_p50_ms": round(pct(lat["case"], 0.5), 1),
        "case_p99_ms": round(pct(lat["case"], 0.99), 1),
        "cases": len(lat["case"]),
        "server_cpu_ms_per_req": round(1000 * cpu / max(done, 1), 2),
        "db_cpu_ms_per_req": round(1000 * db / max(done, 1), 2),
        "client_cpu_ms_per_req": round(1000 * sum(r["cpu"] for r in results) / max(done, 1), 2),
    }


def main() -> int:
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    if sys.argv[1:2] == ["--load"]:
        port, k, clients, kiosks = map(int, sys.argv[2:6])
        seconds, interval, share = map(float, sys.argv[6:9])
        load = Load(port, list(range(k, kiosks, clients)), seconds, interval, share, seed=k)
        print(json.dumps(load.run()))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kiosks", type=int, default=5000)
    p.add_argument("--seconds", type=float, default=60.0, help="how long the load runs")
    p.add_argument("--interval", type=float, default=30.0, help="seconds between heartbeats")
    p.add_argument("--workers", type=int, default=2, help="server processes on the port")
    p.add_argument("--clients", type=int, default=2, help="load-generating processes")
    p.add_argument("--case-share", type=float, default=0.02,
                   help="share of heartbeats followed by a case upload (2 requests)")
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--json", action="store_true", help="one JSON document, no table")
    args = p.parse_args()
    rows = [bench(b, args) for b in args.backends.split(",")]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{args.kiosks} kiosks, heartbeat every {args.interval:g} s, case after "
          f"{args.case_share:.0%} of them; {args.workers} server workers, {args.clients} load "
          f"processes, {args.seconds:g} s, {os.cpu_count()} CPUs")
    cols = ["backend", "asked_rps", "rps", "ok", "p50_ms", "p99_ms", "heartbeat_p99_ms",
            "case_p50_ms", "case_p99_ms", "server_cpu_ms_per_req", "db_cpu_ms_per_req",
            "client_cpu_ms_per_req", "late"]
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r[c]) for c in cols))
    for r in rows:
        if r["errors"]:
            print(f"{r['backend']} errors: {r['errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
