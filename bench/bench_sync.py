"""Sync benchmarks and the long soak (not part of the test run).

    python bench/bench_sync.py throughput [--cases 1000] [--files 3] [--size 300000]
                                          [--cipher sm4-gcm|aes-gcm] [--chunk-kb 2048]
    python bench/bench_sync.py resume [--size 5000000] [--chunk-kb 256]
    python bench/bench_sync.py soak [--cases 200] [--kills 150] [--rate 0.3]

throughput: an outbox of N cases with F attachments each is drained over the loopback into
the reference platform (its own process, ``kiosk platform serve``) by the real sync engine.
Then the same bytes, read out of the outbox beforehand, are uploaded raw into fresh platforms
with bare signed ``requests`` calls: each attachment in one request, then each case's JSON,
once one at a time and once three at a time (the engine's own parallelism). The target
(raw / drain ≥ 0.7) is checked against the faster of the two. For scale it also reports a
raw upload to a sink on the same web stack that only reads the bytes (it stores and checks
nothing, so no drain into a real platform can come near it), and how long reading and
decrypting the outbox alone takes.
resume: one attachment, the connection cut in the middle of it; reported: bytes sent
beyond the attachment's size (target ≤ one chunk).
soak: the crash loop (``kiosk sync now`` SIGKILLed at random points) and the fault drain
at scale; reported: kills, faults by kind, and the verdict.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from central.faultproxy import Fault, FaultProxy  # noqa: E402
from central.server import PlatformServer  # noqa: E402
from central.soak import (  # noqa: E402
    crash_loop,
    delivery_problems,
    drain_through_faults,
    fill,
    make_terminal,
)
from kiosk.link import build_engine  # noqa: E402
from offline_cache.outbox import CaseOutbox, Claim  # noqa: E402
from offline_cache.signing import HmacAuth  # noqa: E402
from offline_cache.sync import PARALLEL_UPLOADS, document  # noqa: E402
from offline_cache.wire import canonical_json  # noqa: E402

TERMINAL = "BENCH-01"
SECRET = bytes(range(32))


def start_process(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    """A server in its own process; its first line of output carries its URL."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    url = next(w for w in line.split() if w.startswith("http"))
    return proc, url


def platform_process(folder: Path) -> tuple[subprocess.Popen[str], str]:
    cfg = make_terminal(folder / "platform-cfg", "http://127.0.0.1:9", TERMINAL, SECRET)
    return start_process([sys.executable, "-m", "kiosk.cli", "--config", str(cfg.config_path),
                          "platform", "serve", "--port", "0", "--db",
                          str(folder / "platform" / "platform.sqlite3")])


# --- the raw baseline: a sink on the same web stack -----------------------------------------
async def sink(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def]
    received = 0
    while True:
        msg = await receive()
        received += len(msg.get("body", b""))
        if not msg.get("more_body"):
            break
    body = json.dumps({"received": received}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def run_sink() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print(f"sink at http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(sink, log_level="warning", access_log=False,
                                  lifespan="off")).run(sockets=[sock])


def raw_to_sink(url: str, payloads: list[tuple[str, str, bytes]]) -> float:
    """Each payload in one PUT to a sink that reads it and throws it away."""
    session = requests.Session()
    session.trust_env = False
    t = time.perf_counter()
    for _, _, body in payloads:
        r = session.put(url, data=body)
        assert r.json()["received"] == len(body)
    return time.perf_counter() - t


