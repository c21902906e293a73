"""The platform against a client that is not a terminal (security issue, item 2): a huge
unsigned upload is refused before it is read, and costs the server no memory; a body is
never read past its cap; slow or idle connections are closed; open connections are capped.

The server runs in a child process so that its memory can be measured on its own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests

from offline_cache.signing import HmacAuth
from offline_cache.wire import MAX_JSON
from tests.platform.harness import SECRET, TERMINAL, signed_session

SERVER = """
import sys, time
from pathlib import Path
from central.server import PlatformServer
server = PlatformServer(Path(sys.argv[1]), head_timeout=float(sys.argv[2]),
                        max_connections=int(sys.argv[3])).start()
server.store.register_terminal(sys.argv[4], bytes.fromhex(sys.argv[5]))
print(server.port, flush=True)
time.sleep(600)
"""
MIB = 1 << 20


@pytest.fixture
def child(tmp_path):
    """(process, port) of a platform with a 2 s head deadline and 60 connections at most."""
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(tmp_path / "p.sqlite3"), "2",
                             "60", TERMINAL, SECRET.hex()], stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    yield proc, port
    proc.kill()
    proc.wait()


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) << 10 for line in f if line.startswith("VmRSS:"))


def chunked_upload(port: int, headers: dict[str, str], total: int) -> tuple[int, bytes]:
    """PUT ``total`` bytes chunked; returns (bytes the server let us send, its answer)."""
    head = (f"PUT /v1/cases/{uuid.uuid4()} HTTP/1.1\r\nHost: x\r\n"
            "Transfer-Encoding: chunked\r\n" + "".join(f"{k}: {v}\r\n" for k, v in
                                                       headers.items()) + "\r\n").encode()
    chunk = b"%x\r\n" % MIB + b"\0" * MIB + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(10)
        sock.sendall(head)
        try:
            while sent < total:
                sock.sendall(chunk)
                sent += MIB
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            answer = sock.recv(65536)
        except ConnectionResetError:
            answer = b""
    return sent, answer


def test_a_huge_unsigned_chunked_upload_is_refused_unread_and_costs_no_memory(child):
    proc, port = child
    before = rss(proc.pid)
    sent, answer = chunked_upload(port, {}, 400 * MIB)
    grown = rss(proc.pid) - before
    assert grown < 50 * MIB, f"the server grew by {grown / MIB:.0f} MiB"
    assert sent < 100 * MIB  # the connection was closed long before the end
    assert answer == b"" or answer.startswith(b"HTTP/1.1 401")
    # Signed headers change nothing: a chunked body without a length is refused unread.
    auth = requests.Request("PUT", "http://x/v1/cases/x", data=b"", auth=HmacAuth(
        TERMINAL, SECRET)).prepare().headers
    signed = {k: v for k, v in auth.items() if k.startswith("X-")}
    sent, answer = chunked_upload(port, signed, 400 * MIB)
    assert sent < 100 * MIB and rss(proc.pid) - before < 50 * MIB
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")


def test_a_declared_length_past_the_cap_is_refused_before_the_body(child):
    proc, port = child
    s = signed_session()
    t0 = time.monotonic()
    r = s.put(f"http://127.0.0.1:{port}/v1/cases/{uuid.uuid4()}",
              data=b"{" + b" " * (MAX_JSON + 1) + b"}")
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    assert time.monotonic() - t0 < 5


def test_slow_and_surplus_connections_are_closed_and_terminals_still_get_in(child):
    proc, port = child
    idle = []
    for _ in range(100):  # 40 more than the server keeps open
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"PUT /v1/cases/x HTTP/1.1\r\nHost: x\r\n")  # and then nothing more
        sock.settimeout(6)
        idle.append(sock)

    def closed(sock: socket.socket) -> bool:
        try:
            return sock.recv(1) == b""
        except (ConnectionResetError, TimeoutError):
            return not isinstance(sys.exc_info()[1], TimeoutError)

    t0 = time.monotonic()
    assert all(closed(sock) for sock in idle)  # surplus at once, the rest at the deadline
    assert time.monotonic() - t0 < 5
    for sock in idle:
        sock.close()
    r = signed_session().get(f"http://127.0.0.1:{port}/v1/catalog")
    assert r.status_code == 200
    assert os.path.exists(f"/proc/{proc.pid}")
