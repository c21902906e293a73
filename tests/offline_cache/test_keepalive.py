"""A kept-alive connection the server is closing must not fail the next request.

The server closes a connection idle for its keep-alive time (uvicorn: 5 s); a request sent
on it at that moment meets the close and no answer (on a busy kiosk the window is wide: the
embedded platform shares the process with the screens). The front here plays that server
deterministically: once told, it closes every connection it already had as soon as the
next request arrives on it.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

import offline_cache.client as client_module
from tests.platform.harness import make_client


class ClosingFront:
    """A TCP front to the platform that counts connections and, after ``close_kept()``,
    drops each older connection when the next request arrives on it."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.accepted = 0
        self.generation = 0
        self.dropped = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def close_kept(self) -> None:
        self.generation += 1

    def _accept(self) -> None:
        while True:
            try:
                down, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            up = socket.create_connection(self.target)
            born = self.generation
            threading.Thread(target=self._pipe, args=(down, up, born), daemon=True).start()
            threading.Thread(target=self._pipe, args=(up, down, None), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, born: int | None) -> None:
        try:
            while data := src.recv(65536):
                if born is not None and born < self.generation:
                    self.dropped += 1
                    break  # the server's keep-alive ran out just as the request came
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            s.close()

    def stop(self) -> None:
        self.listener.close()


@pytest.fixture
def front(platform):
    f = ClosingFront(platform.host, platform.port)
    yield f
    f.stop()


def test_a_connection_idle_past_the_window_is_not_reused(front, monkeypatch):
    monkeypatch.setattr(client_module, "MAX_IDLE_REUSE", 0.3)
    client = make_client(front.url)
    try:
        for _ in range(3):  # a burst: one connection for all
            assert client.certificates_offered()
        assert front.accepted == 1
        time.sleep(0.5)
        front.close_kept()  # the server is closing the idle connection right now
        assert client.certificates_offered()  # on a new connection, not a failure
        assert front.accepted == 2 and front.dropped == 0
    finally:
        client.close()


def test_the_front_does_drop_a_reused_connection(front, monkeypatch):
    """The check on the test itself: within the window the kept connection is used, and
    the front's close makes that request fail (as it did before the window existed)."""
    monkeypatch.setattr(client_module, "MAX_IDLE_REUSE", 60.0)
    client = make_client(front.url)
    try:
        assert client.certificates_offered()
        front.close_kept()
        with pytest.raises(client_module.OutcomeUnknown):
            client.certificates_offered()
        assert front.dropped == 1
    finally:
        client.close()
