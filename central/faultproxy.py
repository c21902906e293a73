"""A TCP proxy between terminal and platform that breaks things on purpose.

Per request it can: reset the connection at once, cut it part-way through the request
(a request body cut mid-way) or through the answer (an answer lost after the platform
acted), hold the request back, trickle the answer a byte at a time, or answer by itself
with a 500 or with a captive portal's ``200`` HTML page. ``set_up(False)`` is a network cut: live
connections are reset and new ones refused until ``set_up(True)``. The kiosk's simulated
network (``断开网络``) and the sync fault tests both use it.
"""

from __future__ import annotations

import contextlib
import logging
import random
import selectors
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable
from enum import StrEnum

log = logging.getLogger(__name__)


class Fault(StrEnum):
    NONE = "none"
    RESET = "reset"  # connection reset before anything passes
    CUT_UP = "cut_up"  # cut part-way through the request (see ``_cut_at``)
    CUT_DOWN = "cut_down"  # cut part-way through the answer (0: the answer is lost)
    DELAY = "delay"  # hold everything back for N seconds first
    TRICKLE = "trickle"  # the answer one byte every N seconds
    HTTP_500 = "http_500"  # a 500 from "a gateway", the platform never sees the request
    CAPTIVE = "captive"  # a captive portal's 200 HTML page


Plan = Callable[[int], tuple[Fault, float]]  # request number → (fault, its parameter)

_CAPTIVE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: 71\r\nConnection: close\r\n\r\n"
            b"<html><body>Welcome! Please log in to use the WiFi.</body></html>\r\n\r\n")
_ERROR_500 = (b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
              b"Content-Length: 12\r\nConnection: close\r\n\r\nupstream bad")


def no_faults(_n: int) -> tuple[Fault, float]:
    return Fault.NONE, 0.0


def random_faults(rng: random.Random, rate: float, kinds: tuple[Fault, ...],
                  max_delay: float = 0.3) -> Plan:
    """A fault on about ``rate`` of requests, chosen from ``kinds`` with random parameters
    (cuts anywhere in the message, delays up to ``max_delay`` s)."""
    def plan(_n: int) -> tuple[Fault, float]:
        if rng.random() >= rate:
            return Fault.NONE, 0.0
        kind = rng.choice(kinds)
        if kind in (Fault.CUT_UP, Fault.CUT_DOWN):
            return kind, rng.random()
        return kind, rng.uniform(0.01, max_delay)
    return plan


def _cut_at(param: float, first: bytes) -> float:
    """Where a cut falls, in bytes of a message whose first piece is ``first``: ``param``
    bytes when it is 1 or more, else that fraction of the whole message (head plus the
    Content-Length it announces), so a random cut always falls inside the message."""
    if param >= 1:
        return param
    head_end = first.find(b"\r\n\r\n")
    if head_end < 0:
        return param * len(first)
    length = 0
    for line in first[:head_end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value)
    return float(int(param * (head_end + 4 + length)))


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, plan: Plan = no_faults) -> None:
        self.target = (target_host, target_port)
        self.plan = plan
        self.injected: Counter[str] = Counter()
        self.up = True
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._count = 0  # requests seen: the plan's argument
        self.port = 0

    @property
    def requests(self) -> int:
        """Requests that passed through (or were meant to) so far."""
        return self._count

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FaultProxy:
        self._listener = socket.create_server((host, port))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name="fault-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        self._reset_all()

    def set_up(self, up: bool) -> None:
        """Cut (False) or restore (True) the link. A cut resets every live connection."""
        self.up = up
        if not up:
            self._reset_all()

    # --- inside -----------------------------------------------------------------------------
    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True,
                             name="fault-proxy-conn").start()

    def _serve(self, client: socket.socket) -> None:
        self._track(client)
        upstream = None
        try:
            if not self.up:
                return  # the link is cut: reset at once
            upstream = socket.create_connection(self.target, timeout=10)
            self._track(upstream)
            self._pump(client, upstream)
        except OSError:
            pass  # either side went away: the finally below resets the other
        finally:
            for s in (client, upstream):
                if s is not None:
                    self._untrack(s)
                    _reset(s)

    def _next_fault(self) -> tuple[Fault, float]:
        with self._lock:
            self._count += 1
            n = self._count
        return self.plan(n)

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        """Forward both ways. Each request (client bytes after an answer, on a kept-alive
        connection too) draws its own fault, so faults hit requests, not just connections."""
        peer = {client: upstream, upstream: client}
        budget = {client: float("inf"), upstream: float("inf")}
        fault, param, answering = Fault.NONE, 0.0, True
        with selectors.DefaultSelector() as sel:
            for s in (client, upstream):
                s.setblocking(True)
                # Forward each piece at once: Nagle's wait would add ~40 ms per request.
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sel.register(s, selectors.EVENT_READ)
            while self.up and not self._stopped.is_set():
                for key, _ in sel.select(timeout=0.5):
                    src: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = src.recv(65536)
                    if not data:
                        return
                    if src is client and answering:  # a new request begins
                        fault, param = self._next_fault()
                        if not self._start_request(client, fault, param):
                            return
                        budget = {client: _cut_at(param, data) if fault is Fault.CUT_UP
                                  else float("inf"), upstream: float("inf")}
                    elif src is upstream and not answering and fault is Fault.CUT_DOWN:
                        budget[upstream] = _cut_at(param, data)  # the answer begins
                    answering = src is upstream
                    if len(data) >= budget[src]:
                        peer[src].sendall(data[:int(budget[src])])
                        self._inject(fault)
                        return
                    budget[src] -= len(data)
                    if fault is Fault.TRICKLE and src is upstream:
                        self._trickle(client, data, param)
                    else:
                        peer[src].sendall(data)

    def _start_request(self, client: socket.socket, fault: Fault, param: float) -> bool:
        """Faults that act before the request is forwarded; False ends the connection."""
        if fault in (Fault.CUT_UP, Fault.CUT_DOWN, Fault.NONE):
            return True  # these count once they bite
        self._inject(fault)
        if fault is Fault.RESET:
            return False
        if fault in (Fault.HTTP_500, Fault.CAPTIVE):
            client.sendall(_CAPTIVE if fault is Fault.CAPTIVE else _ERROR_500)
            return False
        return not (fault is Fault.DELAY and self._stopped.wait(param))

    def _trickle(self, client: socket.socket, data: bytes, every: float) -> None:
        for i in range(len(data)):
            if self._stopped.wait(every):
                return
            client.sendall(data[i:i + 1])

    def _inject(self, fault: Fault) -> None:
        with self._lock:
            self.injected[fault] += 1

    def _track(self, s: socket.socket) -> None:
        with self._lock:
            self._conns.add(s)

    def _untrack(self, s: socket.socket) -> None:
        with self._lock:
            self._conns.discard(s)

    def _reset_all(self) -> None:
        with self._lock:
            conns = list(self._conns)
        for s in conns:
            # shutdown wakes the thread blocked on this socket; it closes it with a reset.
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def _reset(s: socket.socket) -> None:
    """Close with RST rather than FIN: what a dropped link or a crashing box looks like."""
    with contextlib.suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
