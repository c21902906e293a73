"""Running the reference platform: in a thread (the kiosk's embedded default, tests) or in
the foreground (``kiosk platform serve``)."""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from central.app import create_app
from central.store import PlatformStore

log = logging.getLogger(__name__)

HEAD_TIMEOUT = 10.0  # seconds a request's head (line and headers) may take to arrive
MAX_CONNECTIONS = 256  # open connections; one more is closed at once
MAX_REQUESTS = 128  # requests in progress; beyond, 503 (uvicorn's limit_concurrency)
MAX_HEAD = 16 << 10  # bytes of request line and headers


class GuardedH11(H11Protocol):
    """uvicorn's HTTP/1.1 with what it lacks against a slow or greedy client: a deadline
    for each request's head (a slow-loris connection that trickles header bytes is closed)
    and a cap on open connections."""

    def connection_made(self, transport) -> None:  # noqa: ANN001 - asyncio API
        super().connection_made(transport)
        self._head_timer = None
        if len(self.connections) > self.config.max_connections:
            transport.close()  # connection_lost forgets it
            return
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.config.head_timeout, self._head_late)

    def _head_late(self) -> None:
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

    def handle_events(self) -> None:
        super().handle_events()
        if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._head_timer.cancel()  # the head is in; the app bounds the body
            self._head_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self._head_timer is None:
            self._arm_head_timer()  # the next request's head, on a kept-alive connection

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)


class PlatformServer:
    """The platform on a real socket. ``port=0`` takes a free port (see ``url``)."""

    def __init__(self, db_path: Path, host: str = "127.0.0.1", port: int = 0,
                 ssl_certfile: str | None = None, ssl_keyfile: str | None = None,
                 head_timeout: float = HEAD_TIMEOUT,
                 max_connections: int = MAX_CONNECTIONS,
                 retention: float | None = None, key_protection: str = "file",
                 url: str | None = None, reuse_port: bool = False) -> None:
        """``retention``: seconds records and files are kept (purged at start and hourly);
        None keeps them (a platform of record). ``key_protection``: how ``platform.key`` is
        kept (as the kiosk's store key: "file", "auto", "systemd-creds"). ``url``: records
        and state in this PostgreSQL database instead of ``db_path`` (whose folder keeps
        the key and the blobs). ``reuse_port``: other processes may listen on the same
        port (SO_REUSEPORT), the kernel spreading connections over them."""
        self.store = PlatformStore(db_path, key_protection, url=url)
        self.retention = retention
        self._stopping = threading.Event()
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say so,
        # and without it every answer sent in two writes waits ~40 ms for a delayed ACK.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        self._sock.bind((host, port))
        self._sock.listen(128)  # connections wait in the backlog until the server runs
        self.host, self.port = self._sock.getsockname()[:2]
        self.scheme = "https" if ssl_certfile else "http"
        config = uvicorn.Config(create_app(self.store), log_level="warning", access_log=False,
                                timeout_graceful_shutdown=2, ssl_certfile=ssl_certfile,
                                ssl_keyfile=ssl_keyfile, lifespan="off", http=GuardedH11,
                                limit_concurrency=MAX_REQUESTS, timeout_keep_alive=5,
                                h11_max_incomplete_event_size=MAX_HEAD)
        config.head_timeout = head_timeout  # read by GuardedH11
        config.max_connections = max_connections
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> PlatformServer:
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="platform-server", daemon=True)
        self._thread.start()
        started = threading.Event()
        while not self._server.started and self._thread.is_alive():
            started.wait(0.01)
        if not self._server.started:
            raise RuntimeError("the reference platform did not start")
        log.info("reference platform at %s", self.url)
        if self.retention is not None:
            threading.Thread(target=self._purge_hourly, name="platform-purge",
                             daemon=True).start()
        return self

    def _purge_hourly(self) -> None:
        assert self.retention is not None
        while not self._stopping.is_set():
            try:
                gone = self.store.purge(self.retention)
            except Exception:  # noqa: BLE001 - a failed purge is retried, never fatal
                log.exception("platform purge failed")
            else:
                if gone:
                    log.info("platform: %d record revision(s) past retention purged", gone)
            self._stopping.wait(3600)

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted (Ctrl+C / SIGTERM)."""
        self._server.run(sockets=[self._sock])

    def stop(self) -> None:
        self._stopping.set()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._sock.close()
        self.store.close()