def raw_to_platform(url: str, payloads: list[tuple[str, str, bytes]], parallel: int = 1
                    ) -> float:
    """The same bytes to a fresh platform with bare signed ``requests`` calls: each
    attachment in one PATCH, then each case in one PUT; no outbox, no engine. With
    ``parallel`` > 1, that many requests at a time (each thread its own connection)."""
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "s"):
            local.s = requests.Session()
            local.s.trust_env = False
            local.s.auth = HmacAuth(TERMINAL, SECRET)
        return local.s

    def attachment(p: tuple[str, str, bytes]) -> None:
        r = session().patch(f"{url}/v1/attachments/{p[1]}", data=p[2], headers={
            "Upload-Offset": "0", "Upload-Length": str(len(p[2]))})
        assert r.json()["complete"]

    def case(p: tuple[str, str, bytes]) -> None:
        r = session().put(f"{url}/v1/cases/{p[1]}", data=p[2],
                          headers={"Content-Type": "application/json"})
        assert r.status_code == 201

    t = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(attachment, [p for p in payloads if p[0] == "attachment"]))
        list(pool.map(case, [p for p in payloads if p[0] == "case"]))
    return time.perf_counter() - t


def throughput(a: argparse.Namespace, folder: Path) -> None:
    proc, url = platform_process(folder / "a")
    raw_procs = [platform_process(folder / name) for name in ("b", "c")]
    sink_proc, sink_url = start_process([sys.executable, __file__, "sink"])
    try:
        term = make_terminal(folder / "terminal", url, TERMINAL, SECRET, chunk_kb=a.chunk_kb)
        term.config = term.config.model_copy(update={"store": term.config.store.model_copy(
            update={"cipher": a.cipher})})
        t = time.perf_counter()
        fill(term, a.cases, a.files, a.size, random.Random(1), keep=False)
        print(f"filled the outbox: {a.cases} cases x {a.files} x {a.size} B "
              f"({a.cipher}) in {time.perf_counter() - t:.1f} s")
        engine = build_engine(term.config, url)
        assert engine.try_lock()
        t = time.perf_counter()
        payloads = _payloads(engine.outbox)
        reading = time.perf_counter() - t
        t = time.perf_counter()
        rounds = 0
        while engine.outbox.status().unsent:
            engine.run_once()
            rounds += 1
        drain = time.perf_counter() - t
        engine.close()
        total = sum(len(p) for *_, p in payloads) / 1e6
        print(f"drain by the sync engine: {drain:.2f} s ({total / drain:.1f} MB/s, "
              f"{rounds} round(s), chunks up to {a.chunk_kb} KiB, last "
              f"{engine.chunks.size() >> 10} KiB)")
        raws = []
        for (_, raw_url), parallel in zip(raw_procs, (1, PARALLEL_UPLOADS), strict=True):
            seconds = raw_to_platform(raw_url, payloads, parallel)
            raws.append(seconds)
            print(f"raw into a fresh platform, {parallel} at a time: {seconds:.2f} s "
                  f"({total / seconds:.1f} MB/s) -> raw/drain = {seconds / drain:.2f}")
        ratio = min(raws) / drain
        print(f"RATIO raw/drain against the faster raw upload: {ratio:.2f} (target >= 0.7: "
              f"{'met' if ratio >= 0.7 else 'MISSED'})")
        seconds = raw_to_sink(sink_url, payloads)
        print(f"for scale: raw to a sink that stores nothing: {seconds:.2f} s "
              f"({total / seconds:.1f} MB/s) -> raw/drain = {seconds / drain:.2f}; reading and "
              f"decrypting the outbox alone ({a.cipher}): {reading:.2f} s")
    finally:
        for p in (proc, *(p for p, _ in raw_procs), sink_proc):
            p.terminate()
            p.wait()


def _payloads(outbox: CaseOutbox) -> list[tuple[str, str, bytes]]:
    """What a drain sends, in order, read from the outbox before the clock starts:
    ("attachment", sha, bytes) for each file, then ("case", id, its JSON)."""
    out: list[tuple[str, str, bytes]] = []
    for rec in outbox.records():
        atts = outbox.attachments(rec.uuid)
        out += [("attachment", a.sha256, outbox.read_blob(rec.uuid, a.sha256)) for a in atts]
        claim = Claim(rec.uuid, rec.kind, rec.service, rec.revision, outbox.body(rec.uuid),
                      atts, 1, rec.created_at, rec.finalized_at or rec.created_at)
        out.append(("case", rec.uuid, canonical_json(document(claim))))
    return out


def resume(a: argparse.Namespace, folder: Path) -> None:
    server = PlatformServer(folder / "platform" / "platform.sqlite3").start()
    server.store.register_terminal(TERMINAL, SECRET)
    chunk = a.chunk_kb << 10
    middle = (a.size // chunk) // 2 + 1  # the request carrying the middle chunk
    proxy = FaultProxy(server.host, server.port,
                       lambda n: (Fault.CUT_UP, chunk / 2) if n == middle else (Fault.NONE, 0)
                       ).start()
    try:
        term = make_terminal(folder / "terminal", proxy.url, TERMINAL, SECRET,
                             chunk_kb=a.chunk_kb)
        fill(term, 1, 1, a.size, random.Random(2))
        engine = build_engine(term.config, proxy.url)
        assert engine.try_lock()
        while engine.outbox.status().unsent:
            engine.outbox.retry_failed_now()
            engine.run_once()
        sent = engine.counters.attachment_bytes
        engine.close()
        problems = delivery_problems(term, server.store)
        print(f"attachment {a.size} B in {chunk} B chunks, cut half-way through chunk "
              f"{middle}: {sent - a.size} B re-sent (target <= {chunk}); "
              f"{problems or 'delivered intact'}")
    finally:
        proxy.stop()
        server.stop()


def soak(a: argparse.Namespace, folder: Path) -> None:
    server = PlatformServer(folder / "platform" / "platform.sqlite3").start()
    server.store.register_terminal(TERMINAL, SECRET)
    rng = random.Random(a.seed)
    try:
        term = make_terminal(folder / "crash", server.url, TERMINAL, SECRET, chunk_kb=16)
        fill(term, a.cases, 2, 120_000, rng)
        t = time.perf_counter()
        report = crash_loop(term, server.store, a.kills, rng, max_requests=20)
        problems = delivery_problems(term, server.store)
        print(f"crash soak: {a.cases} cases, {report.runs} sync processes, {report.kills} "
              f"SIGKILLs mid-upload, {time.perf_counter() - t:.0f} s: "
              f"{problems or 'exactly once, byte-identical, consistent'}")
        server.store.register_terminal(f"{TERMINAL}-F", SECRET)  # its cases counted apart
        term = make_terminal(folder / "faults", "http://127.0.0.1:9", f"{TERMINAL}-F", SECRET,
                             chunk_kb=64, deadline=1)
        fill(term, a.cases, 2, 150_000, rng)
        t = time.perf_counter()
        injected = drain_through_faults(term, server.host, server.port, a.rate, rng)
        problems = delivery_problems(term, server.store)
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(injected.items()))
        print(f"fault soak: {a.cases} cases, {sum(injected.values())} faults ({kinds}), "
              f"{time.perf_counter() - t:.0f} s: "
              f"{problems or 'exactly once, byte-identical, consistent'}")
    finally:
        server.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--cases", type=int, default=1000)
    t.add_argument("--files", type=int, default=3)
    t.add_argument("--size", type=int, default=300_000)
    t.add_argument("--cipher", default="sm4-gcm", choices=("sm4-gcm", "aes-gcm"))
    t.add_argument("--chunk-kb", type=int, default=2048)
    r = sub.add_parser("resume")
    r.add_argument("--size", type=int, default=5_000_000)
    r.add_argument("--chunk-kb", type=int, default=256)
    s = sub.add_parser("soak")
    s.add_argument("--cases", type=int, default=200)
    s.add_argument("--kills", type=int, default=150)
    s.add_argument("--rate", type=float, default=0.3)
    s.add_argument("--seed", type=int, default=1)
    sub.add_parser("sink")
    a = p.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the sync log's warnings are the faults we inject
    if a.mode == "sink":
        run_sink()
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        {"throughput": throughput, "resume": resume, "soak": soak}[a.mode](a, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
